// `bulkusers jobs | job <id> | undo <job-id> | worker`: the job queue from the command line.
import { sql } from "drizzle-orm";
import { buildUndoFile } from "../core/undo.ts";
import { queryRows } from "../directory/client.ts";
import type { JobRecord } from "../directory/schema.ts";
import { getJob, isFinished, listJobItems, listJobs, queuePosition } from "../jobs/job-store.ts";
import { previewFile } from "../jobs/service.ts";
import { type JobReporter, startWorker } from "../jobs/worker.ts";
import { willAsk } from "./confirm.ts";
import { CLI, type CliCommand, type CommandContext, EXIT_OK, formatTable, integerOption } from "./context.ts";
import { cliEngine } from "./engine.ts";
import { hintOnStderr, outcomeSections, outputLines, runDocument, writeJobOutputs } from "./job-output.ts";
import { planAndConfirm, planDocument, planText, printDeclined, runWithProgress } from "./operations.ts";
import { formatCount, type Progress, startProgress } from "./progress.ts";
import { isoTime } from "./time.ts";

function jobSummary(job: JobRecord) {
  return {
    id: job.id,
    operation: job.operation,
    status: job.status,
    summary: { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped },
    total: job.total,
    processed: job.processed,
    source: job.source,
    requestedBy: job.requestedBy,
    approvedBy: job.approvedBy,
    queuedAt: isoTime(job.queuedAt),
    startedAt: isoTime(job.startedAt),
    finishedAt: isoTime(job.finishedAt),
    undoOf: job.undoOf,
    error: job.error,
  };
}

/** The last finished undo of a job, if any. */
async function earlierUndo(
  ctx: CommandContext,
  jobId: string,
): Promise<{ id: string; finished_at: string | null } | undefined> {
  const handle = await ctx.db();
  const [row] = await queryRows<{ id: string; finished_at: string | null }>(
    handle.db,
    sql`select id, finished_at from jobs
        where undo_of = ${jobId} and status in ('succeeded', 'completed_with_errors')
        order by queued_at desc limit 1`,
  );
  return row;
}

/** Progress bars for the jobs a worker runs: one per job, ended when the job ends. */
function workerReporter(ctx: CommandContext): JobReporter & { close(): void } {
  let current: { id: string; progress: Progress } | undefined;
  const end = (job?: JobRecord) => {
    if (current) {
      current.progress.finish(job?.id === current.id ? job.processed : undefined);
      current.progress.stop();
    }
    current = undefined;
  };
  return {
    onProgress(job) {
      if (current?.id !== job.id) {
        end();
        current = { id: job.id, progress: startProgress(ctx, `${job.operation} ${job.id}`, job.total) };
      }
      current.progress.update(job.processed, job.total);
    },
    onFinished(job) {
      if (current?.id === job.id) end(job);
    },
    close: () => end(),
  };
}

export const jobCommands: CliCommand[] = [
  {
    name: "jobs",
    usage: "jobs [--limit N]",
    summary: "List recent jobs, newest first",
    options: { limit: { type: "string" } },
    async run(ctx) {
      const limit = integerOption(ctx, "limit", { min: 1, max: 1000 }) ?? 20;
      const engine = await cliEngine(ctx);
      const jobs = (await listJobs(engine.db, limit)).map(jobSummary);
      ctx.print({ jobs }, () =>
        jobs.length
          ? formatTable(
              jobs.map((j) => ({
                id: j.id,
                operation: j.operation,
                status: j.status,
                ok: j.summary.succeeded,
                failed: j.summary.failed,
                skipped: j.summary.skipped,
                // To the second: the table stays within 100 columns (JSON and `job <id>` keep milliseconds).
                queued: j.queuedAt?.replace(/\.\d{3}Z$/, "Z"),
              })),
              undefined,
              { flexible: ["operation"] },
            )
          : "No jobs yet.",
      );
      return EXIT_OK;
    },
  },
  {
    name: "job",
    usage: "job <id> [--results out.csv] [--credentials creds.csv]",
    summary: "Show one job: counts, the first failed and skipped rows; write its results (and passwords)",
    args: [{ name: "id", required: true }],
    options: { results: { type: "string" }, credentials: { type: "string" } },
    async run(ctx) {
      const engine = await cliEngine(ctx);
      const job = await getJob(engine.db, ctx.args[0] ?? "");
      if (!job) return ctx.refuse("job.not_found", `No job with id '${ctx.args[0]}'.`);
      const outputs = await writeJobOutputs(ctx, engine, job);
      const doc = await runDocument(engine, job);
      const position = await queuePosition(engine.db, job);
      const summary = jobSummary(job);
      ctx.print({ ...summary, queuePosition: position, rows: doc.rows }, () => {
        const lines = [
          `Job ${job.id} (${job.operation}): ${job.status}${position ? `, position ${position} in the queue` : ""}`,
          `${formatCount(job.processed)}/${formatCount(job.total)} rows processed — ${formatCount(job.succeeded)} succeeded, ${formatCount(job.failed)} failed, ${formatCount(job.skipped)} skipped`,
          `Requested by ${job.requestedBy}, approved by ${job.approvedBy}; queued ${summary.queuedAt}${summary.finishedAt ? `, finished ${summary.finishedAt}` : ""}`,
        ];
        if (job.undoOf) lines.push(`Undoes job ${job.undoOf}`);
        if (job.error) lines.push(`Error: ${job.error}`);
        lines.push(...outcomeSections(doc.rows));
        if (job.failed + job.skipped > 0 && !outputs.results)
          lines.push("", `Every row with its reason: \`${CLI} job ${job.id} --results results.csv\``);
        const files = outputLines(job.id, outputs);
        if (files.length) lines.push("", ...files);
        return lines.join("\n");
      });
      hintOnStderr(ctx, job.id, outputs);
      return EXIT_OK;
    },
  },
  {
    name: "undo",
    usage: "undo <job-id> [--yes] [--results out.csv]",
    summary: "Preview the inverse of a finished job and, on a terminal, ask; --yes runs it without asking",
    args: [{ name: "job-id", required: true }],
    options: { yes: { type: "boolean", short: "y" }, results: { type: "string" } },
    async run(ctx) {
      const engine = await cliEngine(ctx);
      const job = await getJob(engine.db, ctx.args[0] ?? "");
      if (!job) return ctx.refuse("job.not_found", `No job with id '${ctx.args[0]}'.`);
      if (!isFinished(job))
        return ctx.refuse("undo.not_finished", `Job ${job.id} is ${job.status}; wait until it finishes.`);
      const undo = buildUndoFile(job.operation as never, await listJobItems(engine.db, job.id));
      if (!undo.ok) return ctx.refuse(undo.refusal.code, undo.refusal.message);
      const preview = await previewFile(engine, { operation: undo.operation, bytes: undo.bytes });
      if (!preview.ok) return ctx.refuse(preview.refusal.code, preview.refusal.message);
      // Undone before, and nothing left to change: say so rather than offer a job that skips every row.
      const earlier = await earlierUndo(ctx, job.id);
      if (earlier && preview.plan.summary.change === 0) {
        const when = isoTime(earlier.finished_at);
        ctx.print(
          { undoOf: job.id, alreadyUndoneBy: earlier.id, ...planDocument(preview.plan) },
          `Job ${job.id} was already undone by job ${earlier.id}${when ? ` (${when})` : ""}; nothing left to change.`,
        );
        return EXIT_OK;
      }
      if (!ctx.options.yes && !willAsk(ctx)) {
        ctx.print(
          { undoOf: job.id, ...planDocument(preview.plan) },
          () => `${planText(preview.plan)}\n\nRun \`${CLI} undo ${job.id} --yes\` to apply it.`,
        );
        return EXIT_OK;
      }
      const submitted = await planAndConfirm(ctx, engine, {
        operation: undo.operation,
        bytes: undo.bytes,
        fileName: `undo-${job.id}.csv`,
        undoOf: job.id,
      });
      if (!submitted) return printDeclined(ctx);
      // Undo puts back what a confirmed job changed: the two-person rule does not hold it (service.ts).
      if (submitted.kind !== "job") return ctx.refuse("undo.held", "The undo plan was held for approval.");
      const undoJob = submitted.job;
      const finished = await runWithProgress(ctx, engine, undoJob);
      const outputs = await writeJobOutputs(ctx, engine, finished);
      const doc = await runDocument(engine, finished);
      ctx.print({ undoOf: job.id, ...doc }, () =>
        [
          `Undo of ${job.id}: job ${finished.id} ${finished.status} — ${formatCount(finished.succeeded)} succeeded, ${formatCount(finished.failed)} failed, ${formatCount(finished.skipped)} skipped`,
          ...outcomeSections(doc.rows.filter((r) => r.status === "failed")),
          ...outputLines(finished.id, outputs),
        ].join("\n"),
      );
      return EXIT_OK;
    },
  },
  {
    name: "worker",
    usage: "worker [--until-idle]",
    summary: "Run queued jobs and resume interrupted ones; --until-idle exits when the queue is empty",
    options: { "until-idle": { type: "boolean" } },
    async run(ctx) {
      const engine = await cliEngine(ctx);
      const owner = `worker:${process.pid}`;
      const reporter = workerReporter(ctx);
      if (ctx.options["until-idle"]) {
        const { drainQueue } = await import("../jobs/queue.ts");
        const { executorDeps } = await import("../jobs/service.ts");
        let stopping = false;
        const stop = () => {
          stopping = true;
        };
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
        let ran: JobRecord[];
        try {
          ran = await drainQueue(executorDeps(engine), {
            owner,
            leaseSeconds: engine.limits.leaseSeconds,
            shouldStop: () => stopping,
            onProgress: (job) => reporter.onProgress(job),
            onFinished: (job) => reporter.onFinished(job),
          });
        } finally {
          process.off("SIGTERM", stop);
          process.off("SIGINT", stop);
          reporter.close();
        }
        const jobs = ran.map(jobSummary);
        ctx.print(
          { jobs },
          jobs.length
            ? jobs
                .map(
                  (j) =>
                    `${j.id}: ${j.status} — ${formatCount(j.summary.succeeded)} succeeded, ${formatCount(j.summary.failed)} failed, ${formatCount(j.summary.skipped)} skipped`,
                )
                .join("\n")
            : "Queue is empty.",
        );
        return EXIT_OK;
      }
      const worker = startWorker(engine, { owner, reporter });
      const stop = () => void worker.stop();
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
      ctx.logger.info({ owner }, "worker started");
      await worker.done;
      reporter.close();
      ctx.print({ stopped: true }, "Worker stopped.");
      return EXIT_OK;
    },
  },
];
