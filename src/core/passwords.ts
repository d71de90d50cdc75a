// Password policy (pure). Generation needs crypto randomness and lives in an adapter.

/** Longest password accepted (Entra ID's limit). */
export const PASSWORD_MAX_LENGTH = 256;

export type PasswordCheck = { ok: true } | { ok: false; reason: string };

/**
 * Policy for a password supplied in a file: at least `minLength` characters (PASSWORD_MIN_LENGTH), at most
 * PASSWORD_MAX_LENGTH, and no control characters (they cannot be typed at a sign-in prompt).
 * Length counts Unicode code points, not UTF-16 units.
 */
export function checkPassword(password: string, minLength: number): PasswordCheck {
  let length = 0;
  for (const ch of password) {
    length++;
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f) return { ok: false, reason: "Password contains a control character" };
  }
  if (length < minLength) {
    return { ok: false, reason: `Password is too short (minimum ${minLength} characters)` };
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return { ok: false, reason: `Password is too long (maximum ${PASSWORD_MAX_LENGTH} characters)` };
  }
  return { ok: true };
}

/**
 * Exports show a password column with the password masked (Google Workspace writes `****`, other
 * consoles `********` or bullets): such a value means "no password given", not a password made of stars.
 */
const MASK = /^[*\u2022\u25cf]+$/u;

export function isMaskedPassword(value: string): boolean {
  return MASK.test(value);
}

/** The password a file's cell gives: "" when blank or masked (one is then generated). */
export function suppliedPassword(value: string): string {
  return isMaskedPassword(value) ? "" : value;
}
