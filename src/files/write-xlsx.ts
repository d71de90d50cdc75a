// Workbooks we hand out (operation templates): one sheet named after the operation, so that the file
// read back picks it by name even after someone adds a notes sheet in front. Every column is formatted
// as text, so ids and ZIP codes typed into it keep their leading zeros and phone numbers stay as typed.

export interface WorkbookSheet {
  name: string;
  header: readonly string[];
  rows: readonly (readonly string[])[];
}

/** Excel's limit for a sheet name, and the characters it refuses in one. */
const SHEET_NAME_MAX = 31;
const SHEET_NAME_FORBIDDEN = /[\\/?*[\]:]/g;

export async function workbookBytes(sheet: WorkbookSheet): Promise<Uint8Array> {
  // Loaded on first use (~0.2 s): only template downloads and xlsx exports need it.
  const { default: ExcelJS } = await import("exceljs");
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "bulkusers";
  const name = sheet.name.replace(SHEET_NAME_FORBIDDEN, "-").slice(0, SHEET_NAME_MAX) || "Sheet1";
  const ws = workbook.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
  ws.columns = sheet.header.map((header, i) => ({
    header,
    width: Math.min(40, Math.max(12, header.length + 2, ...sheet.rows.map((r) => (r[i] ?? "").length + 2))),
    style: { numFmt: "@" },
  }));
  ws.getRow(1).font = { bold: true };
  for (const row of sheet.rows) ws.addRow([...row]);
  const buffer = await workbook.xlsx.writeBuffer();
  return new Uint8Array(buffer as ArrayBuffer);
}
