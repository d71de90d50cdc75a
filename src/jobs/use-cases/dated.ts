// Dated work: the schedule a plan carries, and the scheduled batches that run when their time has come.
import type { Field } from "../../core/types.ts";
import type { JobRecord } from "../../directory/schema.ts";
import { readUpload } from "../../files/read.ts";
import type { Engine } from "../engine.ts";
import { confirmPlan } from "../job-store.ts";
import { loadPlan, type StoredPlan } from "../plan-store.ts";
import { claimBatch, dueBatches, finishBatch } from "../scheduled-rows.ts";
import { type PlanSchedule, planTable } from "./plan.ts";

/** The schedule a stored plan carries (dated operations), or an empty one. */
export function scheduleOf(stored: Pick<StoredPlan, "options">): PlanSchedule {
  const schedule = stored.options.schedule;
  return Array.isArray(schedule) ? (schedule as PlanSchedule) : [];
}

/**
 * Runs every scheduled batch whose time has come: claims it (one instance wins, through the run coordinator),
 * re-plans its rows from the original file against the directory of now (a user who changed meanwhile is
 * re-checked), and confirms them as a normal job reporting to the original thread. Returns the jobs made.
 */
export async function runDueScheduledWork(
  engine: Engine,
  options: { instance: string },
): Promise<JobRecord[]> {
  const made: JobRecord[] = [];
  const now = engine.clock();
  for (const batch of await dueBatches(engine.db, now)) {
    const rows = await claimBatch(engine.db, batch, options.instance, now);
    if (!rows) continue;
    try {
      if (rows.length === 0) {
        await finishBatch(engine.db, batch, { now: engine.clock() });
        continue;
      }
      const stored = await loadPlan(engine.db, batch.planId, { rows: false });
      // The original upload (CSV or workbook), read as when it was planned.
      const read = stored?.file
        ? await readUpload(stored.file, {
            maxRows: Number.MAX_SAFE_INTEGER,
            operation: stored.plan.operation,
          })
        : null;
      if (!stored?.file || !read?.ok) throw new Error("the plan's file could not be read again");
      const wanted = new Set(rows.map((r) => r.row));
      // Planned again with its date column: the dates are due (they run now, confirmPlan below ignores any
      // schedule), and a row whose date cannot be read fails again instead of running.
      const table = { ...read.table, records: read.table.records.filter((r) => wanted.has(r.row)) };
      const defaults = stored.options.defaults as Partial<Record<Field, string>> | undefined;
      const planned = await planTable(engine, {
        operation: stored.plan.operation,
        table,
        bytes: stored.file,
        source: "schedule",
        actor: stored.actor,
        ...(stored.fileName ? { fileName: stored.fileName } : {}),
        context: { ...stored.context, scheduledBatch: batch.id, datedPlan: stored.id },
        ...(defaults ? { defaults } : {}),
        // Welcome messages as confirmed (never switched on by default at run time); mail may be off by now.
        welcome: stored.options.welcome === true && engine.welcome !== undefined,
      });
      if (!planned.ok) throw new Error(planned.refusal.message);
      const { job } = await confirmPlan(engine.db, {
        planId: planned.stored.id,
        approvedBy: batch.approvedBy,
        source: "schedule",
        allowPartial: true,
        now: engine.clock(),
        ...(batch.slackChannel
          ? {
              slack: {
                channel: batch.slackChannel,
                ...(batch.slackThreadTs ? { threadTs: batch.slackThreadTs } : {}),
              },
            }
          : {}),
      });
      await finishBatch(engine.db, batch, { jobId: job.id, now: engine.clock() });
      made.push(job);
      engine.logger?.info({ batchId: batch.id, jobId: job.id, rows: rows.length }, "scheduled rows started");
    } catch (error) {
      engine.logger?.error({ err: error, batchId: batch.id }, "a scheduled batch failed to start");
      await finishBatch(engine.db, batch, {
        error: error instanceof Error ? error.message : String(error),
        now: engine.clock(),
      });
    }
  }
  return made;
}
