// `bulkusers plan|run <operation> <file.csv>`: the engine from the command line (contract: DESIGN.md §5).
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { isOperation, OPERATIONS, type Operation, type Plan } from "../core/types.ts";
import type { JobRecord } from "../directory/schema.ts";
import { planDocument } from "../jobs/documents.ts";
import { getJob, JobError, listJobOutcomes, queuePosition } from "../jobs/job-store.ts";
import {
  credentialsCsv,
  forgetCredentials,
  readCredentials,
  resultsCsv,
  toResultRows,
} from "../jobs/results.ts";
import {
  type Engine,
  planFile,
  previewFile,
  runUntilFinished,
  type SubmitResult,
  submitPlan,
} from "../jobs/service.ts";
import { awaitApproval, refuseApprovedBy } from "./approvals.ts";
import { type CliCommand, type CommandContext, EXIT_OK, formatTable, stringOption } from "./context.ts";
import { cliEngine } from "./engine.ts";
import { atOption, finishScheduledRun, scheduleText } from "./scheduled.ts";

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
    return new Uint8Array(await readFile(resolve(ctx.io.cwd, path)));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return ctx.refuse(
      "cli.file_unreadable",
      code === "ENOENT" ? `File not found: ${path}` : `Cannot read ${path}: ${(error as Error).message}`,
    );
  }
}

export async function writeOutputFile(ctx: CommandContext, path: string, bytes: Uint8Array): Promise<string> {
  const target = resolve(ctx.io.cwd, path);
  await writeFile(target, bytes);
  return target;
}

/** The plan as JSON: shared with the HTTP API's `?dryRun=true` (src/jobs/documents.ts). */
export { planDocument };

export function planText(plan: Plan): string {
  const { change, skip, error } = plan.summary;
  const lines = [
    `${plan.operation}: ${change} to change, ${skip} to skip, ${error} with errors (nothing has changed yet)`,
    "",
    formatTable(
      plan.rows.map((r) => ({
        row: r.row,
        line: r.line,
        key: r.key,
        outcome: r.outcome,
        reason: r.reason,
        changes: r.changes.map((c) => `${c.field}: ${c.from ?? "∅"} → ${c.to ?? "∅"}`).join("; "),
      })),
    ),
  ];
  if (plan.warnings.length) lines.push("", ...plan.warnings.map((w) => `warning: ${w}`));
  return lines.join("\n");
}

export async function runDocument(engine: Engine, job: JobRecord) {
  const items = await listJobOutcomes(engine.db, job.id);
  const decided = job.status === "queued" ? items.filter((i) => i.status !== "pending") : items;
  return {
    jobId: job.id,
    status: job.status,
    summary: { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped },
    rows: toResultRows(decided, job).map((r) => ({
      row: r.row,
      line: r.line,
      key: r.key,
      status: r.status,
      reason: r.reason,
    })),
  };
}

/** Writes the results and credentials files a command asked for; credentials are then forgotten. */
export async function writeJobOutputs(
  ctx: CommandContext,
  engine: Engine,
  job: JobRecord,
): Promise<{ results?: string; credentials?: string; credentialCount?: number }> {
  const written: { results?: string; credentials?: string; credentialCount?: number } = {};
  const resultsPath = stringOption(ctx, "results");
  if (resultsPath)
    written.results = await writeOutputFile(ctx, resultsPath, await resultsCsv(engine.db, job));
  const credentialsPath = stringOption(ctx, "credentials");
  if (credentialsPath) {
    const credentials = await readCredentials(engine.db, engine.sealer, job.id);
    written.credentials = await writeOutputFile(ctx, credentialsPath, credentialsCsv(credentials));
    written.credentialCount = credentials.length;
    await forgetCredentials(engine.db, job.id);
  }
  return written;
}

function runText(
  doc: Awaited<ReturnType<typeof runDocument>>,
  outputs: Awaited<ReturnType<typeof writeJobOutputs>>,
) {
  const { succeeded, failed, skipped } = doc.summary;
  const lines = [
    `Job ${doc.jobId}: ${doc.status} — ${succeeded} succeeded, ${failed} failed, ${skipped} skipped`,
  ];
  const failures = doc.rows.filter((r) => r.status === "failed");
  if (failures.length) {
    lines.push(
      "",
      formatTable(failures.slice(0, 50).map((r) => ({ row: r.row, key: r.key, reason: r.reason }))),
    );
    if (failures.length > 50) lines.push(`… and ${failures.length - 50} more (see the results CSV)`);
  }
  if (outputs.results) lines.push(`Results: ${outputs.results}`);
  if (outputs.credentials)
    lines.push(`Temporary passwords (${outputs.credentialCount}): ${outputs.credentials}`);
  return lines.join("\n");
}

/**
 * Plans a file and confirms it as a job (rows with errors are reported, not run), or files an approval
 * request when the two-person rule holds the plan.
 */
export async function planAndConfirm(
  ctx: CommandContext,
  engine: Engine,
  input: { operation: Operation; bytes: Uint8Array; fileName: string; undoOf?: string; at?: Date },
): Promise<SubmitResult> {
  const planned = await planFile(engine, {
    operation: input.operation,
    bytes: input.bytes,
    fileName: input.fileName,
    source: "cli",
    actor: ctx.actor,
    ...(input.at ? { at: input.at } : {}),
  });
  if (!planned.ok) return ctx.refuse(planned.refusal.code, planned.refusal.message);
  try {
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

export const operationCommands: CliCommand[] = [
  {
    name: "plan",
    usage: "plan <operation> <file.csv> [--at <time>]",
    summary: "Validate a file and show what would change (changes nothing)",
    args: [
      { name: "operation", required: true },
      { name: "file.csv", required: true },
    ],
    options: { at: { type: "string" } },
    async run(ctx) {
      const operation = operationArg(ctx);
      const bytes = await readInputFile(ctx, ctx.args[1] ?? "");
      const at = atOption(ctx);
      const engine = await cliEngine(ctx);
      const result = await previewFile(engine, { operation, bytes, ...(at ? { at } : {}) });
      if (!result.ok) return ctx.refuse(result.refusal.code, result.refusal.message);
      const dated = result.schedule.length ? { schedule: result.schedule } : {};
      ctx.print(
        { ...planDocument(result.plan), ...dated },
        () => planText(result.plan) + scheduleText(result.schedule, engine.timeZone ?? "UTC"),
      );
      return EXIT_OK;
    },
  },
  {
    name: "run",
    usage: "run <operation> <file.csv> [--results out.csv] [--credentials creds.csv] [--queue] [--wait]",
    summary: "Plan a file and run it as a job (rows with errors are reported, the rest run)",
    args: [
      { name: "operation", required: true },
      { name: "file.csv", required: true },
    ],
    options: {
      results: { type: "string" },
      credentials: { type: "string" },
      queue: { type: "boolean" },
      // Two-person rule: --wait waits for the second approver; --approved-by is declared only to refuse it.
      wait: { type: "boolean" },
      at: { type: "string" },
      "approved-by": { type: "string" },
    },
    async run(ctx) {
      refuseApprovedBy(ctx);
      const operation = operationArg(ctx);
      const path = ctx.args[1] ?? "";
      const bytes = await readInputFile(ctx, path);
      const engine = await cliEngine(ctx);
      // Planned and confirmed in a helper so the plan (50,000 rows of objects) is garbage once the job exists.
      const at = atOption(ctx);
      const submitted = await planAndConfirm(ctx, engine, {
        operation,
        bytes,
        fileName: path,
        ...(at ? { at } : {}),
      });
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
          `Job ${job.id} queued (position ${position}); run \`bulkusers worker\` to process it.`,
        );
        return EXIT_OK;
      }
      let stopping = false;
      const stop = () => {
        stopping = true;
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        await runUntilFinished(engine, job.id, { owner: `cli:${process.pid}`, shouldStop: () => stopping });
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
      const finished = (await getJob(engine.db, job.id)) ?? job;
      const outputs = await writeJobOutputs(ctx, engine, finished);
      const doc = await runDocument(engine, finished);
      ctx.print(doc, () => runText(doc, outputs));
      return EXIT_OK;
    },
  },
];
