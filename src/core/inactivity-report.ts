// The inactivity report of a policy run: one row per inactive user saying what the run did (or would do)
// with them and why, and the same rows as the CSV attached to the Slack report and written by the CLI.
// The rules that decide (who is inactive, excluded, warned, due) are in inactivity.ts.
import { writeCsv } from "./csv/write.ts";
import {
  formatDay,
  type InactiveUser,
  type InactivityEvaluation,
  type InactivityUser,
} from "./inactivity.ts";

/** What happened (or would happen) to one inactive user in a run. */
export type ReportAction =
  | "deactivated"
  | "access-removed"
  | "no-access"
  | "failed"
  | "would-deactivate"
  | "would-remove-access"
  | "needs-approval"
  | "warned"
  | "would-warn"
  | "waiting"
  | "excluded";

export interface ReportRow {
  email: string;
  displayName: string;
  /** ISO, or null when the user never signed in. */
  lastSignIn: string | null;
  lastActivity: string;
  daysInactive: number;
  action: ReportAction;
  reason: string;
  /** For warned/waiting users: when they are deactivated. */
  deactivateAfter?: string;
}

export const REPORT_CSV_HEADER = [
  "Email",
  "Display Name",
  "Last Sign-In",
  "Last Activity",
  "Days Inactive",
  "Action",
  "Reason",
  "Deactivate After",
] as const;

/** The full list of a run as a CSV file (UTF-8 with BOM, formula-safe). */
export function reportCsv(rows: readonly ReportRow[]): Uint8Array {
  return writeCsv(
    REPORT_CSV_HEADER,
    rows.map((r) => [
      r.email,
      r.displayName,
      r.lastSignIn ?? "",
      r.lastActivity,
      String(r.daysInactive),
      r.action,
      r.reason,
      r.deactivateAfter ?? "",
    ]),
  );
}

export interface ReportRowsInput<U extends InactivityUser> {
  evaluation: InactivityEvaluation<U>;
  /** What the run did with `toDeactivate`: deactivated them (per-user outcome), or only proposed it. */
  deactivation:
    | { kind: "none" }
    | { kind: "proposed"; action: "would-deactivate" | "needs-approval" }
    | {
        kind: "done";
        outcomes: ReadonlyMap<string, { status: "succeeded" | "failed" | "skipped"; reason: string }>;
      };
  /** warn-then-deactivate: were the warnings actually recorded (false in a dry run)? */
  warningsSent: boolean;
  /** The policy removes access instead of deactivating: the rows say access-removed / would-remove-access. */
  removeAccess?: boolean;
}

/**
 * Every inactive user once: the ones this run deactivates (or proposes), then warned and waiting users,
 * then the excluded ones. E-mail keys of `outcomes` are lower-case.
 */
export function buildReportRows<U extends InactivityUser>(input: ReportRowsInput<U>): ReportRow[] {
  const { evaluation } = input;
  const row = (c: InactiveUser<U>, action: ReportAction, reason: string, after?: string): ReportRow => ({
    email: c.user.email,
    displayName: c.user.displayName,
    lastSignIn: c.user.lastLoginAt,
    lastActivity: c.lastActivity,
    daysInactive: c.daysInactive,
    action,
    reason,
    ...(after !== undefined ? { deactivateAfter: after } : {}),
  });
  const rows: ReportRow[] = [];
  const listed = new Set<string>();
  const deactivation = input.deactivation;
  const removing = input.removeAccess === true;
  for (const c of evaluation.toDeactivate) {
    listed.add(c.user.id);
    if (deactivation.kind === "done") {
      const outcome = deactivation.outcomes.get(c.user.email.toLowerCase());
      if (outcome?.status === "succeeded")
        rows.push(row(c, removing ? "access-removed" : "deactivated", c.reason));
      else if (removing && outcome?.status !== "failed")
        rows.push(row(c, "no-access", outcome?.reason || "Nothing to remove"));
      else if (outcome?.status === "skipped")
        rows.push(row(c, "excluded", outcome.reason || "Already disabled"));
      else rows.push(row(c, "failed", outcome?.reason || "Not run"));
    } else if (deactivation.kind === "proposed") {
      const action =
        removing && deactivation.action === "would-deactivate" ? "would-remove-access" : deactivation.action;
      rows.push(row(c, action, c.reason));
    } else {
      rows.push(row(c, removing ? "would-remove-access" : "would-deactivate", c.reason));
    }
  }
  const warnAction: ReportAction = input.warningsSent ? "warned" : "would-warn";
  for (const c of evaluation.toWarn) {
    if (listed.has(c.user.id)) continue;
    listed.add(c.user.id);
    rows.push(row(c, warnAction, c.reason, c.deactivateAfter));
  }
  for (const c of evaluation.waiting) {
    if (listed.has(c.user.id)) continue;
    listed.add(c.user.id);
    rows.push(row(c, "waiting", `Warned ${formatDay(c.warnedAt)}; ${c.reason}`, c.deactivateAfter));
  }
  for (const e of evaluation.excluded) rows.push(row(e, "excluded", e.detail));
  return rows;
}
