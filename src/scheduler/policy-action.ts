// The action of a policy run, shared by scheduled runs and the CLI's one-off run: the users become a
// selection, planned as ordinary operations and (when asked) confirmed and run as ordinary jobs.
import type { InactivityAction } from "../core/inactivity.ts";
import type { DirectoryUser, Field, Operation, Refusal } from "../core/types.ts";
import type { JobRecord } from "../directory/schema.ts";
import { getJob, listJobItems } from "../jobs/job-store.ts";
import type { Source } from "../jobs/plan-store.ts";
import { confirm, type Engine, planSelection, runUntilFinished } from "../jobs/service.ts";

export interface StoredPlanRef {
  id: string;
  expiresAt: string;
  summary: { change: number; skip: number; error: number };
}

export interface DeactivationResult {
  plan: StoredPlanRef | null;
  job: JobRecord | null;
  /** remove-access: every plan and job of the run (licenses, then groups); `plan`/`job` are the first. */
  plans: StoredPlanRef[];
  jobs: JobRecord[];
  refusal: Refusal | null;
  outcomes: Map<string, { status: "succeeded" | "failed" | "skipped"; reason: string }> | null;
}

export const NO_RESULT: DeactivationResult = {
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
export async function planAction(
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
