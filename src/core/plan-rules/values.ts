// Cell-level rules shared by every operation: formulas, booleans, the clear token, lists, display names.

/**
 * In an update, a cell holding this token (any case) clears the value; a blank cell leaves it unchanged.
 * In a create there is nothing to clear, so the token counts as blank.
 */
export const CLEAR_TOKEN = "[clear]";

export function isClearToken(value: string): boolean {
  return value.length === CLEAR_TOKEN.length && value.toLowerCase() === CLEAR_TOKEN;
}

/**
 * A value that starts with `=` or `@`, possibly after TAB / CR / LF / spaces, would be evaluated by a
 * spreadsheet. `+` and `-` starts are allowed (phone numbers, negative numbers): the CSV writer neutralises
 * them on output anyway.
 */
export function looksLikeFormula(value: string): boolean {
  let i = 0;
  let c = value.charCodeAt(0);
  while (c === 9 || c === 13 || c === 10 || c === 32) c = value.charCodeAt(++i);
  return c === 61 /* = */ || c === 64 /* @ */;
}

export function formulaMessage(value: string, column: string): string {
  return `${quoteValue(value)} in column '${column}' looks like a spreadsheet formula; remove the leading '${value.trimStart()[0]}'`;
}

const TRUE_WORDS = new Set(["yes", "true", "1", "y"]);
const FALSE_WORDS = new Set(["no", "false", "0", "n"]);

/** Yes/No/True/False/1/0/Y/N in any case; undefined when the value is none of them. */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  return undefined;
}

export function booleanMessage(value: string, column: string): string {
  return `${quoteValue(value)} in column '${column}' is not a yes/no value (use Yes, No, True, False, 1 or 0)`;
}

export function yesNo(value: boolean): string {
  return value ? "Yes" : "No";
}

/** Licenses: one cell may name several, separated by `;`, `,` or `+` (the M365 admin center export uses `+`). */
export const LICENSE_SEPARATORS = /[;,+]/;
/** Groups: several names separated by `;` only (group names may contain commas). */
export const GROUP_SEPARATORS = /;/;

/** Split a list cell, trim the items, drop blanks and case-insensitive duplicates (first spelling kept). */
export function splitList(value: string, separators: RegExp): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const part of value.split(separators)) {
    const item = part.trim();
    if (item === "") continue;
    const k = item.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}

/** How lists (licenses, groups) appear in FieldChange values and reasons. */
export function formatList(items: readonly string[]): string | null {
  return items.length === 0 ? null : items.join("; ");
}

/** `FirstName LastName` (either may be missing), else the username (Outlook `Name`), else "". */
export function deriveDisplayName(firstName: string, lastName: string, username: string): string {
  if (firstName !== "" || lastName !== "") return `${firstName} ${lastName}`.trim();
  return username;
}

/** A value quoted for a message, shortened when long. */
export function quoteValue(value: string, max = 40): string {
  return `'${value.length > max ? `${value.slice(0, max - 1)}…` : value}'`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
