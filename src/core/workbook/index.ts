// The workbook layer's public API: tell a file's kind from its bytes, read a workbook into a CsvTable.
export { type CellText, cellText, loadNumberFormats, type SheetValue } from "./cells.ts";
export { refuseWorkbook, WORKBOOK_REFUSAL_CODES, type WorkbookRefusalCode } from "./refusals.ts";
export {
  readWorkbook,
  type SheetCell,
  type SheetData,
  type SheetRow,
  type WorkbookData,
  type WorkbookReadOptions,
} from "./sheet.ts";
export { type FileKind, sniffFile } from "./sniff.ts";
