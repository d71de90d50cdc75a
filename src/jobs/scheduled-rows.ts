// Dated operations at rest: the rows of a confirmed plan that wait for their time, one batch per (plan,
// time). Each row runs at most once: a batch is claimed through the Postgres run coordinator (one instance
// wins each batch's slot) and its rows move `pending → started` with a conditional update, so a row cancelled
// before that never runs and a started row can no longer be cancelled. Re-planning and confirming the batch
// as a job is service.ts's work (runDueScheduledWork).
import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import type { Database, Executor } from "../directory/client.ts";
import { queryRows } from "../directory/client.ts";
import {
  auditLog,
  plans,
  type ScheduledBatchRecord,
  scheduledBatches,
  scheduledRows,
} from "../directory/schema.ts";
import { claimSlot, finishSlot } from "../scheduler/coordinator.ts";
import { JobError } from "./job-store.ts";
import { newId, type Source } from "./plan-store.ts";

export type ScheduledBatch = ScheduledBatchRecord;

export interface ScheduleInput {
  planId: string;
  operation: string;
  requestedBy: string;
  approvedBy: string;
  source: Source;
  slack?: { channel?: string; threadTs?: string };
  /** (time, rows) groups; rows run at that time. */
  groups: Array<{ at: string; rows: Array<{ row: number; key: string }> }>;
  now: Date;
}

/**
 * Confirms a dated plan: marks it confirmed (once: a second call returns the batches made by the first),
 * stores one batch per time with its rows, and audits it.
 */
export async function scheduleBatches(
  db: Database,
  input: ScheduleInput,
): Promise<{ batches: ScheduledBatch[]; created: boolean }> {
  const created = await db.transaction(async (tx) => {
    const won = await tx
      .update(plans)
      .set({ status: "confirmed" })
      .where(and(eq(plans.id, input.planId), eq(plans.status, "pending")))
      .returning({ id: plans.id });
    if (won.length === 0) return false;
    for (const group of input.groups) {
      const id = `sched_${newId()}`;
      await tx.insert(scheduledBatches).values({
        id,
        planId: input.planId,
        operation: input.operation,
        runAt: group.at,
        requestedBy: input.requestedBy,
        approvedBy: input.approvedBy,
        source: input.source,
        slackChannel: input.slack?.channel ?? null,
        slackThreadTs: input.slack?.threadTs ?? null,
        createdAt: input.now.toISOString(),
      });
      await tx.execute(sql`
        insert into scheduled_rows (batch_id, row, key)
        select ${id}, x.row, x.key from jsonb_to_recordset(${JSON.stringify(group.rows)}::jsonb) as x(row int, key text)`);
    }
    await tx.insert(auditLog).values({
      at: input.now.toISOString(),
      actor: input.approvedBy,
      source: input.source,
      action: "dated.scheduled",
      target: input.planId,
      details: {
        operation: input.operation,
        requestedBy: input.requestedBy,
        batches: input.groups.map((g) => ({ at: g.at, rows: g.rows.length })),
      },
    });
    return true;
  });
  return { batches: await batchesOfPlan(db, input.planId), created };
}

export async function batchesOfPlan(db: Executor, planId: string): Promise<ScheduledBatch[]> {
  return db
    .select()
    .from(scheduledBatches)
    .where(eq(scheduledBatches.planId, planId))
    .orderBy(asc(scheduledBatches.runAt), asc(scheduledBatches.id));
}

export async function setBatchThread(
  db: Database,
  planId: string,
  slack: { channel: string; threadTs: string },
): Promise<void> {
  await db
    .update(scheduledBatches)
    .set({ slackChannel: slack.channel, slackThreadTs: slack.threadTs })
    .where(eq(scheduledBatches.planId, planId));
}

export interface ScheduledEntry {
  batch: ScheduledBatch;
  pending: number;
  cancelled: number;
  /** The first pending keys (for lists). */
  keys: string[];
}

/** Work still waiting (pending batches), earliest first, with their counts. */
export async function listScheduled(
  db: Executor,
  options: { limit?: number } = {},
): Promise<ScheduledEntry[]> {
  const batches = await db
    .select()
    .from(scheduledBatches)
    .where(eq(scheduledBatches.status, "pending"))
    .orderBy(asc(scheduledBatches.runAt), asc(scheduledBatches.id))
    .limit(options.limit ?? 100);
  if (batches.length === 0) return [];
  const counts = await queryRows<{ batch_id: string; pending: number; cancelled: number; keys: string[] }>(
    db,
    sql`select batch_id,
          count(*) filter (where status = 'pending')::int as pending,
          count(*) filter (where status = 'cancelled')::int as cancelled,
          (array_agg(key order by row) filter (where status = 'pending'))[1:10] as keys
        from scheduled_rows where batch_id in (${sql.join(
          batches.map((b) => sql`${b.id}`),
          sql`, `,
        )})
        group by batch_id`,
  );
  const byId = new Map(counts.map((c) => [c.batch_id, c]));
  return batches.map((batch) => ({
    batch,
    pending: byId.get(batch.id)?.pending ?? 0,
    cancelled: byId.get(batch.id)?.cancelled ?? 0,
    keys: byId.get(batch.id)?.keys ?? [],
  }));
}

export interface CancelInput {
  /** A batch id (`sched_…`) cancels its pending rows; an e-mail cancels that user's pending rows. */
  target: string;
  actor: string;
  source: Source;
  now: Date;
}

/** Cancels rows that have not started; returns how many. Rows already started cannot be cancelled. */
export async function cancelScheduled(
  db: Database,
  input: CancelInput,
): Promise<{ cancelled: Array<{ batchId: string; row: number; key: string }> }> {
  const target = input.target.trim();
  const byBatch = target.startsWith("sched_");
  const cancelled = await db.transaction(async (tx) => {
    const rows = await tx
      .update(scheduledRows)
      .set({ status: "cancelled", cancelledBy: input.actor, cancelledAt: input.now.toISOString() })
      .where(
        and(
          eq(scheduledRows.status, "pending"),
          byBatch ? eq(scheduledRows.batchId, target) : eq(scheduledRows.key, target.toLowerCase()),
          // Only rows of batches still waiting.
          inArray(
            scheduledRows.batchId,
            tx
              .select({ id: scheduledBatches.id })
              .from(scheduledBatches)
              .where(eq(scheduledBatches.status, "pending")),
          ),
        ),
      )
      .returning({ batchId: scheduledRows.batchId, row: scheduledRows.row, key: scheduledRows.key });
    if (rows.length === 0) return rows;
    // A batch with nothing left to run is cancelled as a whole.
    await tx.execute(sql`
      update scheduled_batches b set status = 'cancelled'
      where b.id in (${sql.join(
        [...new Set(rows.map((r) => r.batchId))].map((id) => sql`${id}`),
        sql`, `,
      )})
        and b.status = 'pending'
        and not exists (select 1 from scheduled_rows r where r.batch_id = b.id and r.status = 'pending')`);
    await tx.insert(auditLog).values({
      at: input.now.toISOString(),
      actor: input.actor,
      source: input.source,
      action: "dated.cancelled",
      target,
      details: { rows: rows.map((r) => ({ batchId: r.batchId, row: r.row, key: r.key })) },
    });
    return rows;
  });
  if (cancelled.length === 0) {
    throw new JobError(
      "scheduled.not_found",
      `Nothing scheduled is waiting for '${target}' (already run, cancelled, or never scheduled).`,
    );
  }
  return { cancelled };
}

/** Batches whose time has come and that no instance has started. */
export async function dueBatches(db: Executor, now: Date): Promise<ScheduledBatch[]> {
  return db
    .select()
    .from(scheduledBatches)
    .where(and(eq(scheduledBatches.status, "pending"), lte(scheduledBatches.runAt, now.toISOString())))
    .orderBy(asc(scheduledBatches.runAt), asc(scheduledBatches.id));
}

/** The coordinator key of a batch in `cron_runs`. */
export function batchSlotKey(batchId: string): string {
  return `dated:${batchId}`;
}

/**
 * Claims a due batch for this instance: the run coordinator's slot (one winner across instances), then its
 * pending rows (`pending → started`). Returns the rows to run, or null when another instance has it.
 */
export async function claimBatch(
  db: Database,
  batch: ScheduledBatch,
  instance: string,
  now: Date,
): Promise<Array<{ row: number; key: string }> | null> {
  const won = await claimSlot(db, batchSlotKey(batch.id), new Date(batch.runAt), instance, now);
  if (!won) return null;
  return db.transaction(async (tx) => {
    const started = await tx
      .update(scheduledBatches)
      .set({ status: "started", startedAt: now.toISOString() })
      .where(and(eq(scheduledBatches.id, batch.id), eq(scheduledBatches.status, "pending")))
      .returning({ id: scheduledBatches.id });
    if (started.length === 0) return null;
    return tx
      .update(scheduledRows)
      .set({ status: "started" })
      .where(and(eq(scheduledRows.batchId, batch.id), eq(scheduledRows.status, "pending")))
      .returning({ row: scheduledRows.row, key: scheduledRows.key });
  });
}

export async function finishBatch(
  db: Database,
  batch: ScheduledBatch,
  outcome: { jobId?: string; error?: string; now: Date },
): Promise<void> {
  await db
    .update(scheduledBatches)
    .set({
      status: outcome.error ? "failed" : "done",
      jobId: outcome.jobId ?? null,
      error: outcome.error ?? null,
    })
    .where(eq(scheduledBatches.id, batch.id));
  await finishSlot(db, batchSlotKey(batch.id), new Date(batch.runAt), {
    status: outcome.error ? "failed" : "succeeded",
    result: outcome.jobId ? { jobId: outcome.jobId } : { error: outcome.error ?? "nothing left to run" },
    now: outcome.now,
  });
}
