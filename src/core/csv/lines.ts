// Physical line numbers of records. A line break is CRLF, LF or a lone CR, as a text editor (and
// Excel) shows them. csv-parse's own counter is not used: it counts a CRLF inside a quoted cell as
// two lines, and asking it for per-record info costs more than the rest of the reader together.
// Instead a record is known to span 1 + (line breaks inside its cells) lines, since the only line
// breaks inside a record are those inside quoted cells, which csv-parse hands over untouched.

/** Number of line breaks in `text`. */
export function countLineBreaks(text: string): number {
  let count = 0;
  for (let p = text.indexOf("\n"); p !== -1; p = text.indexOf("\n", p + 1)) count++;
  for (let p = text.indexOf("\r"); p !== -1; p = text.indexOf("\r", p + 1)) {
    if (text.charCodeAt(p + 1) !== 0x0a) count++;
  }
  return count;
}

/** Line breaks inside a record's cells: how many lines beyond its first the record spans. */
export function lineBreaksInCells(cells: readonly string[]): number {
  let count = 0;
  for (const cell of cells) {
    if (cell.length > 0 && (cell.includes("\n") || cell.includes("\r"))) count += countLineBreaks(cell);
  }
  return count;
}
