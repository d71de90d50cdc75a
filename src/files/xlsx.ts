// Unzips an .xlsx with exceljs into plain data for the pure core (src/core/workbook reads it). exceljs
// parses from memory only here (Workbook.xlsx.load on a Buffer): no file or network access, but the
// library as a whole does I/O (it can read and write files), which is why it lives outside src/core.
import type { SheetCell, SheetData, SheetRow, SheetValue, WorkbookData } from "../core/workbook/index.ts";

/** The workbook's sheets and cells, or null when exceljs cannot read it (damaged, not a workbook). */
export async function loadWorkbook(bytes: Uint8Array): Promise<WorkbookData | null> {
  // Loaded on first use: exceljs takes ~0.2 s to load, which every CSV command would otherwise pay.
  const { default: ExcelJS } = await import("exceljs");
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
  } catch {
    return null;
  }
  const sheets: SheetData[] = [];
  workbook.eachSheet((worksheet) => {
    const rows: SheetRow[] = [];
    worksheet.eachRow({ includeEmpty: false }, (row, number) => {
      const cells: (SheetCell | undefined)[] = [];
      row.eachCell({ includeEmpty: false }, (cell, col) => {
        const master = cell.isMerged && cell.master !== cell ? cell.master : undefined;
        const entry: SheetCell = master
          ? { value: null, master: { row: Number(master.row), col: Number(master.col) } }
          : { value: cell.value as SheetValue };
        if (!master && cell.numFmt) entry.numFmt = cell.numFmt;
        cells[col - 1] = entry;
      });
      rows.push({ number, cells });
    });
    sheets.push({ name: worksheet.name, hidden: worksheet.state !== "visible", rows });
  });
  return { sheets };
}
