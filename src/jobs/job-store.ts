// Jobs: a confirmed plan, exactly once. The plan id is the idempotency key (unique jobs.plan_id), so a
// double click, a Slack retry or two approvers racing all get the same job.
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database, Executor } from "../directory/client.ts";
import {
  auditLog,
  type JobItemRecord,
  type JobRecord,
  jobItems,
  jobs,
  planRows,
  plans,
} from "../directory/schema.ts";
import { loadPlan, newId, type Source } from "./plan-store.ts";

export class JobError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A job item's position (seq) when its row is not in the execution order (skipped and failed rows). */
const UNORDERED = sql.raw("2147483647");

export interface ConfirmInput {
  planId: string;
  approvedBy: string;
  source: Source;
  /** The approver accepted that rows with errors are reported, not run. */
  allowPartial: boolean;
  now: Date;
  slack?: { channel?: string; threadTs?: string };
  undoOf?: string;
}

export interface ConfirmResult {
  job: JobRecord;
  /** False when the plan had already been confirmed: the existing job is returned, nothing runs twice. */
  created: boolean;
}

export async function confirmPlan(db: Database, input: ConfirmInput): Promise<ConfirmResult> {
  const existing = await findJobByPlan(db, input.planId);
  if (existing) return { job: existing, created: false };
  const stored = await loadPlan(db, input.planId, { rows: false, file: false });
  if (!stored) throw new JobError("plan.not_found", `Plan ${input.planId} does not exist.`);
  if (stored.status === "cancelled") throw new JobError("plan.cancelled", "This preview was cancelled.");
  if (stored.status === "expired" || new Date(stored.expiresAt) < input.now) {
    throw new JobError(
      "plan.expired",
      "This preview has expired: upload the file again for a fresh preview.",
    );
  }
  const { plan } = stored;
  if (plan.summary.error > 0 && !input.allowPartial) {
    throw new JobError(
      "plan.needs_partial_confirmation",
      `${plan.summary.error} row(s) have errors: confirm that the ${plan.summary.change} valid row(s) should run and the rest be reported.`,
    );
  }
  const jobId = `job_${newId()}`;
  const created = await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(jobs)
      .values({
        id: jobId,
        planId: stored.id,
        operation: plan.operation,
        source: input.source,
        requestedBy: stored.actor,
        approvedBy: input.approvedBy,
        status: "queued",
        total: plan.summary.change + plan.summary.skip + plan.summary.error,
        processed: plan.summary.skip + plan.summary.error,
        skipped: plan.summary.skip,
        failed: plan.summary.error,
        slackChannel: input.slack?.channel ?? (stored.context.channel as string | undefined) ?? null,
        slackThreadTs: input.slack?.threadTs ?? (stored.context.threadTs as string | undefined) ?? null,
        undoOf: input.undoOf ?? null,
        queuedAt: input.now.toISOString(),
      })
      .onConflictDoNothing({ target: jobs.planId })
      .returning();
    if (inserted.length === 0) return false;
    // The rows that will not run get their items now (the database copies them from the plan: no rows
    // travel). A change row's item is written by the batch that runs it, with its outcome, in the same
    // transaction as the change itself (executor.ts): each item is written once, never inserted as
    // pending and rewritten. A plan without such rows skips the statement: it would read every row of
    // the plan to find none (75–95 ms for a clean 50,000-row file).
    if (plan.summary.skip + plan.summary.error > 0) {
      await tx.execute(sql`
        insert into job_items (job_id, row, line, seq, key, action, status, reason)
        select ${jobId}, p.row, p.line, ${UNORDERED}, p.key, coalesce(p.action->>'kind', ${plan.operation}),
          case p.outcome when 'skip' then 'skipped' else 'failed' end, p.reason
        from plan_rows p where p.plan_id = ${stored.id} and p.outcome <> 'change'`);
    }
    await tx.update(plans).set({ status: "confirmed" }).where(eq(plans.id, stored.id));
    await tx.insert(auditLog).values({
      actor: input.approvedBy,
      source: input.source,
      action: "job.confirm",
      target: stored.id,
      jobId,
      details: {
        operation: plan.operation,
        summary: plan.summary,
        requestedBy: stored.actor,
        // The client IP of an HTTP API request (kept in the plan's context), like the job's own audit rows.
        ...(typeof stored.context.ip === "string" ? { ip: stored.context.ip } : {}),
      },
    });
    return true;
  });
  const job = created ? await getJob(db, jobId) : await findJobByPlan(db, input.planId);
  if (!job) throw new JobError("job.not_found", "The job could not be read back.");
  return { job, created };
}

export async function findJobByPlan(db: Executor, planId: string): Promise<JobRecord | null> {
  const [job] = await db.select().from(jobs).where(eq(jobs.planId, planId));
  return job ?? null;
}

export async function getJob(db: Executor, id: string): Promise<JobRecord | null> {
  const [job] = await db.select().from(jobs).where(eq(jobs.id, id));
  return job ?? null;
}

export async function listJobs(db: Executor, limit = 20): Promise<JobRecord[]> {
  return db.select().from(jobs).orderBy(desc(jobs.queuedAt), desc(jobs.id)).limit(limit);
}

export type JobOutcome = Pick<JobItemRecord, "row" | "line" | "key" | "status" | "reason">;

/** Every row's outcome without the before/after values: what reports need, a fraction of the memory. */
export async function listJobOutcomes(db: Executor, jobId: string): Promise<JobOutcome[]> {
  const items = await db
    .select({
      row: jobItems.row,
      line: jobItems.line,
      key: jobItems.key,
      status: jobItems.status,
      reason: jobItems.reason,
    })
    .from(jobItems)
    .where(eq(jobItems.jobId, jobId))
    .orderBy(asc(jobItems.row));
  const notRun = await rowsNotRun(db, jobId);
  if (!notRun.length) return items;
  return inRowOrder(
    items,
    notRun.map(({ row, line, key }) => ({ row, line, key, status: "pending", reason: "" })),
  );
}

/** Every row's item, with before/after (undo, reports); rows not run yet are 'pending' without values. */
export async function listJobItems(db: Executor, jobId: string): Promise<JobItemRecord[]> {
  const items = await db.select().from(jobItems).where(eq(jobItems.jobId, jobId)).orderBy(asc(jobItems.row));
  const notRun = await rowsNotRun(db, jobId);
  if (!notRun.length) return items;
  return inRowOrder(
    items,
    notRun.map((r) => ({
      jobId,
      ...r,
      status: "pending",
      reason: "",
      before: null,
      after: null,
      userId: null,
      processedAt: null,
    })),
  );
}

/**
 * The job's change rows that have no item yet: a change row's item is written by the batch that runs it,
 * so these are the rows still to run (or never run, when the job failed). Read from the plan.
 */
async function rowsNotRun(db: Executor, jobId: string) {
  return db
    .select({
      row: planRows.row,
      line: planRows.line,
      seq: sql<number>`coalesce(${planRows.seq}, ${UNORDERED})`.mapWith(Number),
      key: planRows.key,
      action: sql<string>`coalesce(${planRows.action}->>'kind', ${jobs.operation})`,
    })
    .from(jobs)
    .innerJoin(planRows, eq(planRows.planId, jobs.planId))
    .where(
      and(
        eq(jobs.id, jobId),
        // Every row has its outcome once the counters (committed with the items) say so.
        sql`${jobs.processed} < ${jobs.total}`,
        eq(planRows.outcome, "change"),
        sql`not exists (select 1 from job_items j where j.job_id = ${jobId} and j.row = ${planRows.row})`,
      ),
    )
    .orderBy(asc(planRows.row));
}

function inRowOrder<T extends { row: number }>(a: T[], b: T[]): T[] {
  return [...a, ...b].sort((x, y) => x.row - y.row);
}

/** Position in the FIFO queue (1 = next), or null when the job is not queued. */
export async function queuePosition(db: Executor, job: JobRecord): Promise<number | null> {
  if (job.status !== "queued") return null;
  const [row] = await db
    .select({ ahead: sql<number>`count(*)::int` })
    .from(jobs)
    .where(
      and(
        inArray(jobs.status, ["queued", "running"]),
        sql`(${jobs.queuedAt}, ${jobs.id}) < (${job.queuedAt}::timestamptz, ${job.id})`,
      ),
    );
  return (row?.ahead ?? 0) + 1;
}

export function isFinished(job: Pick<JobRecord, "status">): boolean {
  return job.status === "succeeded" || job.status === "completed_with_errors" || job.status === "failed";
}

export function jobSummary(job: JobRecord): { succeeded: number; failed: number; skipped: number } {
  return { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped };
}
