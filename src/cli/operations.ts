// `bulkusers plan|run <operation> <file.csv>`: the engine from the command line (contract: DESIGN.md §5).
// `plan` answers short (summary, first changes and errors); `run` asks on a terminal, draws progress and
// says what is waiting (passwords) and where to look next.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { isOperation, OPERATIONS, type Operation } from "../core/types.ts";
import type { JobRecord } from "../directory/schema.ts";
import { planDocument } from "../jobs/documents.ts";
import { getJob, JobError, queuePosition } from "../jobs/job-store.ts";
import {
  type Engine,
  planFile,
  previewFile,
  runUntilFinished,
  type SubmitResult,
  submitPlan,
} from "../jobs/service.ts";
import { awaitApproval, refuseApprovedBy } from "./approvals.ts";
import { confirmed, willAsk } from "./confirm.ts";
import { CLI, type CliCommand, type CommandContext, EXIT_OK, stringOption } from "./context.ts";
import { cliEngine } from "./engine.ts";
import { hintOnStderr, runDocument, runText, writeJobOutputs, writeOutputFile } from "./job-output.ts";
import { type PlanListing, planCsv, planText } from "./plan-text.ts";
import { formatCount, startProgress } from "./progress.ts";
import { atOption, finishScheduledRun, scheduleText } from "./scheduled.ts";

export { planDocument, planText, runDocument, writeJobOutputs, writeOutputFile };

export function operationArg(ctx: CommandContext): Operation {
  const name = ctx.args[0] ?? "";
  if (!isOperation(name)) {
    ctx.usageError(
      "cli.unknown_operation",
      `Unknown operation '${name}'. Operations: ${OPERATIONS.join(", ")}.`,
    );
  }
  return name;
}

export async function readInputFile(ctx: CommandContext, path: string): Promise<Uint8Array> {
  try {
    const file = await readFile(resolve(ctx.io.cwd, path));
    // A plain Uint8Array over the same memory: `new Uint8Array(file)` would copy it (18 MB at 150,000 rows).
    return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return ctx.refuse(
      "cli.file_unreadable",
      code === "ENOENT" ? `File not found: ${path}` : `Cannot read ${path}: ${(error as Error).message}`,
    );
  }
}

/**
 * Plans a file and confirms it as a job (rows with errors are reported, not run). On a terminal, without
 * --yes, the plan's summary is shown first (on stderr) and the person is asked; a "no" returns undefined
 * and changes nothing (the stored plan simply expires).
 */
export async function planAndConfirm(
  ctx: CommandContext,
  engine: Engine,
  input: {
    operation: Operation;
    bytes: Uint8Array;
    fileName: string;
    undoOf?: string;
    at?: Date;
    welcome?: boolean;
  },
): Promise<SubmitResult | undefined> {
  const planned = await planFile(engine, {
    ...(input.welcome !== undefined ? { welcome: input.welcome } : {}),
    operation: input.operation,
    bytes: input.bytes,
    fileName: input.fileName,
    source: "cli",
    actor: ctx.actor,
    ...(input.at ? { at: input.at } : {}),
  });
  if (!planned.ok) return ctx.refuse(planned.refusal.code, planned.refusal.message);
  if (willAsk(ctx)) {
    const plan = planned.stored.plan;
    ctx.io.stderr(`${planText(plan)}\n\n`);
    const { change } = plan.summary;
    if (!(await confirmed(ctx, `Apply ${formatCount(change)} change${change === 1 ? "" : "s"}?`)))
      return undefined;
  }
  try {
    // A job, or (two-person rule) an approval request, or (dated rows) scheduled batches.
    return await submitPlan(engine, {
      planId: planned.stored.id,
      approvedBy: ctx.actor,
      source: "cli",
      allowPartial: true,
      ...(input.undoOf ? { undoOf: input.undoOf } : {}),
    });
  } catch (error) {
    if (error instanceof JobError) return ctx.refuse(error.code, error.message);
    throw error;
  }
}

/** The answer when the person said no: nothing changed (with --json, a document that says so). */
export function printDeclined(ctx: CommandContext): number {
  ctx.print({ jobId: null, status: "cancelled" }, "Cancelled; nothing changed.");
  return EXIT_OK;
}

/** Runs a confirmed job in this process, drawing its progress; SIGINT/SIGTERM stop after the batch. */
export async function runWithProgress(
  ctx: CommandContext,
  engine: Engine,
  job: JobRecord,
): Promise<JobRecord> {
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const progress = startProgress(ctx, `${job.operation} ${job.id}`, job.total);
  try {
    await runUntilFinished(engine, job.id, {
      owner: `cli:${process.pid}`,
      shouldStop: () => stopping,
      onProgress: (current) => {
        if (current.id === job.id) progress.update(current.processed, current.total);
      },
    });
    const finished = (await getJob(engine.db, job.id)) ?? job;
    progress.finish(finished.processed);
    return finished;
  } finally {
    progress.stop();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

function listingOption(ctx: CommandContext): PlanListing {
  if (ctx.options.all === true) return "all";
  if (ctx.options.errors === true) return "errors";
  return "short";
}

export const operationCommands: CliCommand[] = [
  {
    name: "plan",
    usage: "plan <operation> <file.csv> [--all | --errors] [--out plan.csv] [--at <time>]",
    summary: "Validate a file and show what would change (changes nothing)",
    args: [
      { name: "operation", required: true },
      { name: "file.csv", required: true },
    ],
    options: {
      all: { type: "boolean" },
      errors: { type: "boolean" },
      out: { type: "string" },
      at: { type: "string" },
    },
    async run(ctx) {
      const operation = operationArg(ctx);
      const bytes = await readInputFile(ctx, ctx.args[1] ?? "");
      const at = atOption(ctx);
      const engine = await cliEngine(ctx);
      const result = await previewFile(engine, { operation, bytes, ...(at ? { at } : {}) });
      if (!result.ok) return ctx.refuse(result.refusal.code, result.refusal.message);
      const out = stringOption(ctx, "out");
      const written = out ? await writeOutputFile(ctx, out, planCsv(result.plan)) : undefined;
      // Dated operations: what runs on which date (the rest when confirmed).
      const document = {
        ...planDocument(result.plan),
        ...(result.schedule.length ? { schedule: result.schedule } : {}),
      };
      ctx.print(written ? { ...document, out: written } : document, () => {
        const text =
          planText(result.plan, listingOption(ctx)) + scheduleText(result.schedule, engine.timeZone ?? "UTC");
        return written ? `${text}\n\nEvery row: ${written}` : text;
      });
      return EXIT_OK;
    },
  },
  {
    name: "run",
    usage:
      "run <operation> <file.csv> [--results out.csv] [--credentials creds.csv] [--queue] [--yes] [--wait] [--at <time>] [--welcome | --no-welcome]",
    summary: "Plan a file and run it as a job (asks first on a terminal; rows with errors are reported)",
    args: [
      { name: "operation", required: true },
      { name: "file.csv", required: true },
    ],
    options: {
      results: { type: "string" },
      credentials: { type: "string" },
      queue: { type: "boolean" },
      yes: { type: "boolean", short: "y" },
      // Two-person rule: --wait waits for the second approver; --approved-by is declared only to refuse it.
      wait: { type: "boolean" },
      "approved-by": { type: "string" },
      at: { type: "string" },
      // Welcome messages: on by default for create when SMTP is configured; reset-password asks with --welcome.
      welcome: { type: "boolean" },
      "no-welcome": { type: "boolean" },
    },
    async run(ctx) {
      refuseApprovedBy(ctx);
      const operation = operationArg(ctx);
      const path = ctx.args[1] ?? "";
      const bytes = await readInputFile(ctx, path);
      const engine = await cliEngine(ctx);
      // Planned and confirmed in a helper so the plan (50,000 rows of objects) is garbage once the job exists.
      if (ctx.options.welcome && ctx.options["no-welcome"]) {
        ctx.usageError("cli.bad_option", "--welcome and --no-welcome cannot be used together");
      }
      const welcome = ctx.options.welcome ? true : ctx.options["no-welcome"] ? false : undefined;
      const at = atOption(ctx);
      const submitted = await planAndConfirm(ctx, engine, {
        operation,
        bytes,
        fileName: path,
        ...(at ? { at } : {}),
        ...(welcome !== undefined ? { welcome } : {}),
      });
      if (!submitted) return printDeclined(ctx);
      let job: JobRecord;
      if (submitted.kind === "awaiting_approval") {
        const waited = await awaitApproval(ctx, engine, submitted.request, ctx.options.wait === true);
        if ("exit" in waited) return waited.exit;
        if ("scheduled" in waited) return finishScheduledRun(ctx, engine, waited.scheduled);
        job = waited.job;
      } else if (submitted.kind === "scheduled") {
        return finishScheduledRun(ctx, engine, submitted);
      } else job = submitted.job;
      if (ctx.options.queue) {
        const position = await queuePosition(engine.db, job);
        const doc = await runDocument(engine, job);
        ctx.print(
          { ...doc, queuePosition: position },
          `Job ${job.id} queued (position ${position}); run \`${CLI} worker\` to process it.`,
        );
        return EXIT_OK;
      }
      const finished = await runWithProgress(ctx, engine, job);
      const outputs = await writeJobOutputs(ctx, engine, finished);
      const doc = await runDocument(engine, finished);
      ctx.print(doc, () => runText(doc, outputs));
      hintOnStderr(ctx, finished.id, outputs);
      return EXIT_OK;
    },
  },
];
