// E-mail / UPN keys: trimmed, lower-cased, checked with a reasonable (not RFC-complete) syntax rule.

// Local part: dot-atoms of the usual characters (no quoted local parts). Domain: at least two labels,
// a letter TLD (or punycode). Upper case is never seen here: keys are lower-cased first.
const EMAIL_RE =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** Trim and lower-case: the canonical form of an e-mail key. */
export function normaliseEmail(value: string): string {
  return value.trim().toLowerCase();
}

/** True when `email` (already normalised) is a plausible address: syntax, ≤ 254 chars, local part ≤ 64. */
export function isValidEmail(email: string): boolean {
  if (email.length > 254) return false;
  const at = email.indexOf("@");
  if (at < 1 || at > 64) return false;
  return EMAIL_RE.test(email);
}

export function invalidEmailMessage(value: string): string {
  return `'${value}' is not a valid e-mail address`;
}
