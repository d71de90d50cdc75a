// Policy runs: evaluate (policy-users.ts loads what the pure rules need), record warnings and DM the users,
// and deactivate through the normal pipeline: the users become a selection, planned as a `disable` (source
// `schedule`, actor `schedule:<id>`), confirmed and run as an ordinary job, so results, audit rows and undo
// work as for any operation. Nothing here knows about cron or Slack.
import { and, eq, inArray, sql } from "drizzle-orm";
import {
  describeAccess,
  type InactivityAction,
  type InactivityDecision,
  type InactivityEvaluation,
  type InactivityPolicy,
} from "../core/inactivity.ts";
import { buildReportRows, type ReportRow } from "../core/inactivity-report.ts";
import type { Refusal } from "../core/types.ts";
import { auditLog, inactivityWarnings, type JobRecord, type ScheduleRecord } from "../directory/schema.ts";
import type { Source } from "../jobs/plan-store.ts";
import type { Engine } from "../jobs/service.ts";
import { type DeactivationResult, NO_RESULT, planAction, type StoredPlanRef } from "./policy-action.ts";
import { evaluatePolicy, type PolicyUser } from "./policy-users.ts";
import { actionOf, policyOf } from "./schedules.ts";

// The CLI's one-off run lives in deactivate-inactive.ts; re-exported so its importers keep one entry point.
export {
  type DeactivateInactiveOptions,
  type DeactivateInactiveResult,
  deactivateInactive,
} from "./deactivate-inactive.ts";

/**
 * Tells a user that their account will be deactivated (the Slack implementation DMs them). It may throw:
 * failures are logged and counted, never fatal; the warning counts as given either way (the lead time is
 * the policy's grace period, the DM only a courtesy), so users without Slack are still deactivated.
 */
export interface InactivityNotifier {
  warnUser(user: WarnedUser, deactivateAfter: string): Promise<void>;
}

export interface WarnedUser {
  email: string;
  displayName: string;
  /** ISO; null when they never signed in. */
  lastLoginAt: string | null;
  daysInactive: number;
  /** The policy's name, for the message. */
  policyName: string;
  /** A remove-access policy: what it takes away ("all licenses; groups Figma Users"), instead of deactivating. */
  removeAccess?: string;
}

/** The actor of everything a schedule does by itself (audit `actor`, plan `actor`, job `approved_by`). */
export function scheduleActor(scheduleId: string): string {
  return `schedule:${scheduleId}`;
}

export interface RunPolicyOptions {
  /** The cron slot (ISO minute), or null for a manual run. */
  slot?: Date | null;
  /** Evaluate and report only: no warnings, no deactivation (a plan is still stored for the report's button). */
  dryRun?: boolean;
  /** Who runs it: `schedule:<id>` for cron runs, the Slack user for "run now". */
  actor?: string;
  notifier?: InactivityNotifier;
  /** Job lease owner when the run executes its job in-process. */
  owner?: string;
  /** Audit source of the run itself: `schedule` (default) for cron runs, `slack`/`cli` for "run now". */
  source?: Source;
}

export interface PolicyRunSummary {
  candidates: number;
  excluded: number;
  toDeactivate: number;
  deactivated: number;
  failed: number;
  warned: number;
  waiting: number;
}

export interface PolicyRunResult {
  schedule: ScheduleRecord;
  policy: InactivityPolicy;
  /** What the run does to the users it acts on (deactivate, or remove their access). */
  action: InactivityAction;
  slot: string | null;
  dryRun: boolean;
  actor: string;
  now: string;
  evaluation: InactivityEvaluation<PolicyUser>;
  decision: InactivityDecision;
  /** The stored disable plan: what "Deactivate these N" / "Approve" previews, or what ran. */
  plan: StoredPlanRef | null;
  /** The job that ran (decision `deactivate`, not a dry run). */
  job: JobRecord | null;
  /** remove-access: every plan and job (licenses, then groups); `plan` and `job` are the first of each. */
  plans: StoredPlanRef[];
  jobs: JobRecord[];
  /** Why no plan could be stored (e.g. more users than BULKUSERS_MAX_ROWS). */
  refusal: Refusal | null;
  warnings: { recorded: number; notified: number; failed: number; cleared: number };
  summary: PolicyRunSummary;
  /** Every inactive user with what the run did: the report's CSV. */
  rows: ReportRow[];
}

export async function runPolicy(
  engine: Engine,
  schedule: ScheduleRecord,
  options: RunPolicyOptions = {},
): Promise<PolicyRunResult> {
  const now = engine.clock();
  const nowIso = now.toISOString();
  const dryRun = options.dryRun ?? false;
  const actor = options.actor ?? scheduleActor(schedule.id);
  const policy = policyOf(schedule);
  const action = actionOf(schedule);
  const evaluation = await evaluatePolicy(engine.db, policy, { now, scheduleId: schedule.id });

  // Warnings: the bookkeeping first (one transaction), the DMs after it (never Slack inside a transaction).
  // Without any notifier (Slack off) nobody is warned, so the lead time never starts: no one is deactivated
  // without having been told. A DM failing for one user (not in Slack) still counts as their warning.
  const warnings = { recorded: 0, notified: 0, failed: 0, cleared: 0 };
  const canWarn = options.notifier !== undefined;
  if (!dryRun && !canWarn && evaluation.toWarn.length > 0) {
    engine.logger?.warn(
      { scheduleId: schedule.id, users: evaluation.toWarn.length },
      "warn-then-deactivate without a notifier (Slack off): nobody was warned, so nobody will be deactivated",
    );
  }
  if (!dryRun) {
    await engine.db.transaction(async (tx) => {
      if (evaluation.clearWarnings.length > 0) {
        const cleared = await tx
          .delete(inactivityWarnings)
          .where(
            and(
              eq(inactivityWarnings.scheduleId, schedule.id),
              inArray(inactivityWarnings.userId, evaluation.clearWarnings),
            ),
          )
          .returning({ userId: inactivityWarnings.userId });
        warnings.cleared = cleared.length;
      }
      if (canWarn && evaluation.toWarn.length > 0) {
        const values = evaluation.toWarn.map((c) => ({
          scheduleId: schedule.id,
          userId: c.user.id,
          warnedAt: c.warnedAt,
          deactivateAfter: c.deactivateAfter,
        }));
        await tx
          .insert(inactivityWarnings)
          .values(values)
          .onConflictDoUpdate({
            target: [inactivityWarnings.scheduleId, inactivityWarnings.userId],
            set: {
              warnedAt: sql`excluded.warned_at`,
              deactivateAfter: sql`excluded.deactivate_after`,
            },
          });
        warnings.recorded = values.length;
      }
    });
    for (const c of evaluation.toWarn) {
      if (!options.notifier) break;
      try {
        await options.notifier.warnUser(
          {
            email: c.user.email,
            displayName: c.user.displayName,
            lastLoginAt: c.user.lastLoginAt,
            daysInactive: c.daysInactive,
            policyName: schedule.name,
            ...(action.kind === "remove-access" ? { removeAccess: describeAccess(action) } : {}),
          },
          c.deactivateAfter,
        );
        warnings.notified += 1;
      } catch (error) {
        warnings.failed += 1;
        engine.logger?.warn(
          { err: error, scheduleId: schedule.id, user: c.user.email },
          "could not send the inactivity warning",
        );
      }
    }
  }

  const decision = evaluation.decision;
  let result: DeactivationResult = NO_RESULT;
  if (evaluation.toDeactivate.length > 0) {
    result = await planAction(engine, {
      action,
      users: evaluation.toDeactivate.map((c) => c.user),
      source: "schedule",
      actor: scheduleActor(schedule.id),
      context: {
        scheduleId: schedule.id,
        scheduleName: schedule.name,
        slot: options.slot ? options.slot.toISOString() : null,
        decision,
        dryRun,
        // No Slack channel here: the run reports itself (with the outcome of its job); a plan approved from
        // the report gets the report's channel and thread when it is re-planned (see the Slack listeners).
      },
      run: decision === "deactivate" && !dryRun,
      owner: options.owner ?? actor,
    });
  }

  const rows = buildReportRows({
    evaluation,
    deactivation: result.outcomes
      ? { kind: "done", outcomes: result.outcomes }
      : {
          kind: "proposed",
          action: decision === "approval" && !dryRun ? "needs-approval" : "would-deactivate",
        },
    warningsSent: !dryRun && canWarn,
    removeAccess: action.kind === "remove-access",
  });
  const deactivated = rows.filter((r) => r.action === "deactivated" || r.action === "access-removed").length;
  const failed = rows.filter((r) => r.action === "failed").length;
  const summary: PolicyRunSummary = {
    candidates: evaluation.candidates.length,
    excluded: evaluation.excluded.length,
    toDeactivate: evaluation.toDeactivate.length,
    deactivated,
    failed,
    warned: dryRun ? evaluation.toWarn.length : warnings.recorded,
    waiting: evaluation.waiting.length,
  };

  await engine.db.insert(auditLog).values({
    at: nowIso,
    actor,
    source: options.source ?? "schedule",
    action: dryRun ? "schedule.dry_run" : "schedule.run",
    target: schedule.id,
    jobId: result.job?.id ?? null,
    details: {
      slot: options.slot ? options.slot.toISOString() : null,
      mode: schedule.mode,
      action,
      decision,
      cap: evaluation.cap,
      planId: result.plan?.id ?? null,
      planIds: result.plans.map((p) => p.id),
      jobIds: result.jobs.map((j) => j.id),
      refusal: result.refusal,
      summary,
      warnings,
    },
  });

  return {
    schedule,
    policy,
    action,
    slot: options.slot ? options.slot.toISOString() : null,
    dryRun,
    actor,
    now: nowIso,
    evaluation,
    decision,
    plan: result.plan,
    job: result.job,
    plans: result.plans,
    jobs: result.jobs,
    refusal: result.refusal,
    warnings,
    summary,
    rows,
  };
}
