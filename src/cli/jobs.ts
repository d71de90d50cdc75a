// `bulkusers jobs | job <id> | undo <job-id> | worker`: the job queue from the command line.
import { buildUndoFile } from "../core/undo.ts";
import type { JobRecord } from "../directory/schema.ts";
import { getJob, isFinished, listJobItems, listJobs, queuePosition } from "../jobs/job-store.ts";
import { previewFile, runUntilFinished } from "../jobs/service.ts";
import { startWorker } from "../jobs/worker.ts";
import { type CliCommand, EXIT_OK, formatTable, integerOption } from "./context.ts";
import { cliEngine } from "./engine.ts";
import { planAndConfirm, planDocument, planText, runDocument, writeJobOutputs } from "./operations.ts";

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
    queuedAt: job.queuedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    undoOf: job.undoOf,
    error: job.error,
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
                succeeded: j.summary.succeeded,
                failed: j.summary.failed,
                skipped: j.summary.skipped,
                by: j.approvedBy,
                queued: j.queuedAt,
              })),
            )
          : "No jobs yet.",
      );
      return EXIT_OK;
    },
  },
  {
    name: "job",
    usage: "job <id> [--results out.csv] [--credentials creds.csv]",
    summary: "Show one job with every row's outcome; write its results (and undelivered passwords)",
    args: [{ name: "id", required: true }],
    options: { results: { type: "string" }, credentials: { type: "string" } },
    async run(ctx) {
      const engine = await cliEngine(ctx);
      const job = await getJob(engine.db, ctx.args[0] ?? "");
      if (!job) return ctx.refuse("job.not_found", `No job with id '${ctx.args[0]}'.`);
      const outputs = await writeJobOutputs(ctx, engine, job);
      const doc = await runDocument(engine, job);
      const position = await queuePosition(engine.db, job);
      ctx.print({ ...jobSummary(job), queuePosition: position, rows: doc.rows }, () => {
        const lines = [
          `Job ${job.id} (${job.operation}): ${job.status}${position ? `, position ${position} in the queue` : ""}`,
          `${job.processed}/${job.total} rows processed — ${job.succeeded} succeeded, ${job.failed} failed, ${job.skipped} skipped`,
          `Requested by ${job.requestedBy}, approved by ${job.approvedBy}; queued ${job.queuedAt}${job.finishedAt ? `, finished ${job.finishedAt}` : ""}`,
        ];
        if (job.error) lines.push(`Error: ${job.error}`);
        if (outputs.results) lines.push(`Results: ${outputs.results}`);
        if (outputs.credentials)
          lines.push(`Temporary passwords (${outputs.credentialCount}): ${outputs.credentials}`);
        return lines.join("\n");
      });
      return EXIT_OK;
    },
  },
  {
    name: "undo",
    usage: "undo <job-id> [--yes] [--results out.csv]",
    summary: "Preview the inverse of a finished job; with --yes, run it",
    args: [{ name: "job-id", required: true }],
    options: { yes: { type: "boolean" }, results: { type: "string" } },
    async run(ctx) {
      const engine = await cliEngine(ctx);
      const job = await getJob(engine.db, ctx.args[0] ?? "");
      if (!job) return ctx.refuse("job.not_found", `No job with id '${ctx.args[0]}'.`);
      if (!isFinished(job))
        return ctx.refuse("undo.not_finished", `Job ${job.id} is ${job.status}; wait until it finishes.`);
      const undo = buildUndoFile(job.operation as never, await listJobItems(engine.db, job.id));
      if (!undo.ok) return ctx.refuse(undo.refusal.code, undo.refusal.message);
      if (!ctx.options.yes) {
        const preview = await previewFile(engine, { operation: undo.operation, bytes: undo.bytes });
        if (!preview.ok) return ctx.refuse(preview.refusal.code, preview.refusal.message);
        ctx.print(
          { undoOf: job.id, ...planDocument(preview.plan) },
          () => `${planText(preview.plan)}\n\nRun \`bulkusers undo ${job.id} --yes\` to apply it.`,
        );
        return EXIT_OK;
      }
      const submitted = await planAndConfirm(ctx, engine, {
        operation: undo.operation,
        bytes: undo.bytes,
        fileName: `undo-${job.id}.csv`,
        undoOf: job.id,
      });
      // Undo puts back what a confirmed job changed: the two-person rule does not hold it (service.ts).
      if (submitted.kind !== "job") return ctx.refuse("undo.held", "The undo plan was held for approval.");
      const undoJob = submitted.job;
      await runUntilFinished(engine, undoJob.id, { owner: `cli:${process.pid}` });
      const finished = (await getJob(engine.db, undoJob.id)) ?? undoJob;
      await writeJobOutputs(ctx, engine, finished);
      const doc = await runDocument(engine, finished);
      ctx.print(
        { undoOf: job.id, ...doc },
        `Undo of ${job.id}: job ${finished.id} ${finished.status} — ${finished.succeeded} succeeded, ${finished.failed} failed, ${finished.skipped} skipped`,
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
      if (ctx.options["until-idle"]) {
        const { drainQueue } = await import("../jobs/queue.ts");
        const { executorDeps } = await import("../jobs/service.ts");
        let stopping = false;
        const stop = () => {
          stopping = true;
        };
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
        const ran = await drainQueue(executorDeps(engine), {
          owner,
          leaseSeconds: engine.limits.leaseSeconds,
          shouldStop: () => stopping,
        });
        process.off("SIGTERM", stop);
        process.off("SIGINT", stop);
        const jobs = ran.map(jobSummary);
        ctx.print(
          { jobs },
          jobs.length ? jobs.map((j) => `${j.id}: ${j.status}`).join("\n") : "Queue is empty.",
        );
        return EXIT_OK;
      }
      const worker = startWorker(engine, { owner });
      const stop = () => void worker.stop();
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
      ctx.logger.info({ owner }, "worker started");
      await worker.done;
      ctx.print({ stopped: true }, "Worker stopped.");
      return EXIT_OK;
    },
  },
];
