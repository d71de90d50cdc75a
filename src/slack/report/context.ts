// What every part of the Slack job reporter shares: the reporter-wide context (client, database, clock,
// settings) and the small per-job record. The parts (progress, delivery, final report, sweep) are plain
// functions of these two, so a new step of the report reads and writes the same state as the others.
import type { WebClient } from "@slack/web-api";
import { eq, sql } from "drizzle-orm";
import { isOperation, type Operation } from "../../core/types.ts";
import { type JobRecord, jobs } from "../../directory/schema.ts";
import type { Engine } from "../../jobs/service.ts";
import type { Logger } from "../../logger.ts";
import { slackErrorCode } from "../files.ts";

/** The reporter-wide context, built once by createSlackReporter. */
export interface ReporterContext {
  client: WebClient;
  engine: Engine;
  db: Engine["db"];
  logger: Logger | undefined;
  clock: () => Date;
  /** clock() in ms. */
  now: () => number;
  /** Minimum spacing of a job's message edits. */
  throttleMs: number;
  sleep: (ms: number) => Promise<void>;
  /** The slash command as registered (for hints in messages). */
  command: string;
}

/** The per-job record: the job's Slack work queue and its progress throttle. */
export interface JobState {
  chain: Promise<void>;
  /** Latest progress not shown yet (coalesced). */
  latest: JobRecord | null;
  /** A progress flush is queued. */
  scheduled: boolean;
  /** When the progress message was last posted or edited (reporter clock, ms). */
  lastEditAt: number | null;
  /** onFinished was called: progress edits stop, the final report owns the message. */
  finishing: boolean;
}

export function newJobState(): JobState {
  return { chain: Promise.resolve(), latest: null, scheduled: false, lastEditAt: null, finishing: false };
}

/** jobs.report: the steps of the final report already done. */
export interface ReportState {
  /** The progress message shows the final state (or there was none to edit). */
  progress?: boolean;
  /** ts of the summary message. */
  summary?: string;
  /** File ids of the uploads ("done" when Slack gave none back). */
  results?: string;
  errors?: string;
  /** ts of the DM that introduces the credentials CSV. */
  passwordsNote?: string;
  credentials?: "sent" | "none" | "no_slack_approver";
  /** The channel the job moved away from (the bot could not post there). */
  relocatedFrom?: string;
  attempts?: number;
  lastError?: string;
}

export const FINISHED_STATUSES = ["succeeded", "completed_with_errors", "failed"] as const;

export function asOperation(value: string): Operation {
  return isOperation(value) ? value : "update";
}

/** A Slack error's code, or a short message: what the logs and jobs.report keep of a failure. */
export function describe(error: unknown): string {
  const code = slackErrorCode(error);
  if (code) return code;
  return error instanceof Error ? error.message.slice(0, 300) : String(error).slice(0, 300);
}

export function iso(value: string | null | undefined, fallback: string): string {
  if (!value) return fallback;
  const t = Date.parse(value);
  return Number.isNaN(t) ? fallback : new Date(t).toISOString();
}

/** Merges `patch` into jobs.report (a step done, an attempt counted). */
export async function patchReport(ctx: ReporterContext, jobId: string, patch: ReportState): Promise<void> {
  await ctx.db
    .update(jobs)
    .set({ report: sql`${jobs.report} || ${JSON.stringify(patch)}::jsonb` })
    .where(eq(jobs.id, jobId));
}
