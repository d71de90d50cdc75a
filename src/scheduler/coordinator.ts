// The run coordinator: each cron slot of each schedule runs once, however many instances share the database.
// Every instance's node-cron fires; each tries to insert (schedule_id, slot) into `cron_runs`; the primary key
// lets exactly one insert succeed, and only that instance runs the slot. A crashed run stays `running` and is
// not retried: the next slot runs normally (a policy run is idempotent, so nothing is lost).
import { and, desc, eq, sql } from "drizzle-orm";
import { type Executor, queryRows } from "../directory/client.ts";
import { cronRuns } from "../directory/schema.ts";

/** The slot a firing belongs to: its scheduled minute (seconds and milliseconds dropped). */
export function slotOf(date: Date): Date {
  const ms = date.getTime();
  return new Date(ms - (((ms % 60_000) + 60_000) % 60_000));
}

/** True when this instance won the slot and must run it. */
export async function claimSlot(
  db: Executor,
  scheduleId: string,
  slot: Date,
  instance: string,
  now: Date = slot,
): Promise<boolean> {
  const rows = await queryRows<{ schedule_id: string }>(
    db,
    sql`insert into cron_runs (schedule_id, slot, instance, status, started_at)
        values (${scheduleId}, ${slotOf(slot).toISOString()}::timestamptz, ${instance}, 'running', ${now.toISOString()}::timestamptz)
        on conflict do nothing
        returning schedule_id`,
  );
  return rows.length === 1;
}

export async function finishSlot(
  db: Executor,
  scheduleId: string,
  slot: Date,
  outcome: { status: "succeeded" | "failed"; result: unknown; now: Date },
): Promise<void> {
  await db
    .update(cronRuns)
    .set({ status: outcome.status, result: outcome.result ?? null, finishedAt: outcome.now.toISOString() })
    .where(and(eq(cronRuns.scheduleId, scheduleId), eq(cronRuns.slot, slotOf(slot).toISOString())));
}

export type CronRunRecord = typeof cronRuns.$inferSelect;

/** The latest runs of a schedule (or of the purge: scheduleId `purge`), newest first. */
export async function recentRuns(db: Executor, scheduleId: string, limit = 5): Promise<CronRunRecord[]> {
  return db
    .select()
    .from(cronRuns)
    .where(eq(cronRuns.scheduleId, scheduleId))
    .orderBy(desc(cronRuns.slot))
    .limit(limit);
}
