// Bytes → CsvTable, or a file-level refusal. The order of the steps is the policy of DESIGN §4
// "Reading": reject binaries, decode, skip the preamble, find the delimiter, parse with csv-parse,
// map the header once, then turn records into rows with as little work per cell as possible.
import { CsvError, parse } from "csv-parse/sync";
import type { CsvRecord, CsvTable, Field, ReadResult, Refusal } from "../types.ts";
import { sniffBinaryText, sniffWorkbook } from "./binary.ts";
import { type Decoded, decode, type Encoding } from "./decode.ts";
import { restoreCell } from "./formula.ts";
import { type HeaderMap, mapHeaders } from "./headers.ts";
import { countLineBreaks, lineBreaksInCells } from "./lines.ts";
import { findHeader, readLine } from "./preamble.ts";
import { isBlank, recordBuilder } from "./records.ts";
import { refuse } from "./refusals.ts";
import { type Delimiter, sniffDelimiter } from "./sniff.ts";

export interface ReadOptions {
  /** More data rows than this refuses the whole file (never a partial import). */
  maxRows: number;
  /**
   * Keep each record's cells as read (default true): results CSVs and selections re-emit them. Planning
   * an upload reads only the mapped values, so it leaves them out (`cells` is then empty) — at 150,000
   * rows they are a quarter of the table.
   */
  keepCells?: boolean;
}

const fail = (refusal: Refusal): ReadResult => ({ ok: false, refusal });

/**
 * Reads an uploaded CSV file.
 *
 * Rows: `row` counts non-blank data records from 1 (blank records, e.g. empty lines or ",,,", are
 * skipped and take no number), so row N is the N-th line of our results CSV and of the preview;
 * `line` is the physical line where the record starts, counting preamble lines, which is the row
 * number Excel shows when no cell holds a line break.
 */
export function readCsv(bytes: Uint8Array, options: ReadOptions): ReadResult {
  const workbook = sniffWorkbook(bytes);
  if (workbook) return fail(workbook);
  const decoded = decode(bytes);
  const { text, encoding } = decoded;
  const binary = sniffBinaryText(text);
  if (binary) return fail(binary);
  if (text.trim() === "") return fail(refuse.empty());

  const preamble = findHeader(text);
  if (preamble.start >= text.length) return fail(refuse.noHeader());
  const body = preamble.start === 0 ? text : text.slice(preamble.start);
  const delimiter = preamble.delimiter ?? sniffBody(body);
  return parseTable(
    body,
    bodyBytes(bytes, decoded, preamble.start),
    preamble.lines + 1,
    delimiter,
    encoding,
    options,
  );
}

/**
 * A UTF-8 body as the file's own bytes: csv-parse works on bytes and would otherwise encode the decoded
 * text back into a copy (18 MB more at 150,000 rows, kept by the allocator long after). Cells come out
 * the same: valid UTF-8 decodes the same way, and after a BOM invalid bytes become U+FFFD either way.
 */
function bodyBytes(bytes: Uint8Array, { text, encoding, bom }: Decoded, start: number): Buffer | undefined {
  if (encoding !== "utf-8") return undefined;
  const offset = bom + (start === 0 ? 0 : new TextEncoder().encode(text.slice(0, start)).length);
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, bytes.byteLength - offset);
}

/** True when some column of the file maps to `field` (required-column checks are the planner's). */
export function hasField(table: CsvTable, field: Field): boolean {
  return table.columns.some((column) => column.field === field);
}

function sniffBody(body: string): Delimiter {
  const first = readLine(body, 0);
  return sniffDelimiter(first.line, first.next < body.length ? readLine(body, first.next).line : undefined);
}

function parseOptions(delimiter: Delimiter) {
  return {
    delimiter,
    // Short, long and blank records come back as they are: padding, extra cells and blank rows are
    // policy decisions made below, not parser errors.
    relax_column_count: true,
    skip_empty_lines: false,
    // A stray quote inside an unquoted cell (Engineer "II") is kept as text, as Excel does.
    relax_quotes: true,
  };
}

function parseTable(
  body: string,
  /** The same body as bytes, when it can be parsed from them (bodyBytes). */
  bytes: Buffer | undefined,
  firstLine: number,
  delimiter: Delimiter,
  encoding: Encoding,
  { maxRows, keepCells = true }: ReadOptions,
): ReadResult {
  const breaks = countLineBreaks(body);
  // A file with far more lines than allowed rows is counted before it is parsed into memory, so an
  // oversized upload is refused without holding all of it (lines only bound records from above:
  // blank lines and multi-line cells make the exact count necessary).
  if (breaks > 2 * maxRows + 100) {
    const rows = countDataRows(body, delimiter);
    if (rows > maxRows) return fail(refuse.tooManyRows(rows, maxRows));
  }

  const quoted = body.includes('"');
  let header: string[] | undefined;
  let refusal: Refusal | undefined;
  let build: ReturnType<typeof recordBuilder> | undefined;
  let columns: HeaderMap["columns"] = [];
  let warnings: string[] = [];
  const records: CsvRecord[] = [];
  let rows = 0;
  let line = firstLine;
  try {
    forEachRecord(bytes ?? body, quoted, delimiter, (cells) => {
      const start = line;
      // Only a quoted cell can span lines: without a quote in the file each record is one line.
      line += quoted ? 1 + lineBreaksInCells(cells) : 1;
      if (build === undefined) {
        header = cells.map(restoreCell);
        const mapped = mapHeaders(header);
        if (!mapped.ok) {
          refusal = mapped.refusal;
          return false;
        }
        ({ columns, warnings } = mapped.map);
        build = recordBuilder(mapped.map, header.length, keepCells);
        return true;
      }
      if (isBlank(cells)) return true;
      rows++;
      // Past the limit the file is refused anyway; keep counting only, to say how many rows it has.
      if (rows <= maxRows) records.push(build(cells, rows, start));
      return true;
    });
  } catch (error) {
    if (error instanceof CsvError) return fail(malformed(body, firstLine, delimiter, error));
    throw error;
  }

  if (refusal !== undefined) return fail(refusal);
  if (header === undefined) return fail(refuse.noHeader());
  if (rows === 0) return fail(refuse.noRows());
  if (rows > maxRows) return fail(refuse.tooManyRows(rows, maxRows));
  return { ok: true, table: { encoding, delimiter, header, columns, records, warnings } };
}

/** About this much of the file is parsed at a time when no record can span lines. */
const PARSE_CHUNK = 1 << 20;

/**
 * Each record's cells, in order, until `visit` says stop. The parser's arrays are handed on and let go
 * as the records are built, never all alive at once (at 150,000 rows they were 60 MB beside the
 * table). Without a quote in the file every line break ends a record, so the file is parsed a megabyte
 * or so at a time, cut after a line break; with quotes it is parsed whole and each array is dropped as
 * it is handed on. (csv-parse's own per-record callback does the same but costs a third more time.)
 */
function forEachRecord(
  input: Buffer | string,
  quoted: boolean,
  delimiter: Delimiter,
  visit: (cells: string[]) => boolean,
): void {
  const options = parseOptions(delimiter);
  if (quoted) {
    const all: (string[] | undefined)[] = parse(input, options);
    for (let i = 0; i < all.length; i++) {
      const cells = all[i]!;
      all[i] = undefined;
      if (!visit(cells)) return;
    }
    return;
  }
  for (let start = 0; start < input.length; ) {
    const from = start + PARSE_CHUNK;
    const cut = typeof input === "string" ? input.indexOf("\n", from) : input.indexOf(0x0a, from);
    const end = cut === -1 ? input.length : cut + 1;
    const chunk: string[][] = parse(
      typeof input === "string" ? input.slice(start, end) : input.subarray(start, end),
      options,
    );
    for (const cells of chunk) if (!visit(cells)) return;
    start = end;
  }
}

/** Non-blank records after the header, without keeping any; -1 when the file does not parse. */
function countDataRows(body: string, delimiter: Delimiter): number {
  let records = 0;
  try {
    parse(body, {
      ...parseOptions(delimiter),
      on_record: (cells: string[]) => {
        if (!isBlank(cells)) records++;
        return null;
      },
    });
  } catch {
    return -1; // The full parse reports the error with its line.
  }
  return records - 1;
}

/**
 * The refusal for a parse error, naming the line where the failing record starts. Errors are rare,
 * so this parses again, counting the lines of the records that did parse.
 */
function malformed(body: string, firstLine: number, delimiter: Delimiter, error: CsvError): Refusal {
  let line = firstLine;
  try {
    parse(body, {
      ...parseOptions(delimiter),
      on_record: (cells: string[]) => {
        line += 1 + lineBreaksInCells(cells);
        return null;
      },
    });
  } catch {
    // Expected: the same error again, now with `line` at the start of the failing record.
  }
  return error.code === "CSV_QUOTE_NOT_CLOSED"
    ? refuse.unclosedQuote(line)
    : refuse.malformed(line, error.message.replace(/ (at|on) line \d+/, ""));
}
