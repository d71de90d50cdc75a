// What a job leaves for the person at the CLI: the run document (contract), the results and credentials
// files (credentials 0600, then forgotten), the hint that passwords are waiting, and the first failed and
// skipped rows with their reasons.

import { open, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { sql } from "drizzle-orm";
import { queryRows } from "../directory/client.ts";
import type { JobRecord } from "../directory/schema.ts";
import { listJobOutcomes } from "../jobs/job-store.ts";
import {
  credentialsCsv,
  forgetCredentials,
  readCredentials,
  resultsCsv,
  toResultRows,
} from "../jobs/results.ts";
import type { Engine } from "../jobs/service.ts";
import { welcomeOutcomes } from "../jobs/welcome-delivery.ts";
import { CLI, type CommandContext, stringOption } from "./context.ts";
import { formatCount } from "./progress.ts";
import { formatTable } from "./table.ts";

/**
 * Writes a file the user asked for, relative to the folder they typed the command in. A `secret` file
 * (temporary passwords) is created 0600, and set to 0600 if it existed: only its owner may read it.
 */
export async function writeOutputFile(
  ctx: CommandContext,
  path: string,
  bytes: Uint8Array,
  options: { secret?: boolean } = {},
): Promise<string> {
  const target = resolve(ctx.io.cwd, path);
  try {
    if (options.secret) {
      const file = await open(target, "w", 0o600);
      try {
        await file.chmod(0o600);
        await file.writeFile(bytes);
      } finally {
        await file.close();
      }
    } else {
      await writeFile(target, bytes);
    }
  } catch (error) {
    return ctx.refuse("cli.file_unwritable", `Cannot write ${path}: ${(error as Error).message}`);
  }
  return target;
}

export type RunDocument = Awaited<ReturnType<typeof runDocument>>;

/** `run --json` (contract: DESIGN §5). */
export async function runDocument(engine: Engine, job: JobRecord) {
  const items = await listJobOutcomes(engine.db, job.id);
  const decided = job.status === "queued" ? items.filter((i) => i.status !== "pending") : items;
  // Where each welcome message went (create, reset-password --welcome), when the job sent any.
  const welcome = await welcomeOutcomes(engine.db, job.id);
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
      ...(welcome.has(r.row) ? { welcome: welcome.get(r.row) } : {}),
    })),
  };
}

/** How many temporary passwords of a job still wait to be delivered (they are deleted once written). */
export async function waitingCredentials(engine: Engine, jobId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    engine.db,
    sql`select coalesce(sum(count), 0)::int as n from job_credentials where job_id = ${jobId}`,
  );
  return Number(row?.n ?? 0);
}

export interface JobOutputs {
  results?: string;
  credentials?: string;
  credentialCount?: number;
  /** Passwords not written this time (no --credentials): the hint says how to get them. */
  credentialsWaiting?: number;
}

/** Writes the results and credentials files a command asked for; credentials are then forgotten. */
export async function writeJobOutputs(
  ctx: CommandContext,
  engine: Engine,
  job: JobRecord,
): Promise<JobOutputs> {
  const written: JobOutputs = {};
  const resultsPath = stringOption(ctx, "results");
  if (resultsPath)
    written.results = await writeOutputFile(ctx, resultsPath, await resultsCsv(engine.db, job));
  const credentialsPath = stringOption(ctx, "credentials");
  if (credentialsPath) {
    const credentials = await readCredentials(engine.db, engine.sealer, job.id);
    written.credentials = await writeOutputFile(ctx, credentialsPath, credentialsCsv(credentials), {
      secret: true,
    });
    written.credentialCount = credentials.length;
    await forgetCredentials(engine.db, job.id);
  } else {
    const waiting = await waitingCredentials(engine, job.id);
    if (waiting > 0) written.credentialsWaiting = waiting;
  }
  return written;
}

export function waitingHint(jobId: string, count: number): string {
  const what = count === 1 ? "1 temporary password is" : `${formatCount(count)} temporary passwords are`;
  return `${what} waiting: \`${CLI} job ${jobId} --credentials FILE\``;
}

/** The lines that say where the files went, and that passwords are waiting (never the passwords). */
export function outputLines(jobId: string, outputs: JobOutputs): string[] {
  const lines: string[] = [];
  if (outputs.results) lines.push(`Results: ${outputs.results}`);
  if (outputs.credentials)
    lines.push(
      `Temporary passwords (${outputs.credentialCount}): ${outputs.credentials} (readable by you only)`,
    );
  if (outputs.credentialsWaiting) lines.push(waitingHint(jobId, outputs.credentialsWaiting));
  return lines;
}

/** With --json the waiting-passwords hint goes to stderr: stdout carries the one JSON document. */
export function hintOnStderr(ctx: CommandContext, jobId: string, outputs: JobOutputs): void {
  if (ctx.json && outputs.credentialsWaiting)
    ctx.io.stderr(`${waitingHint(jobId, outputs.credentialsWaiting)}\n`);
}

export const JOB_PREVIEW_ROWS = 20;

/** The first failed and skipped rows of a job, with their reasons. */
export function outcomeSections(
  rows: Array<{ row: number; key: string; status: string; reason: string }>,
  limit = JOB_PREVIEW_ROWS,
): string[] {
  const lines: string[] = [];
  for (const [status, title] of [
    ["failed", "Failed"],
    ["skipped", "Skipped"],
  ] as const) {
    const matching = rows.filter((r) => r.status === status);
    if (!matching.length) continue;
    const shown = matching.slice(0, limit);
    lines.push(
      "",
      shown.length < matching.length
        ? `${title} (first ${shown.length} of ${formatCount(matching.length)}):`
        : `${title} (${formatCount(matching.length)}):`,
      formatTable(shown.map((r) => ({ row: r.row, key: r.key, reason: r.reason }))),
    );
  }
  return lines;
}

/** A finished run as text: the counts, the first failed rows, the files. */
export function runText(doc: RunDocument, outputs: JobOutputs): string {
  const { succeeded, failed, skipped } = doc.summary;
  const lines = [
    `Job ${doc.jobId}: ${doc.status} — ${formatCount(succeeded)} succeeded, ${formatCount(failed)} failed, ${formatCount(skipped)} skipped`,
    ...outcomeSections(doc.rows.filter((r) => r.status === "failed")),
  ];
  if (failed > JOB_PREVIEW_ROWS) lines.push(`… every row: \`${CLI} job ${doc.jobId} --results results.csv\``);
  const files = outputLines(doc.jobId, outputs);
  if (files.length) lines.push("", ...files);
  return lines.join("\n");
}
