// A spreadsheet cell → the text a person sees in it, which is what a CSV saved from the same sheet
// would hold, so every CSV rule downstream applies unchanged:
// - numbers through their number format (`000000` keeps an employee id's leading zeros, `00000` a ZIP
//   code's, Excel's Special formats give phone numbers their dashes); General integers in full;
// - dates as ISO 8601 dates (`2026-03-02`), or date-times when the cell has a time of day;
// - a formula by its saved value; rich text as its plain text; a hyperlink (Excel turns typed e-mail
//   addresses into mailto: links) by its shown text; an error value (`#N/A`) as written;
// - TRUE/FALSE as Excel shows them (read as Yes/No by the rules that take booleans).
type NumberFormats = typeof import("numfmt");

/**
 * numfmt (Excel's number formats) is loaded only when a workbook is read: it is ~7 MB of memory and
 * 0.1 s of start-up every other command would pay. Readers of workbooks await this first.
 */
let numfmt: NumberFormats | undefined;
export async function loadNumberFormats(): Promise<void> {
  numfmt ??= await import("numfmt");
}

function numberFormats(): NumberFormats {
  if (numfmt === undefined) throw new Error("cellText: await loadNumberFormats() before reading a workbook");
  return numfmt;
}

/** The value shapes of a cell as the workbook library reports them (exceljs's CellValue). */
export type SheetValue =
  | null
  | undefined
  | string
  | number
  | boolean
  | Date
  | { richText: { text: string }[] }
  | { text: unknown; hyperlink: string }
  | { formula?: string; sharedFormula?: string; result?: unknown }
  | { error: string };

export type CellText = { ok: true; text: string } | { ok: false; reason: "formula_without_value" };

const DAY_MS = 86_400_000;
/** Excel's day 0 in the 1900 date system (1899-12-30, which absorbs Excel's 1900 leap-year bug). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

export function cellText(value: SheetValue, numFmt?: string): CellText {
  if (value === null || value === undefined) return { ok: true, text: "" };
  if (typeof value === "string") return { ok: true, text: value };
  if (typeof value === "number") return { ok: true, text: numberText(value, numFmt) };
  if (typeof value === "boolean") return { ok: true, text: value ? "TRUE" : "FALSE" };
  if (value instanceof Date) return { ok: true, text: dateText(value) };
  if ("richText" in value) return { ok: true, text: value.richText.map((run) => run.text).join("") };
  if ("hyperlink" in value) return cellText(value.text as SheetValue, numFmt);
  if ("error" in value) return { ok: true, text: value.error };
  if ("formula" in value || "sharedFormula" in value || "result" in value) {
    const result = value.result;
    // A formula saved without its value (written by a program, never opened in Excel) has no text to see.
    if (result === undefined) return { ok: false, reason: "formula_without_value" };
    return cellText(result as SheetValue, numFmt);
  }
  return { ok: true, text: "" };
}

function numberText(value: number, numFmt: string | undefined): string {
  const { format: formatNumber, isDateFormat } = numberFormats();
  const format = numFmt?.trim() ?? "";
  if (format === "" || format.toLowerCase() === "general") {
    // General shows long integers in scientific notation in a narrow column; the digits are the data
    // (an employee id, a phone number), so they are kept whole.
    if (Number.isSafeInteger(value)) return String(value);
    return formatNumber("General", value);
  }
  if (isDateFormat(format)) return dateText(new Date(EXCEL_EPOCH_MS + Math.round(value * DAY_MS)));
  if (format === "@") return String(value);
  try {
    return formatNumber(format, value);
  } catch {
    // A format numfmt cannot parse is shown as Excel's General would.
    return formatNumber("General", value);
  }
}

/**
 * Workbook dates carry no time zone: the library hands them over as UTC instants of the wall-clock
 * value, so the UTC fields are the date the person typed.
 */
function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return "";
  const iso = date.toISOString();
  const timeOfDay = date.getTime() - Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  if (timeOfDay === 0) return iso.slice(0, 10);
  return iso.slice(0, 19);
}
