// Every uploaded file (Slack, HTTP API, CLI, stored plans) is read here: a CSV by the CSV reader, an
// .xlsx workbook by unzipping it and reading its cells, a spreadsheet we cannot read refused with how to
// save it. The kind is told from the bytes, never from the file name.
import { type ReadOptions, readCsv } from "../core/csv/index.ts";
import type { ReadResult } from "../core/types.ts";
import { loadNumberFormats, readWorkbook, refuseWorkbook, sniffFile } from "../core/workbook/index.ts";

import { loadWorkbook } from "./xlsx.ts";

export interface UploadReadOptions extends ReadOptions {
  /** The operation the file is for: a workbook sheet named after it is read instead of the first. */
  operation?: string;
}

export async function readUpload(bytes: Uint8Array, options: UploadReadOptions): Promise<ReadResult> {
  const kind = sniffFile(bytes);
  if (kind.kind === "refused") return { ok: false, refusal: kind.refusal };
  if (kind.kind === "text") {
    return readCsv(bytes, {
      maxRows: options.maxRows,
      ...(options.keepCells !== undefined ? { keepCells: options.keepCells } : {}),
    });
  }
  const [book] = await Promise.all([loadWorkbook(bytes), loadNumberFormats()]);
  if (book === null) return { ok: false, refusal: refuseWorkbook.unreadable() };
  return readWorkbook(book, options);
}

/** True when the bytes are an .xlsx workbook (for choosing file names and content types). */
export function isWorkbook(bytes: Uint8Array): boolean {
  return sniffFile(bytes).kind === "xlsx";
}
