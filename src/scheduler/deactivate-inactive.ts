// The CLI's one-off run (`bulkusers deactivate-inactive`): evaluates like a policy and acts at once, without a
// schedule, warnings or cap.
import {
  DEACTIVATE,
  type InactivityAction,
  type InactivityEvaluation,
  type InactivityPolicy,
} from "../core/inactivity.ts";
import { buildReportRows, type ReportRow } from "../core/inactivity-report.ts";
import type { Refusal } from "../core/types.ts";
import type { JobRecord } from "../directory/schema.ts";
import type { Source } from "../jobs/plan-store.ts";
import type { Engine } from "../jobs/service.ts";
import { type DeactivationResult, NO_RESULT, planAction } from "./policy-action.ts";
import { evaluatePolicy, type PolicyUser } from "./policy-users.ts";
import { resolveAction, resolveGroups } from "./schedules.ts";

export interface DeactivateInactiveOptions {
  days: number;
  excludeGroups?: readonly string[];
  dryRun: boolean;
  actor: string;
  source?: Source;
  owner?: string;
  /** Default: deactivate. remove-access takes the licenses / group memberships instead. */
  action?: InactivityAction;
}

export type DeactivateInactiveResult =
  | {
      ok: true;
      dryRun: boolean;
      evaluation: InactivityEvaluation<PolicyUser>;
      job: JobRecord | null;
      /** remove-access: the jobs (licenses, then groups). */
      jobs: JobRecord[];
      action: InactivityAction;
      rows: ReportRow[];
      summary: { candidates: number; deactivated: number; excluded: number };
    }
  | { ok: false; refusal: Refusal };

/**
 * Deactivates (or, with dryRun, lists) every user inactive for more than `days` days, except admins, service
 * accounts and members of `excludeGroups`: no cap, no warnings (the person at the CLI is the approval).
 */
export async function deactivateInactive(
  engine: Engine,
  options: DeactivateInactiveOptions,
): Promise<DeactivateInactiveResult> {
  const groups = await resolveGroups(engine.db, options.excludeGroups ?? []);
  if (groups.unknown.length > 0) {
    return {
      ok: false,
      refusal: {
        code: "schedule.unknown_group",
        message: `Unknown group${groups.unknown.length === 1 ? "" : "s"}: ${groups.unknown.join(", ")}. Nothing was changed.`,
      },
    };
  }
  const resolvedAction = await resolveAction(engine.db, options.action ?? DEACTIVATE);
  if (!resolvedAction.ok) {
    return {
      ok: false,
      refusal: { code: "schedule.unknown_access", message: `${resolvedAction.error} Nothing was changed.` },
    };
  }
  const action = resolvedAction.action;
  const now = engine.clock();
  const policy: InactivityPolicy = {
    inactiveDays: options.days,
    excludeGroups: groups.known,
    mode: "deactivate",
    warnDays: 0,
    capCount: null,
    capPercent: null,
  };
  const evaluation = await evaluatePolicy(engine.db, policy, { now });
  let result: DeactivationResult = NO_RESULT;
  if (!options.dryRun && evaluation.toDeactivate.length > 0) {
    result = await planAction(engine, {
      action,
      users: evaluation.toDeactivate.map((c) => c.user),
      source: options.source ?? "cli",
      actor: options.actor,
      context: { inactiveDays: options.days, excludeGroups: groups.known },
      run: true,
      owner: options.owner ?? options.actor,
    });
    if (result.refusal) return { ok: false, refusal: result.refusal };
  }
  const rows = buildReportRows({
    evaluation,
    deactivation: result.outcomes
      ? { kind: "done", outcomes: result.outcomes }
      : { kind: "proposed", action: "would-deactivate" },
    warningsSent: false,
    removeAccess: action.kind === "remove-access",
  });
  return {
    ok: true,
    dryRun: options.dryRun,
    evaluation,
    job: result.job,
    jobs: result.jobs,
    action,
    rows,
    summary: {
      candidates: evaluation.candidates.length,
      deactivated: rows.filter((r) => r.action === "deactivated" || r.action === "access-removed").length,
      excluded: evaluation.excluded.length,
    },
  };
}
