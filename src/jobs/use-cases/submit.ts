// Submitting: a person's confirmation becomes a job, scheduled batches (dated plan) or an approval request.
import { approvalRuleFor, defaultApprovalPolicy, describeRule } from "../../core/approval-rules.ts";
import type { JobRecord } from "../../directory/schema.ts";
import {
  ApprovalError,
  type ApprovalRequest,
  fileApprovalRequest,
  findApprovalByPlan,
} from "../approvals.ts";
import type { Engine } from "../engine.ts";
import {
  type ConfirmInput,
  type ConfirmResult,
  confirmPlan,
  findJobByPlan,
  getJob,
  JobError,
} from "../job-store.ts";
import { loadPlan, loadPlanRows, type StoredPlan } from "../plan-store.ts";
import { batchesOfPlan, type ScheduledBatch, scheduleBatches } from "../scheduled-rows.ts";
import { runDueScheduledWork, scheduleOf } from "./dated.ts";

export async function confirm(engine: Engine, input: Omit<ConfirmInput, "now">): Promise<ConfirmResult> {
  return confirmPlan(engine.db, { ...input, now: engine.clock() });
}

export type SubmitResult =
  | { kind: "job"; job: JobRecord; created: boolean }
  | { kind: "awaiting_approval"; request: ApprovalRequest; created: boolean }
  /** A dated plan: its rows wait as scheduled batches (rows due now run at once as a first batch). */
  | { kind: "scheduled"; batches: ScheduledBatch[]; jobs: JobRecord[]; created: boolean };

/**
 * What a person's confirmation does: the job, or (two-person rule) an approval request that a second person
 * must decide. Plans made by the scheduler and undo plans (which put back what a confirmed job changed) are
 * not held. Idempotent on the plan id like `confirm`.
 */
export async function submitPlan(engine: Engine, input: Omit<ConfirmInput, "now">): Promise<SubmitResult> {
  const now = engine.clock();
  const existing = await findApprovalByPlan(engine.db, input.planId);
  if (existing) return answerForExisting(engine, existing);
  const job = await findJobByPlan(engine.db, input.planId);
  if (job) return { kind: "job", job, created: false };
  const stored = await loadPlan(engine.db, input.planId, { rows: false, file: false });
  const rule =
    stored && input.source !== "schedule" && !input.undoOf
      ? approvalRuleFor(
          engine.approvalPolicy ?? defaultApprovalPolicy(),
          stored.plan.operation,
          stored.plan.summary.change,
        )
      : null;
  if (!stored || !rule) return startPlan(engine, stored, { ...input, now });
  // The same checks a confirmation makes, before anyone is asked to look at the plan.
  if (stored.status === "cancelled") throw new JobError("plan.cancelled", "This preview was cancelled.");
  if (stored.status === "expired" || new Date(stored.expiresAt) <= now) {
    throw new JobError(
      "plan.expired",
      "This preview has expired: upload the file again for a fresh preview.",
    );
  }
  if (stored.plan.summary.error > 0 && !input.allowPartial) {
    throw new JobError(
      "plan.needs_partial_confirmation",
      `${stored.plan.summary.error} row(s) have errors: confirm that the ${stored.plan.summary.change} valid row(s) should run and the rest be reported.`,
    );
  }
  const filed = await fileApprovalRequest(engine.db, {
    planId: stored.id,
    operation: stored.plan.operation,
    summary: stored.plan.summary,
    rule: describeRule(rule),
    requestedBy: input.approvedBy,
    source: input.source,
    allowPartial: input.allowPartial,
    now,
    context: input.slack?.channel ? { home: input.slack } : {},
  });
  engine.logger?.info(
    { planId: stored.id, approvalId: filed.request.id, rule: filed.request.rule },
    "plan awaits a second approver",
  );
  return { kind: "awaiting_approval", ...filed };
}

/** Confirms a plan: a job now, or (dated plan) scheduled batches, the rows due now running at once. */
export async function startPlan(
  engine: Engine,
  stored: StoredPlan | null,
  input: ConfirmInput,
): Promise<SubmitResult> {
  const schedule = stored ? scheduleOf(stored) : [];
  if (!stored || schedule.length === 0) {
    const confirmed = await confirmPlan(engine.db, input);
    return { kind: "job", ...confirmed };
  }
  const existing = await batchesOfPlanIfAny(engine, stored.id);
  if (existing) return existing;
  if (stored.status === "cancelled") throw new JobError("plan.cancelled", "This preview was cancelled.");
  if (stored.status === "expired" || new Date(stored.expiresAt) <= input.now) {
    throw new JobError(
      "plan.expired",
      "This preview has expired: upload the file again for a fresh preview.",
    );
  }
  if (stored.plan.summary.error > 0 && !input.allowPartial) {
    throw new JobError(
      "plan.needs_partial_confirmation",
      `${stored.plan.summary.error} row(s) have errors: confirm that the ${stored.plan.summary.change} valid row(s) should run and the rest be reported.`,
    );
  }
  // Every row that is not scheduled (skips, errors, rows due now) goes in a first batch due now, so it is
  // reported (and run) at once like any job.
  const keys = new Map((await loadPlanRows(engine.db, stored.id)).map((r) => [r.row, r.key]));
  const later = new Set(schedule.flatMap((g) => g.rows));
  const now = [...keys.keys()].filter((row) => !later.has(row));
  const groups = [...(now.length ? [{ at: input.now.toISOString(), rows: now }] : []), ...schedule].map(
    (g) => ({ at: g.at, rows: g.rows.map((row) => ({ row, key: keys.get(row) ?? "" })) }),
  );
  const { batches, created } = await scheduleBatches(engine.db, {
    planId: stored.id,
    operation: stored.plan.operation,
    requestedBy: stored.actor,
    approvedBy: input.approvedBy,
    source: input.source,
    ...(input.slack ? { slack: input.slack } : {}),
    groups,
    now: input.now,
  });
  if (!created) return { kind: "scheduled", batches, jobs: [], created };
  const jobs = await runDueScheduledWork(engine, { instance: `confirm:${input.approvedBy}` });
  // Read again: the batch due now has started and carries its job.
  return { kind: "scheduled", batches: await batchesOfPlan(engine.db, stored.id), jobs, created };
}

async function batchesOfPlanIfAny(engine: Engine, planId: string): Promise<SubmitResult | null> {
  const batches = await batchesOfPlan(engine.db, planId);
  return batches.length ? { kind: "scheduled", batches, jobs: [], created: false } : null;
}

async function answerForExisting(engine: Engine, request: ApprovalRequest): Promise<SubmitResult> {
  if (request.status === "pending") return { kind: "awaiting_approval", request, created: false };
  const job = request.jobId ? await getJob(engine.db, request.jobId) : null;
  if (job) return { kind: "job", job, created: false };
  throw new ApprovalError(
    `approval.${request.status}`,
    `This plan was ${request.status}${request.reason ? `: ${request.reason}` : ""}. Nothing was changed.`,
    request,
  );
}
