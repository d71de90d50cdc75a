// Phase 5 of a plan: the drafts become the plan's rows (with the summary, and the passwords supplied in the
// file set aside as secrets for the adapter to seal), and the file-level warnings are gathered.

import { plural } from "../plan-rules/values.ts";
import type { CsvTable, Operation, PlanRow, PlanSummary } from "../types.ts";
import type { Drafts } from "./drafts.ts";

export interface PlannedRows {
  rows: PlanRow[];
  summary: PlanSummary;
  /** Row number → password supplied in the file, for change rows only. */
  secrets: Map<number, string>;
}

export function planRows({ rowNumbers, lines, drafts, keys, compactRows }: Drafts): PlannedRows {
  const n = drafts.length;
  const rows: PlanRow[] = new Array(n);
  const summary = { change: 0, skip: 0, error: 0 };
  const secrets = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const row = rowNumbers[i]!;
    const d = drafts[i]!;
    summary[d.outcome]++;
    if (d.outcome === "change") {
      if (d.password !== undefined) secrets.set(row, d.password);
      const made = compactRows?.[i];
      if (made !== undefined) {
        rows[i] = made;
        continue;
      }
      rows[i] = {
        row,
        line: lines[i]!,
        key: keys[i]!,
        outcome: "change",
        reason: d.reason,
        changes: d.changes,
        action: d.action,
      };
    } else {
      rows[i] = {
        row,
        line: lines[i]!,
        key: keys[i]!,
        outcome: d.outcome,
        reason: d.reason,
        changes: [],
      };
    }
  }
  return { rows, summary, secrets };
}

/** The reader's warnings, then: mapped columns the operation ignores, managers written as AD DNs. */
export function planWarnings(
  table: CsvTable,
  operation: Operation,
  usedFields: readonly string[],
  dnManagers: number,
): string[] {
  const warnings = [...table.warnings];
  const unused: string[] = [];
  for (const c of table.columns) {
    if (c.field !== null && !usedFields.includes(c.field)) unused.push(c.header);
  }
  if (unused.length > 0) {
    const many = unused.length > 1;
    warnings.push(
      `Column${many ? "s" : ""} not used by ${operation} ${many ? "were" : "was"} ignored: ${unused.join(", ")}.`,
    );
  }
  if (dnManagers > 0) {
    warnings.push(
      `${plural(dnManagers, "row")} ${dnManagers === 1 ? "has" : "have"} a manager written as an AD distinguished name (CN=…); write the manager's e-mail address instead.`,
    );
  }
  return warnings;
}
