// How a plan reads on a terminal: the summary first, then at most the first 20 changes and 20 errors in
// tables that fit 100 columns, and how to see the rest. 20,000 rows print ~50 lines, not 20,004.
import { writeCsv } from "../core/csv/index.ts";
import type { Plan, PlanRow } from "../core/types.ts";
import { formatCount } from "./progress.ts";
import { formatTable } from "./table.ts";

export const PLAN_PREVIEW_ROWS = 20;

export type PlanListing = "short" | "all" | "errors";

function changesText(row: PlanRow): string {
  return (
    row.changes
      // A new user's e-mail is the row's key, shown beside it: the table spends its width on the rest.
      .filter((c) => !(c.field === "email" && c.from === null && c.to === row.key))
      .map((c) => `${c.field}: ${c.from ?? "∅"} → ${c.to ?? "∅"}`)
      .join("; ")
  );
}

export function planSummaryLine(plan: Pick<Plan, "operation" | "summary">): string {
  const { change, skip, error } = plan.summary;
  return `${plan.operation}: ${formatCount(change)} to change, ${formatCount(skip)} to skip, ${formatCount(error)} with errors (nothing has changed yet)`;
}

function section(title: string, rows: PlanRow[], column: "changes" | "reason", limit: number): string[] {
  if (rows.length === 0) return [];
  const shown = rows.slice(0, limit);
  const heading =
    shown.length < rows.length
      ? `${title} (first ${shown.length} of ${formatCount(rows.length)}):`
      : `${title} (${formatCount(rows.length)}):`;
  return [
    "",
    heading,
    formatTable(
      shown.map((r) => ({
        row: r.row,
        key: r.key,
        [column]: column === "changes" ? changesText(r) || r.reason : r.reason,
      })),
    ),
  ];
}

/** The plan as text: `short` (the default), every row (`--all`) or every error (`--errors`). */
export function planText(plan: Plan, listing: PlanListing = "short"): string {
  const lines = [planSummaryLine(plan)];
  const changes = plan.rows.filter((r) => r.outcome === "change");
  const errors = plan.rows.filter((r) => r.outcome === "error");
  if (listing === "all" && plan.rows.length) {
    lines.push(
      "",
      formatTable(
        plan.rows.map((r) => ({
          row: r.row,
          key: r.key,
          outcome: r.outcome,
          detail: r.outcome === "change" ? changesText(r) || r.reason : r.reason,
        })),
      ),
    );
  } else if (listing === "errors") {
    lines.push(...section("Errors", errors, "reason", Number.POSITIVE_INFINITY));
  } else {
    lines.push(...section("Changes", changes, "changes", PLAN_PREVIEW_ROWS));
    lines.push(...section("Errors", errors, "reason", PLAN_PREVIEW_ROWS));
    const shown = Math.min(changes.length, PLAN_PREVIEW_ROWS) + Math.min(errors.length, PLAN_PREVIEW_ROWS);
    const hidden = plan.rows.length - shown;
    if (hidden > 0) lines.push("", `… ${formatCount(hidden)} more: --all, --errors, --out plan.csv`);
  }
  if (plan.warnings.length) lines.push("", ...plan.warnings.map((w) => `warning: ${w}`));
  return lines.join("\n");
}

/** Every row of the plan as a CSV (UTF-8 with BOM, formula-safe), for `plan --out plan.csv`. */
export function planCsv(plan: Plan): Uint8Array {
  return writeCsv(
    ["Row", "Line", "Key", "Outcome", "Reason", "Changes"],
    plan.rows.map((r) => [String(r.row), String(r.line), r.key, r.outcome, r.reason, changesText(r)]),
  );
}
