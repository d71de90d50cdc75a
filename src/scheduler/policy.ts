// Policy runs: evaluate (policy-users.ts loads what the pure rules need), record warnings and DM the users,
// and deactivate through the normal pipeline: the users become a selection, planned as a `disable` (source
// `schedule`, actor `schedule:<id>`), confirmed and run as an ordinary job, so results, audit rows and undo
// work as for any operation. Nothing here knows about cron or Slack.
import { and, eq, inArray, sql } from "drizzle-orm";
import {
  DEACTIVATE,
  describeAccess,
  type InactivityAction,
  type InactivityDecision,
  type InactivityEvaluation,
  type InactivityPolicy,
} from "../core/inactivity.ts";
import { buildReportRows, type ReportRow } from "../core/inactivity-report.ts";
import type { DirectoryUser, Field, Operation, Refusal } from "../core/types.ts";
import { auditLog, inactivityWarnings, type JobRecord, type ScheduleRecord } from "../directory/schema.ts";
import { getJob, listJobItems } from "../jobs/job-store.ts";
import type { Source } from "../jobs/plan-store.ts";
import { confirm, type Engine, planSelection, runUntilFinished } from "../jobs/service.ts";
import { evaluatePolicy, type PolicyUser } from "./policy-users.ts";
import { actionOf, policyOf, resolveAction, resolveGroups } from "./schedules.ts";

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

export interface StoredPlanRef {
  id: string;
  expiresAt: string;
  summary: { change: number; skip: number; error: number };
}

interface DeactivationResult {
  plan: StoredPlanRef | null;
  job: JobRecord | null;
  /** remove-access: every plan and job of the run (licenses, then groups); `plan`/`job` are the first. */
  plans: StoredPlanRef[];
  jobs: JobRecord[];
  refusal: Refusal | null;
  outcomes: Map<string, { status: "succeeded" | "failed" | "skipped"; reason: string }> | null;
}

const NO_RESULT: DeactivationResult = {
  plan: null,
  job: null,
  plans: [],
  jobs: [],
  refusal: null,
  outcomes: null,
};

/**
 * The operations an action takes on `users`: `disable`, or for remove-access a `remove-license` (the listed
 * SKUs, or every SKU these users hold) and a `remove-from-group`. Each is an ordinary plan and job, so each
 * has its own preview, results and undo (undo of the two restores the seats and the memberships).
 */
export function operationsOf(
  action: InactivityAction,
  users: readonly DirectoryUser[],
): { operation: Operation; values: Partial<Record<Field, string>> }[] {
  if (action.kind === "deactivate") return [{ operation: "disable", values: {} }];
  const ops: { operation: Operation; values: Partial<Record<Field, string>> }[] = [];
  const skus =
    action.skus ?? [...new Set(users.flatMap((u) => u.licenses.map((l) => l.toUpperCase())))].sort();
  if (skus.length > 0) ops.push({ operation: "remove-license", values: { license: skus.join("; ") } });
  if (action.groups.length > 0) {
    ops.push({ operation: "remove-from-group", values: { group: action.groups.join("; ") } });
  }
  return ops;
}

/**
 * Plans the action on `users` (a selection, like an uploaded file) and, with `run`, confirms and runs each
 * plan that changes something. Per user, the outcome is succeeded when any job changed them, failed when
 * any failed, else skipped (nothing to remove).
 */
async function planAction(
  engine: Engine,
  input: {
    action: InactivityAction;
    users: DirectoryUser[];
    source: Source;
    actor: string;
    context: Record<string, unknown>;
    run: boolean;
    owner: string;
  },
): Promise<DeactivationResult> {
  const plans: { ref: StoredPlanRef }[] = [];
  for (const op of operationsOf(input.action, input.users)) {
    const planned = await planSelection(engine, {
      operation: op.operation,
      users: input.users,
      values: op.values,
      source: input.source,
      actor: input.actor,
      context: { ...input.context, action: input.action },
      fileName: "inactive-users.csv",
    });
    if (!planned.ok) return { ...NO_RESULT, refusal: planned.refusal };
    const stored = planned.stored;
    plans.push({ ref: { id: stored.id, expiresAt: stored.expiresAt, summary: stored.plan.summary } });
  }
  const refs = plans.map((p) => p.ref);
  const base: DeactivationResult = { ...NO_RESULT, plan: refs[0] ?? null, plans: refs };
  if (!input.run) return base;
  const jobs: JobRecord[] = [];
  const outcomes = new Map<string, { status: "succeeded" | "failed" | "skipped"; reason: string }>();
  const rank = { skipped: 0, succeeded: 1, failed: 2 } as const;
  for (const ref of refs) {
    // A remove-access plan where nobody holds what it removes changes nothing: no job for it.
    if (input.action.kind === "remove-access" && ref.summary.change === 0) continue;
    const { job: queued } = await confirm(engine, {
      planId: ref.id,
      approvedBy: input.actor,
      source: input.source,
      allowPartial: true,
    });
    await runUntilFinished(engine, queued.id, { owner: input.owner });
    const job = (await getJob(engine.db, queued.id)) ?? queued;
    jobs.push(job);
    for (const item of await listJobItems(engine.db, job.id)) {
      const next = {
        status: item.status === "pending" ? ("failed" as const) : item.status,
        reason: item.status === "pending" ? "Not run" : item.reason,
      };
      const key = item.key.toLowerCase();
      const prev = outcomes.get(key);
      if (!prev) outcomes.set(key, next);
      else if (rank[next.status] > rank[prev.status]) outcomes.set(key, next);
    }
  }
  return { ...base, job: jobs[0] ?? null, jobs, outcomes };
}

// --- scheduled runs ---------------------------------------------------------------------------------

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

// --- the CLI's one-off run ---------------------------------------------------------------------------

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
