// The two-person rule at rest: approval requests and their decisions, each step audited (requested, approved,
// rejected, refused, superseded: who, when, from which surface). Planning and confirming stay in service.ts;
// this module only stores and moves requests, so a decision is taken exactly once (conditional updates on
// `status = 'pending'`: two approvers racing get one winner).
import { and, desc, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "../directory/client.ts";
import { type ApprovalRequestRecord, approvalRequests, auditLog, plans } from "../directory/schema.ts";
import { JobError } from "./job-store.ts";
import { newId, type Source } from "./plan-store.ts";

/** A refused approval step; a JobError so every surface that reports job errors reports these too. */
export class ApprovalError extends JobError {
  constructor(
    code: string,
    message: string,
    readonly request?: ApprovalRequestRecord,
  ) {
    super(code, message);
  }
}

export type ApprovalRequest = ApprovalRequestRecord;

/** A request as JSON, the same on every surface (the API adds its links): ISO 8601 times. */
export function approvalJson(request: ApprovalRequest) {
  const iso = (value: string | null) => (value ? new Date(value).toISOString() : null);
  return {
    approvalId: request.id,
    planId: request.planId,
    operation: request.operation,
    status: request.status,
    rule: request.rule,
    summary: request.summary,
    requestedBy: request.requestedBy,
    requestedSource: request.requestedSource,
    requestedAt: iso(request.requestedAt),
    decidedBy: request.decidedBy,
    decidedSource: request.decidedSource,
    decidedAt: iso(request.decidedAt),
    reason: request.reason,
    jobId: request.jobId,
    supersedes: request.supersedes,
    supersededBy: request.supersededBy,
  };
}

export async function getApproval(db: Executor, id: string): Promise<ApprovalRequest | null> {
  const [row] = await db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
  return row ?? null;
}

export async function findApprovalByPlan(db: Executor, planId: string): Promise<ApprovalRequest | null> {
  const [row] = await db.select().from(approvalRequests).where(eq(approvalRequests.planId, planId));
  return row ?? null;
}

/** Requests, newest first; `pending` ones are what approvers have to look at. */
export async function listApprovals(
  db: Executor,
  options: { status?: ApprovalRequest["status"]; limit?: number } = {},
): Promise<ApprovalRequest[]> {
  return db
    .select()
    .from(approvalRequests)
    .where(options.status ? eq(approvalRequests.status, options.status) : undefined)
    .orderBy(desc(approvalRequests.requestedAt), desc(approvalRequests.id))
    .limit(options.limit ?? 50);
}

export interface RequestInput {
  planId: string;
  operation: string;
  summary: { change: number; skip: number; error: number };
  rule: string;
  requestedBy: string;
  source: Source;
  allowPartial: boolean;
  now: Date;
  context?: Record<string, unknown>;
  supersedes?: string;
}

/** Files the request (once per plan) and audits it; a second call for the same plan returns the first. */
export async function fileApprovalRequest(
  db: Database,
  input: RequestInput,
): Promise<{ request: ApprovalRequest; created: boolean }> {
  const id = `apr_${newId()}`;
  const created = await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(approvalRequests)
      .values({
        id,
        planId: input.planId,
        operation: input.operation,
        rule: input.rule,
        summary: input.summary,
        requestedBy: input.requestedBy,
        requestedSource: input.source,
        requestedAt: input.now.toISOString(),
        allowPartial: input.allowPartial,
        context: input.context ?? {},
        supersedes: input.supersedes ?? null,
      })
      .onConflictDoNothing({ target: approvalRequests.planId })
      .returning({ id: approvalRequests.id });
    if (inserted.length === 0) return false;
    await tx.insert(auditLog).values({
      at: input.now.toISOString(),
      actor: input.requestedBy,
      source: input.source,
      action: "approval.requested",
      target: id,
      details: {
        planId: input.planId,
        operation: input.operation,
        summary: input.summary,
        rule: input.rule,
        ...(input.supersedes ? { supersedes: input.supersedes } : {}),
      },
    });
    return true;
  });
  const request = await findApprovalByPlan(db, input.planId);
  if (!request) throw new ApprovalError("approval.not_found", "The approval request could not be read back.");
  return { request, created };
}

export interface DecisionStep {
  id: string;
  actor: string;
  source: Source;
  now: Date;
}

/**
 * Moves a pending request to `status` (approved, rejected, superseded, expired) and audits it, in one
 * transaction; null when it was no longer pending (someone else decided first): nothing is written then.
 */
export async function decide(
  db: Database,
  step: DecisionStep & {
    status: "approved" | "rejected" | "superseded" | "expired";
    reason?: string;
    supersededBy?: string;
    details?: Record<string, unknown>;
  },
): Promise<ApprovalRequest | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(approvalRequests)
      .set({
        status: step.status,
        decidedBy: step.actor,
        decidedSource: step.source,
        decidedAt: step.now.toISOString(),
        reason: step.reason ?? null,
        ...(step.supersededBy ? { supersededBy: step.supersededBy } : {}),
      })
      .where(and(eq(approvalRequests.id, step.id), eq(approvalRequests.status, "pending")))
      .returning();
    if (!row) return null;
    // A rejected or superseded plan can never be confirmed afterwards.
    if (step.status !== "approved") {
      await tx
        .update(plans)
        .set({ status: "cancelled", secrets: null })
        .where(and(eq(plans.id, row.planId), eq(plans.status, "pending")));
    }
    await tx.insert(auditLog).values({
      at: step.now.toISOString(),
      actor: step.actor,
      source: step.source,
      action: `approval.${step.status}`,
      target: row.id,
      details: {
        planId: row.planId,
        operation: row.operation,
        requestedBy: row.requestedBy,
        ...(step.reason ? { reason: step.reason } : {}),
        ...(step.supersededBy ? { supersededBy: step.supersededBy } : {}),
        ...step.details,
      },
    });
    return row;
  });
}

/** An approval someone may not give (their own request): refused and audited. */
export async function refuseDecision(
  db: Database,
  step: DecisionStep & { request: ApprovalRequest; code: string; message: string },
): Promise<never> {
  await db.insert(auditLog).values({
    at: step.now.toISOString(),
    actor: step.actor,
    source: step.source,
    action: "approval.refused",
    target: step.request.id,
    details: { planId: step.request.planId, code: step.code, requestedBy: step.request.requestedBy },
  });
  throw new ApprovalError(step.code, step.message, step.request);
}

export async function setApprovalJob(db: Database, id: string, jobId: string): Promise<void> {
  await db.update(approvalRequests).set({ jobId }).where(eq(approvalRequests.id, id));
}

/** Merges keys into a request's context (e.g. the Slack messages that carry its buttons). */
export async function updateApprovalContext(
  db: Database,
  id: string,
  patch: Record<string, unknown>,
): Promise<void> {
  await db
    .update(approvalRequests)
    .set({ context: sql`${approvalRequests.context} || ${JSON.stringify(patch)}::jsonb` })
    .where(eq(approvalRequests.id, id));
}

/** A plan row as compared when an approval re-checks the directory. */
export interface ComparableRow {
  row: number;
  key: string;
  outcome: string;
  reason: string;
  changes: unknown;
}

export interface RowDifference {
  row: number;
  key: string;
  before: string;
  after: string;
}

function describeRow(r: ComparableRow | undefined): string {
  if (!r) return "not in the plan";
  if (r.outcome === "change") {
    const changes = Array.isArray(r.changes)
      ? (r.changes as Array<{ field: string; from: unknown; to: unknown }>)
          .map((c) => `${c.field}: ${c.from ?? "∅"} → ${c.to ?? "∅"}`)
          .join("; ")
      : "";
    return changes ? `change (${changes})` : "change";
  }
  return r.reason ? `${r.outcome}: ${r.reason}` : r.outcome;
}

/** JSON with object keys sorted: jsonb stores keys in its own order, so plain stringify would differ. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** Rows whose outcome, reason or changes differ between the plan as requested and the plan made now. */
export function planDifferences(before: ComparableRow[], after: ComparableRow[]): RowDifference[] {
  const byRow = new Map(after.map((r) => [r.row, r]));
  const out: RowDifference[] = [];
  for (const old of before) {
    const now = byRow.get(old.row);
    byRow.delete(old.row);
    const same =
      now !== undefined &&
      now.key === old.key &&
      now.outcome === old.outcome &&
      now.reason === old.reason &&
      canonical(now.changes) === canonical(old.changes);
    if (!same) out.push({ row: old.row, key: old.key, before: describeRow(old), after: describeRow(now) });
  }
  for (const added of byRow.values()) {
    out.push({ row: added.row, key: added.key, before: describeRow(undefined), after: describeRow(added) });
  }
  return out.sort((a, b) => a.row - b.row);
}
