// Approvals: a second person's decision on a plan held by the two-person rule.
import type { Field } from "../../core/types.ts";
import type { JobRecord } from "../../directory/schema.ts";
import { readUpload } from "../../files/read.ts";
import {
  ApprovalError,
  type ApprovalRequest,
  decide,
  fileApprovalRequest,
  getApproval,
  planDifferences,
  type RowDifference,
  refuseDecision,
  setApprovalJob,
} from "../approvals.ts";
import type { Engine } from "../engine.ts";
import { loadPlan, loadPlanRows, type Source, type StoredPlan } from "../plan-store.ts";
import type { ScheduledBatch } from "../scheduled-rows.ts";
import { planAgainstDirectory, planTable } from "./plan.ts";
import { startPlan } from "./submit.ts";

export interface DecisionInput {
  approvalId: string;
  decision: "approve" | "reject";
  actor: string;
  source: Source;
  /** Why (rejections must say). */
  reason?: string;
  /** Where the job reports (the approval's thread); default: where the request was made. */
  slack?: { channel?: string; threadTs?: string };
}

export type DecisionResult =
  | { kind: "approved"; request: ApprovalRequest; job: JobRecord; created: boolean }
  /** An approved dated plan: its rows now wait as scheduled work (rows due now already have a job). */
  | {
      kind: "scheduled";
      request: ApprovalRequest;
      batches: ScheduledBatch[];
      jobs: JobRecord[];
      created: boolean;
    }
  | { kind: "rejected"; request: ApprovalRequest }
  /** The directory changed under the plan: it was re-made, and the new one needs a decision of its own. */
  | { kind: "changed"; request: ApprovalRequest; next: ApprovalRequest; differences: RowDifference[] };

/**
 * A second person's decision. The requester (and the plan's author) may not decide; approval re-checks the
 * plan's expiry and re-plans the file against today's directory: any difference supersedes the request with
 * a fresh plan and request instead of running. A decided request answers with what happened (same job).
 */
export async function decideApproval(engine: Engine, input: DecisionInput): Promise<DecisionResult> {
  const now = engine.clock();
  const request = await getApproval(engine.db, input.approvalId);
  if (!request) {
    throw new ApprovalError("approval.not_found", `There is no approval request '${input.approvalId}'.`);
  }
  const step = { id: request.id, actor: input.actor, source: input.source, now };
  if (request.status !== "pending") return alreadyDecided(engine, request, input);
  const stored = await loadPlan(engine.db, request.planId, { rows: false });
  if (!stored) throw new ApprovalError("plan.not_found", `Plan ${request.planId} does not exist.`, request);
  if (input.actor === request.requestedBy || input.actor === stored.actor) {
    return refuseDecision(engine.db, {
      ...step,
      request,
      code: "approval.own_request",
      message: "You asked for this change, so someone else has to approve or reject it.",
    });
  }
  if (input.decision === "reject") {
    const reason = input.reason?.trim();
    if (!reason)
      throw new ApprovalError("approval.reason_required", "Say why the plan is rejected.", request);
    const decided = await decide(engine.db, { ...step, status: "rejected", reason });
    return decided ? { kind: "rejected", request: decided } : alreadyDecided(engine, request, input);
  }
  if (stored.status === "expired" || new Date(stored.expiresAt) <= now) {
    const reason = "the plan expired before it was approved: upload the file again";
    const decided = await decide(engine.db, { ...step, status: "expired", reason });
    throw new ApprovalError(
      "plan.expired",
      `Not approved: ${reason}. Nothing was changed.`,
      decided ?? request,
    );
  }
  const changed = await recheckDirectory(engine, stored, request);
  if (changed) {
    const decided = await decide(engine.db, {
      ...step,
      status: "superseded",
      reason: `the directory changed under ${changed.differences.length} row(s); a new plan needs approval`,
      supersededBy: changed.next.id,
      details: { differences: changed.differences.length },
    });
    if (!decided) return alreadyDecided(engine, request, input);
    return { kind: "changed", request: decided, next: changed.next, differences: changed.differences };
  }
  const approved = await decide(engine.db, { ...step, status: "approved" });
  if (!approved) return alreadyDecided(engine, request, input);
  return runApproved(engine, approved, input);
}

async function runApproved(
  engine: Engine,
  request: ApprovalRequest,
  input: DecisionInput,
): Promise<DecisionResult> {
  const home = input.slack ?? (request.context.home as { channel?: string; threadTs?: string } | undefined);
  const stored = await loadPlan(engine.db, request.planId, { rows: false });
  const started = await startPlan(engine, stored, {
    planId: request.planId,
    approvedBy: request.decidedBy ?? input.actor,
    source: request.decidedSource ?? input.source,
    allowPartial: request.allowPartial,
    now: engine.clock(),
    ...(home ? { slack: home } : {}),
  });
  if (started.kind === "scheduled") {
    const { batches, jobs, created } = started;
    return { kind: "scheduled", request, batches, jobs, created };
  }
  if (started.kind !== "job")
    throw new ApprovalError("approval.unexpected", "The approved plan did not start.");
  const { job, created } = started;
  if (request.jobId !== job.id) await setApprovalJob(engine.db, request.id, job.id);
  return { kind: "approved", request: { ...request, jobId: job.id }, job, created };
}

/** A request someone already decided: the same answer again (a double click runs nothing twice). */
async function alreadyDecided(
  engine: Engine,
  request: ApprovalRequest,
  input: DecisionInput,
): Promise<DecisionResult> {
  const current = (await getApproval(engine.db, request.id)) ?? request;
  if (current.status === "approved") {
    // Approved but the job not made yet (a crash in between): confirming is idempotent.
    return runApproved(engine, current, input);
  }
  if (current.status === "rejected") return { kind: "rejected", request: current };
  const next = current.supersededBy ? await getApproval(engine.db, current.supersededBy) : null;
  if (current.status === "superseded" && next) {
    return { kind: "changed", request: current, next, differences: [] };
  }
  throw new ApprovalError(
    `approval.${current.status}`,
    `This request is ${current.status}${current.reason ? `: ${current.reason}` : ""}.`,
    current,
  );
}

/** Re-plans the stored file against the directory now; a new plan and request when any row differs. */
async function recheckDirectory(
  engine: Engine,
  stored: StoredPlan,
  request: ApprovalRequest,
): Promise<{ next: ApprovalRequest; differences: RowDifference[] } | null> {
  if (!stored.file) return null;
  const read = await readUpload(stored.file, {
    maxRows: engine.limits.maxRows,
    operation: stored.plan.operation,
  });
  if (!read.ok) return null;
  const defaults = stored.options.defaults as Partial<Record<Field, string>> | undefined;
  const fresh = await planAgainstDirectory(
    engine,
    stored.plan.operation,
    read.table,
    defaults,
    engine.clock(),
  );
  if (!fresh.ok) return null;
  const differences = planDifferences(await loadPlanRows(engine.db, stored.id), fresh.plan.rows);
  if (differences.length === 0) return null;
  const replanned = await planTable(engine, {
    operation: stored.plan.operation,
    table: read.table,
    bytes: stored.file,
    source: stored.source,
    actor: stored.actor,
    ...(stored.fileName ? { fileName: stored.fileName } : {}),
    context: { ...stored.context, replanOf: stored.id },
    ...(defaults ? { defaults } : {}),
  });
  if (!replanned.ok) return null;
  const { request: next } = await fileApprovalRequest(engine.db, {
    planId: replanned.stored.id,
    operation: request.operation,
    summary: replanned.stored.plan.summary,
    rule: request.rule,
    requestedBy: request.requestedBy,
    source: request.requestedSource,
    allowPartial: request.allowPartial,
    now: engine.clock(),
    context: request.context.home ? { home: request.context.home } : {},
    supersedes: request.id,
  });
  return { next, differences };
}
