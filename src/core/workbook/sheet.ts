// A workbook (as plain data from the adapter that unzips it) → CsvTable, with the CSV reader's rules:
// the same preamble rows skipped before the header, the same header mapping, blank rows, row numbers,
// padding, extra cells and row limit. Only the cells differ: they are read as the text a person sees
// (cells.ts), and `line` is the worksheet's own row number, the one Excel shows at the left.
import { headerKey } from "../csv/aliases.ts";
import { restoreCell } from "../csv/formula.ts";
import { interpretHeader, mapHeaders } from "../csv/headers.ts";
import { isBlank, recordBuilder } from "../csv/records.ts";
import { refuse } from "../csv/refusals.ts";
import type { CsvRecord, ReadResult, Refusal } from "../types.ts";
import { cellText, type SheetValue } from "./cells.ts";
import { refuseWorkbook } from "./refusals.ts";

export interface SheetCell {
  value: SheetValue;
  numFmt?: string;
  /** For a cell covered by a merged range other than its top-left cell: where that range starts. */
  master?: { row: number; col: number };
}

export interface SheetRow {
  /** 1-based worksheet row number. */
  number: number;
  /** cells[0] is column A; missing entries are empty cells. */
  cells: (SheetCell | undefined)[];
}

export interface SheetData {
  name: string;
  hidden: boolean;
  /** Rows that have any cell, in order. */
  rows: SheetRow[];
}

export interface WorkbookData {
  sheets: SheetData[];
}

export interface WorkbookReadOptions {
  maxRows: number;
  /** The operation the file is for: a sheet named after it is read instead of the first sheet. */
  operation?: string;
  /** As ReadOptions.keepCells of the CSV reader. */
  keepCells?: boolean;
}

const fail = (refusal: Refusal): ReadResult => ({ ok: false, refusal });

/** As many leading rows as the CSV reader's preamble allows. */
const MAX_PREAMBLE_ROWS = 1000;
const VERSION = /^version:\s*v?\d+(\.\d+)*$/i;

export function readWorkbook(book: WorkbookData, options: WorkbookReadOptions): ReadResult {
  const sheet = pickSheet(book, options.operation);
  if (sheet === undefined) return fail(refuse.empty());

  const grid = sheetText(sheet);
  if (!grid.ok) return fail(grid.refusal);
  const rows = grid.rows;
  if (rows.every((r) => isBlank(r.texts))) return fail(refuse.empty());

  const headerAt = findHeaderRow(rows);
  if (headerAt < 0) return fail(refuse.noHeader());
  const headerRow = rows[headerAt]!;
  const header = trimTrailing(headerRow.texts).map(restoreCell);
  const mapped = mapHeaders(header);
  if (!mapped.ok) return fail(mapped.refusal);
  const { map } = mapped;

  const data = rows.slice(headerAt + 1).filter((r) => !isBlank(r.texts));
  if (data.length === 0) return fail(refuse.noRows());
  if (data.length > options.maxRows) return fail(refuse.tooManyRows(data.length, options.maxRows));

  const build = recordBuilder(map, header.length, options.keepCells ?? true);
  const records: CsvRecord[] = data.map((r, i) => build(trimTrailing(r.texts), i + 1, r.number));
  const warnings = [...map.warnings];
  const others = book.sheets.filter((s) => !s.hidden && s !== sheet && s.rows.length > 0);
  if (others.length > 0) {
    warnings.unshift(
      `Read the sheet '${sheet.name}'; other sheets were not read (${others.map((s) => `'${s.name}'`).join(", ")}).`,
    );
  }
  return {
    ok: true,
    table: {
      encoding: "utf-8",
      delimiter: ",",
      format: "xlsx",
      sheet: sheet.name,
      header,
      columns: map.columns,
      records,
      warnings,
    },
  };
}

/** The sheet named after the operation (any case, spaces or dashes), else the first visible sheet. */
function pickSheet(book: WorkbookData, operation: string | undefined): SheetData | undefined {
  const visible = book.sheets.filter((s) => !s.hidden);
  if (operation !== undefined) {
    const key = headerKey(operation);
    const named = visible.find((s) => headerKey(s.name) === key);
    if (named) return named;
  }
  return visible.find((s) => s.rows.length > 0) ?? visible[0];
}

interface TextRow {
  number: number;
  texts: string[];
  /** The row holds part of a range merged across columns (a title spread over the table's width). */
  mergedAcross: boolean;
}

function sheetText(sheet: SheetData): { ok: true; rows: TextRow[] } | { ok: false; refusal: Refusal } {
  const masters = new Map<string, string>();
  const rows: TextRow[] = [];
  for (const row of sheet.rows) {
    const texts: string[] = [];
    let mergedAcross = false;
    for (let c = 0; c < row.cells.length; c++) {
      const cell = row.cells[c];
      if (cell === undefined) {
        texts.push("");
        continue;
      }
      if (cell.master !== undefined) {
        // Merged down a column (a department spanning its people's rows): each row shows that value.
        // Merged across columns: the value belongs to its first column only.
        const down = cell.master.col === c + 1 && cell.master.row !== row.number;
        if (cell.master.row === row.number) mergedAcross = true;
        texts.push(down ? (masters.get(`${cell.master.row}:${cell.master.col}`) ?? "") : "");
        continue;
      }
      const text = cellText(cell.value, cell.numFmt);
      if (!text.ok) {
        return {
          ok: false,
          refusal: refuseWorkbook.formulaWithoutValue(sheet.name, address(row.number, c + 1)),
        };
      }
      texts.push(text.text);
      masters.set(`${row.number}:${c + 1}`, text.text);
    }
    rows.push({ number: row.number, texts, mergedAcross });
  }
  return { ok: true, rows };
}

/**
 * The index of the header row. Skipped before it, like the CSV reader's preamble: blank rows, Entra's
 * `version:v1.0`, a lone `#…` cell; and, in workbooks, a title: a row with a single filled cell that is
 * merged across columns, or that names no field and is followed by a row with several filled cells.
 */
function findHeaderRow(rows: readonly TextRow[]): number {
  const limit = Math.min(rows.length, MAX_PREAMBLE_ROWS);
  for (let i = 0; i < limit; i++) {
    const row = rows[i]!;
    const filled = row.texts.map((t) => t.trim()).filter((t) => t !== "");
    if (filled.length === 0) continue;
    if (filled.length === 1) {
      const only = filled[0]!;
      if (VERSION.test(only) || only.startsWith("#")) continue;
      if (row.mergedAcross) continue;
      // A lone column name (a one-column file) is a header, never a title.
      if (interpretHeader(only).kind !== "field" && filledCells(rows, i + 1) > 1) continue;
    }
    return i;
  }
  return -1;
}

/** Filled cells of the first non-blank row from `from` on (0 when there is none). */
function filledCells(rows: readonly TextRow[], from: number): number {
  for (let i = from; i < rows.length; i++) {
    const n = rows[i]!.texts.filter((t) => t.trim() !== "").length;
    if (n > 0) return n;
  }
  return 0;
}

/** Cells past the last filled one are dropped: formatting often reaches further than the data. */
function trimTrailing(texts: string[]): string[] {
  let end = texts.length;
  while (end > 0 && texts[end - 1]!.trim() === "") end--;
  return end === texts.length ? texts : texts.slice(0, end);
}

/** A1-style address of a cell, for messages. */
export function address(row: number, col: number): string {
  let letters = "";
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return `${letters}${row}`;
}
