// JSON documents every adapter renders the same way (contract: DESIGN §5): the plan as the CLI's
// `plan --json` prints it, and as the HTTP API answers `?dryRun=true`.
import { CompactPlanRow } from "../core/stored-row.ts";
import type { Plan, PlanRow } from "../core/types.ts";

export interface PlanDocumentRow {
  row: number;
  line: number;
  key: string;
  outcome: PlanRow["outcome"];
  reason: string;
  changes: PlanRow["changes"];
}

export interface PlanDocument {
  operation: Plan["operation"];
  summary: Plan["summary"];
  rows: PlanDocumentRow[];
  warnings: string[];
}

export function planDocument(plan: Plan): PlanDocument {
  return {
    operation: plan.operation,
    summary: plan.summary,
    rows: plan.rows.map((r) =>
      r instanceof CompactPlanRow
        ? new StoredFormDocumentRow(r)
        : { row: r.row, line: r.line, key: r.key, outcome: r.outcome, reason: r.reason, changes: r.changes },
    ),
    warnings: plan.warnings,
  };
}

/**
 * The document row of a plan row kept in stored form: its changes are expanded when it is written
 * (JSON.stringify and the CLI's chunked writer call toJSON), so a 150,000-row document never holds every
 * row's changes as objects at once.
 */
class StoredFormDocumentRow implements PlanDocumentRow {
  readonly row: number;
  readonly line: number;
  readonly key: string;
  readonly outcome: PlanRow["outcome"];
  readonly reason: string;

  constructor(private readonly source: CompactPlanRow) {
    this.row = source.row;
    this.line = source.line;
    this.key = source.key;
    this.outcome = source.outcome;
    this.reason = source.reason;
  }

  get changes(): PlanRow["changes"] {
    return this.source.changes;
  }

  toJSON(): PlanDocumentRow {
    const { row, line, key, outcome, reason, changes } = this;
    return { row, line, key, outcome, reason, changes };
  }
}
