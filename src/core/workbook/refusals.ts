// File-level refusals for spreadsheet files. Codes are stable (adapters and tests match on them); each
// message says what the file is and how to save it so that it can be read.
import type { Refusal } from "../types.ts";

export const WORKBOOK_REFUSAL_CODES = [
  "xlsx.macro_enabled",
  "xlsx.encrypted",
  "xlsx.legacy_xls",
  "xlsx.unsupported",
  "xlsx.unreadable",
  "xlsx.formula_without_value",
] as const;
export type WorkbookRefusalCode = (typeof WORKBOOK_REFUSAL_CODES)[number];

const SAVE_AS_XLSX = "In Excel choose File > Save As > Excel Workbook (*.xlsx), then upload the .xlsx file";

function refusal(code: WorkbookRefusalCode, message: string): Refusal {
  return { code, message };
}

export const refuseWorkbook = {
  macroEnabled: (): Refusal =>
    refusal(
      "xlsx.macro_enabled",
      `This is a macro-enabled workbook (.xlsm); macros are never opened here. ${SAVE_AS_XLSX} ` +
        "(or CSV UTF-8).",
    ),
  encrypted: (): Refusal =>
    refusal(
      "xlsx.encrypted",
      "This workbook is protected with a password, so it cannot be read. In Excel choose File > Info > " +
        "Protect Workbook > Encrypt with Password, clear the password, save, and upload the file again.",
    ),
  legacy: (): Refusal =>
    refusal(
      "xlsx.legacy_xls",
      `This is a legacy Excel 97-2003 workbook (.xls), which is not read. ${SAVE_AS_XLSX} (or CSV UTF-8).`,
    ),
  binaryWorkbook: (): Refusal =>
    refusal(
      "xlsx.unsupported",
      `This is an Excel binary workbook (.xlsb), which is not read. ${SAVE_AS_XLSX}.`,
    ),
  openDocument: (): Refusal =>
    refusal(
      "xlsx.unsupported",
      "This is an OpenDocument spreadsheet (.ods), which is not read. Choose File > Save As > Excel 2007-365 " +
        "(.xlsx) or Text CSV, then upload that file.",
    ),
  otherArchive: (): Refusal =>
    refusal(
      "xlsx.unsupported",
      "This is a zip archive or an Office document, not an Excel workbook or a CSV file. Upload the " +
        ".xlsx workbook or the .csv file itself.",
    ),
  unreadable: (): Refusal =>
    refusal(
      "xlsx.unreadable",
      `This looks like an Excel workbook, but it is damaged or incomplete and cannot be read. Open it in ` +
        `Excel, ${SAVE_AS_XLSX.charAt(0).toLowerCase()}${SAVE_AS_XLSX.slice(1)} again.`,
    ),
  formulaWithoutValue: (sheet: string, address: string): Refusal =>
    refusal(
      "xlsx.formula_without_value",
      `Cell ${address} of sheet '${sheet}' holds a formula whose value was never saved (the file was written ` +
        "by a program, not by Excel). Open the workbook in Excel and save it, then upload it again.",
    ),
};
