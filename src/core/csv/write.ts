// The one CSV writer: results, previews, exports, templates, credentials all go through it, so every
// file we hand out is safe to double-click.
// - UTF-8 with a BOM: without it Excel on Windows opens UTF-8 as the ANSI code page and garbles names.
// - CRLF record ends: what Excel writes and what RFC 4180 specifies; every reader accepts it.
// - Cells a spreadsheet could run as a formula are prefixed with `'` (see formula.ts).
import { stringify } from "csv-stringify/sync";
import { neutraliseCell } from "./formula.ts";

export { neutraliseCell } from "./formula.ts";

export type Cell = string | null | undefined;

const BOM = "\uFEFF";
const encoder = new TextEncoder();

/** The CSV text (no BOM): for previews shown as text; files should use writeCsv. */
export function writeCsvText(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const records: string[][] = [header.map(neutraliseCell)];
  for (const row of rows) records.push(row.map((cell) => neutraliseCell(cell ?? "")));
  return stringify(records, {
    record_delimiter: "windows",
    // Given an explicit record_delimiter, csv-stringify only quotes cells holding "\r\n"; a lone
    // "\n" or "\r" in a cell must be quoted too, or readers split the record there.
    quote_record_delimiter: true,
  });
}

/** The CSV file's bytes: UTF-8 with BOM, CRLF, formula cells neutralised, null/undefined as empty. */
export function writeCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): Uint8Array {
  return encoder.encode(BOM + writeCsvText(header, rows));
}
