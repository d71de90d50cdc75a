// Formula injection: a spreadsheet runs a cell that starts with = + - @ (or TAB/CR before one) as a
// formula. Every CSV we write prefixes such cells with `'`, which spreadsheets show as text, and the
// reader drops that prefix again so that export → re-import gives back the original values.

const APOSTROPHE = 0x27;

/** First characters a spreadsheet may treat as the start of a formula: = + - @ TAB CR. */
function isTrigger(code: number): boolean {
  return code === 0x3d || code === 0x2b || code === 0x2d || code === 0x40 || code === 0x09 || code === 0x0d;
}

/**
 * Index of the first character after the leading run of `'`, when that character is a trigger;
 * -1 otherwise. Looking past the whole run (not just one `'`) is what makes the two functions below
 * exact inverses: a value that itself begins `'=` is written `''=` and read back as `'=`.
 */
function triggerAfterApostrophes(value: string): number {
  let i = 0;
  while (value.charCodeAt(i) === APOSTROPHE) i++;
  return i < value.length && isTrigger(value.charCodeAt(i)) ? i : -1;
}

/** The cell as we write it: prefixed with `'` when a spreadsheet could run it as a formula. */
export function neutraliseCell(value: string): string {
  return triggerAfterApostrophes(value) === -1 ? value : `'${value}`;
}

/** The cell as it was before neutraliseCell: one `'` dropped when what follows could be a formula. */
export function restoreCell(value: string): string {
  if (value.charCodeAt(0) !== APOSTROPHE) return value;
  return triggerAfterApostrophes(value) === -1 ? value : value.slice(1);
}
