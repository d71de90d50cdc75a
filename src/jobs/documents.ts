// JSON documents every adapter renders the same way (contract: DESIGN §5): the plan as the CLI's
// `plan --json` prints it, and as the HTTP API answers `?dryRun=true`.
import type { Plan } from "../core/types.ts";

export interface PlanDocument {
  operation: Plan["operation"];
  summary: Plan["summary"];
  rows: Array<{
    row: number;
    line: number;
    key: string;
    outcome: Plan["rows"][number]["outcome"];
    reason: string;
    changes: Plan["rows"][number]["changes"];
  }>;
  warnings: string[];
}

export function planDocument(plan: Plan): PlanDocument {
  return {
    operation: plan.operation,
    summary: plan.summary,
    rows: plan.rows.map((r) => ({
      row: r.row,
      line: r.line,
      key: r.key,
      outcome: r.outcome,
      reason: r.reason,
      changes: r.changes,
    })),
    warnings: plan.warnings,
  };
}
