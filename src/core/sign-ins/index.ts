// Sign-in files (record-sign-ins): which columns hold what, and the vendors' time formats. Pure.
import type { CsvTable, Refusal } from "../types.ts";
import { signInColumns } from "./columns.ts";
import { parseExportedTime } from "./times.ts";

export { type SignInColumns, signInColumns } from "./columns.ts";
export { type ExportedTime, parseExportedTime } from "./times.ts";

export interface SignInRows {
  /** E-mail and time per row that names a sign-in; times in vendors' formats are already ISO 8601. */
  entries: { email: string; at: string }[];
  /** Rows whose user never signed in (blank, `Never logged in`, …): nothing to record. */
  never: number;
}

/** A table read from a sign-ins file → entries to record. Times no format matches are passed on as written,
 * so the recorder reports them as invalid rows with the text the file had. */
export function signInRows(
  table: CsvTable,
): { ok: true; rows: SignInRows } | { ok: false; refusal: Refusal } {
  const found = signInColumns(table);
  if (!found.ok) return found;
  const { email, time } = found.columns;
  const entries: SignInRows["entries"] = [];
  let never = 0;
  for (const record of table.records) {
    const at = (record.cells[time] ?? "").trim();
    const parsed = parseExportedTime(at);
    if (parsed.kind === "never") never++;
    else
      entries.push({
        email: (record.cells[email] ?? "").trim(),
        at: parsed.kind === "time" ? parsed.iso : at,
      });
  }
  return { ok: true, rows: { entries, never } };
}
