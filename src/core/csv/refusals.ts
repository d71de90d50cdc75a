// File-level refusals of the CSV layer. Codes are stable (adapters and tests match on them); messages
// speak to the person who uploaded the file and say what to do about it.
import type { Refusal } from "../types.ts";

export const CSV_REFUSAL_CODES = [
  "csv.empty",
  "csv.binary",
  "csv.no_header",
  "csv.no_rows",
  "csv.duplicate_column",
  "csv.too_many_rows",
  "csv.malformed",
] as const;
export type CsvRefusalCode = (typeof CSV_REFUSAL_CODES)[number];

function refusal(code: CsvRefusalCode, message: string): Refusal {
  return { code, message };
}

// Fixed locale: the core must not depend on the host's settings, and "5,000" reads fine to admins.
const count = (n: number): string => n.toLocaleString("en-US");

export const refuse = {
  empty: (): Refusal => refusal("csv.empty", "The file is empty."),
  workbook: (kind: "xlsx" | "xls"): Refusal =>
    refusal(
      "csv.binary",
      `This looks like an Excel workbook (.${kind}), not a CSV file. In Excel choose File > Save As > ` +
        "CSV UTF-8 (Comma delimited), then upload the .csv file.",
    ),
  binary: (): Refusal =>
    refusal(
      "csv.binary",
      "This file contains binary data, so it is not a CSV file. Save it as CSV UTF-8 and upload that file.",
    ),
  noHeader: (): Refusal =>
    refusal("csv.no_header", "The file has no header row: it holds only blank or preamble lines."),
  noRows: (): Refusal => refusal("csv.no_rows", "The file has a header row but no data rows."),
  duplicateColumn: (first: string, second: string, field: string): Refusal =>
    refusal(
      "csv.duplicate_column",
      `Columns '${first}' and '${second}' both map to ${field}; keep only one of them and upload the file again.`,
    ),
  tooManyRows: (rows: number, limit: number): Refusal =>
    refusal(
      "csv.too_many_rows",
      `The file has ${count(rows)} data rows; the limit is ${count(limit)}. Nothing was imported: ` +
        "split the file into smaller files.",
    ),
  unclosedQuote: (line: number): Refusal =>
    refusal(
      "csv.malformed",
      `The file is not valid CSV: the quoted value that starts on line ${line} is never closed. ` +
        'Check for a missing or stray " on that line.',
    ),
  malformed: (line: number, detail: string): Refusal =>
    refusal("csv.malformed", `The file is not valid CSV near line ${line}: ${detail}`),
};
