// Dated operations on the command line: `run … --at 2026-12-31T18:00` (one time for every row without its own
// EffectiveDate / LastDay / StartDate), `scheduled` (what waits), `scheduled cancel <batch|email>`, and
// `scheduled run` (start what is due now: for setups without a server, e.g. from cron before `worker`).
import { formatInZone, parseDateTime } from "../core/effective-dates.ts";
import { getJob, JobError } from "../jobs/job-store.ts";
import { cancelScheduled, listScheduled, type ScheduledBatch } from "../jobs/scheduled-rows.ts";
import { type Engine, type PlanSchedule, runDueScheduledWork, runUntilFinished } from "../jobs/service.ts";
import { CLI, type CliCommand, type CommandContext, EXIT_OK, formatTable, stringOption } from "./context.ts";
import { cliEngine } from "./engine.ts";

/** `--at`: read in BULKUSERS_TIME_ZONE unless it carries an offset. */
export function atOption(ctx: CommandContext): Date | undefined {
  const text = stringOption(ctx, "at");
  if (text === undefined) return undefined;
  const parsed = parseDateTime(text, ctx.getConfig().timeZone);
  if (!parsed.ok) return ctx.usageError("cli.bad_option", `--at: ${parsed.message}`);
  return parsed.at;
}

/** The preview's "what happens when" lines (plan). */
export function scheduleText(schedule: PlanSchedule, timeZone: string): string {
  if (schedule.length === 0) return "";
  return [
    "",
    "Dated rows (the rest run at once):",
    ...schedule.map(
      (g) => `  ${formatInZone(g.at, timeZone)}: ${g.rows.length} row(s) — rows ${g.rows.join(", ")}`,
    ),
  ].join("\n");
}

/** `run` of a dated plan: runs the rows due now (unless --queue) and prints what waits. */
export async function finishScheduledRun(
  ctx: CommandContext,
  engine: Engine,
  submitted: { batches: ScheduledBatch[]; jobs: Array<{ id: string }> },
): Promise<number> {
  const timeZone = engine.timeZone ?? "UTC";
  if (!ctx.options.queue) {
    for (const job of submitted.jobs) await runUntilFinished(engine, job.id, { owner: `cli:${process.pid}` });
  }
  const batches = await Promise.all(
    submitted.batches.map(async (b) => {
      const job = b.jobId ? await getJob(engine.db, b.jobId) : null;
      return {
        batchId: b.id,
        runAt: new Date(b.runAt).toISOString(),
        status: job ? "started" : b.status,
        jobId: b.jobId,
        ...(job
          ? {
              jobStatus: job.status,
              summary: { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped },
            }
          : {}),
      };
    }),
  );
  ctx.print({ status: "scheduled", timeZone, batches }, () =>
    [
      `Scheduled: each batch runs as a job at its time (see \`${CLI} scheduled\`; cancel with \`${CLI} scheduled cancel <batch|email>\`).`,
      formatTable(
        batches.map((b) => ({
          batch: b.batchId,
          runAt: formatInZone(b.runAt, timeZone),
          status: b.jobStatus ? `job ${b.jobId} ${b.jobStatus}` : b.status,
        })),
      ),
    ].join("\n"),
  );
  return EXIT_OK;
}

export const scheduledCommands: CliCommand[] = [
  {
    name: "scheduled",
    usage: "scheduled",
    summary: "List dated rows waiting for their time (batch, time, rows, who)",
    async run(ctx) {
      const engine = await cliEngine(ctx);
      const timeZone = engine.timeZone ?? "UTC";
      const list = await listScheduled(engine.db);
      const rows = list.map((e) => ({
        batchId: e.batch.id,
        operation: e.batch.operation,
        runAt: new Date(e.batch.runAt).toISOString(),
        pending: e.pending,
        cancelled: e.cancelled,
        requestedBy: e.batch.requestedBy,
        approvedBy: e.batch.approvedBy,
        keys: e.keys,
      }));
      ctx.print({ timeZone, scheduled: rows }, () =>
        rows.length
          ? formatTable(
              rows.map((r) => ({
                batch: r.batchId,
                operation: r.operation,
                when: formatInZone(r.runAt, timeZone),
                rows: r.pending,
                users: `${r.keys.slice(0, 3).join(", ")}${r.pending > 3 ? ", …" : ""}`,
              })),
            )
          : "Nothing is scheduled.",
      );
      return EXIT_OK;
    },
  },
  {
    name: "scheduled cancel",
    usage: "scheduled cancel <batch-id|email>",
    summary: "Cancel a scheduled batch, or one user's scheduled rows, before they run",
    args: [{ name: "batch-id|email", required: true }],
    async run(ctx) {
      const engine = await cliEngine(ctx);
      try {
        const { cancelled } = await cancelScheduled(engine.db, {
          target: ctx.args[0] ?? "",
          actor: ctx.actor,
          source: "cli",
          now: engine.clock(),
        });
        ctx.print(
          { cancelled },
          `Cancelled ${cancelled.length} scheduled row(s): ${cancelled.map((c) => c.key).join(", ")}`,
        );
        return EXIT_OK;
      } catch (error) {
        if (error instanceof JobError) return ctx.refuse(error.code, error.message);
        throw error;
      }
    },
  },
  {
    name: "scheduled run",
    usage: "scheduled run [--queue]",
    summary: "Start the scheduled batches that are due now and run their jobs (--queue: only enqueue)",
    options: { queue: { type: "boolean" } },
    async run(ctx) {
      const engine = await cliEngine(ctx);
      const jobs = await runDueScheduledWork(engine, { instance: `cli:${process.pid}` });
      if (!ctx.options.queue) {
        for (const job of jobs) await runUntilFinished(engine, job.id, { owner: `cli:${process.pid}` });
      }
      const finished = await Promise.all(jobs.map(async (j) => (await getJob(engine.db, j.id)) ?? j));
      ctx.print(
        { jobs: finished.map((j) => ({ jobId: j.id, operation: j.operation, status: j.status })) },
        finished.length
          ? finished.map((j) => `job ${j.id} ${j.operation}: ${j.status}`).join("\n")
          : "Nothing scheduled is due.",
      );
      return EXIT_OK;
    },
  },
];
