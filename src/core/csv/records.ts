// Records → CsvRecords, shared by the CSV reader and the workbook reader: what counts as a blank record
// and how a record's cells become field values are one policy whatever the file format.
import type { CsvRecord, Field } from "../types.ts";
import { restoreCell } from "./formula.ts";
import type { HeaderMap } from "./headers.ts";

/** Every cell empty or whitespace: an empty line, or a spreadsheet row saved as ",,,,". */
export function isBlank(cells: readonly string[]): boolean {
  for (const cell of cells) {
    if (cell.length !== 0 && cell.trim().length !== 0) return false;
  }
  return true;
}

/**
 * The per-record work, specialised once per file: which cell feeds which field is resolved from the
 * header map up front, so a record costs one pass over its cells and one trim per mapped cell.
 */
export function recordBuilder(map: HeaderMap, headerLength: number, keepCells = true) {
  const mapped = map.columns.filter((column) => column.field !== null);
  const indexes = mapped.map((column) => column.index);
  const fields = mapped.map((column) => column.field as Field);
  const width = map.width;

  return (cells: string[], row: number, line: number): CsvRecord => {
    // csv-parse hands us a fresh array per record: pad and restore in place rather than copy.
    for (let i = cells.length; i < headerLength; i++) cells.push("");
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      if (cell.charCodeAt(0) === 0x27) cells[i] = restoreCell(cell);
    }
    const values: Partial<Record<Field, string>> = {};
    for (let k = 0; k < indexes.length; k++) values[fields[k]!] = cells[indexes[k]!]!.trim();
    let extraCells = NONE;
    for (let i = width; i < cells.length; i++) {
      const cell = cells[i]!;
      if (cell.trim().length !== 0) {
        if (extraCells === NONE) extraCells = [];
        extraCells.push(cell);
      }
    }
    return { row, line, values, cells: keepCells ? cells : NONE, extraCells };
  };
}

/**
 * The cells of a record read without them (ReadOptions.keepCells), and the extra cells of a record that
 * has none: one shared empty array rather than one per record (~30 MB at 150,000 rows). Never written to.
 */
const NONE: string[] = [];
