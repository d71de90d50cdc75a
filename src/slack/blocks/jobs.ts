// `/bulkusers jobs` and `/bulkusers status <job>`. Meant to be answered ephemerally (respond / postEphemeral):
// they mention requesters with <@U…>, which does not notify anyone in an ephemeral message.
import type { KnownBlock } from "@slack/types";
import type { Operation } from "../../core/types.ts";
import {
  context,
  escapeAndTruncate,
  formatDuration,
  formatNumber,
  header,
  inlineCode,
  mentionUser,
  mrkdwnText,
  OPERATION_TITLES,
  progressBar,
  relativeTime,
  type SlackMessage,
  section,
  slackDate,
} from "./common.ts";
import { estimateRemainingMs, formatEta, type JobCounts } from "./progress.ts";

/** Jobs shown by the list (one block each; the message stays far below 50 blocks and 11k characters). */
export const JOBS_LIST_MAX = 20;

export interface JobListItem {
  id: string;
  operation: Operation;
  /** queued | running | succeeded | failed | cancelled | undone … (shown as given, with an icon when known). */
  status: string;
  /** Rows in the job. */
  total: number;
  counts: JobCounts;
  /** Slack user id, or an actor label such as "api:ci" / "cli:alice". */
  requestedBy: string;
  /** ISO times. */
  createdAt: string;
  finishedAt?: string | null;
}

export interface JobDetail extends JobListItem {
  approvedBy?: string | null;
  startedAt?: string | null;
  /** 1 = next to run, when queued. */
  queuePosition?: number | null;
  /** Job-level failure message. */
  error?: string | null;
  /** Whether `undo` is possible now. */
  undoable?: boolean;
}

const ICONS: Record<string, string> = {
  queued: ":hourglass_flowing_sand:",
  pending: ":hourglass_flowing_sand:",
  running: ":gear:",
  succeeded: ":white_check_mark:",
  completed: ":white_check_mark:",
  done: ":white_check_mark:",
  failed: ":x:",
  cancelled: ":no_entry_sign:",
  undone: ":leftwards_arrow_with_hook:",
};

function icon(job: JobListItem): string {
  const base = ICONS[job.status] ?? ":grey_question:";
  return base === ":white_check_mark:" && job.counts.failed > 0 ? ":warning:" : base;
}

function processedOf(job: JobListItem): number {
  return job.counts.succeeded + job.counts.failed + job.counts.skipped;
}

function tally(counts: JobCounts): string {
  return `${formatNumber(counts.succeeded)} ok · ${formatNumber(counts.failed)} failed · ${formatNumber(counts.skipped)} skipped`;
}

function statusLabel(status: string): string {
  return escapeAndTruncate(status, 40);
}

export interface JobsListInput {
  /** Newest first. */
  jobs: readonly JobListItem[];
  /** ISO now. */
  now: string;
  command?: string;
}

export function buildJobsListMessage(input: JobsListInput): SlackMessage {
  const command = input.command ?? "/bulkusers";
  if (input.jobs.length === 0) {
    return {
      text: "No jobs yet.",
      blocks: [
        section(
          `No jobs yet. Start one with \`${command} create\` (or any operation in \`${command} help\`).`,
        ),
      ],
    };
  }
  const shown = input.jobs.slice(0, JOBS_LIST_MAX);
  const blocks: KnownBlock[] = [header("Recent jobs")];
  for (const job of shown) {
    const progress =
      job.status === "running" ? ` ${formatNumber(processedOf(job))}/${formatNumber(job.total)}` : "";
    blocks.push(
      section(
        `${icon(job)} ${inlineCode(job.id, 80)} *${OPERATION_TITLES[job.operation]}* · ${statusLabel(job.status)}${progress}\n` +
          `${formatNumber(job.total)} rows: ${tally(job.counts)} · by ${mentionUser(job.requestedBy)} · ${relativeTime(job.createdAt, input.now)}`,
      ),
    );
  }
  const more = input.jobs.length - shown.length;
  blocks.push(
    context(
      `${more > 0 ? `${formatNumber(more)} older not shown · ` : ""}Details: \`${command} status &lt;job&gt;\` · revert: \`${command} undo &lt;job&gt;\``,
    ),
  );
  return {
    text: escapeAndTruncate(
      `Recent jobs: ${shown.map((j) => `${j.id} ${j.operation} ${j.status.slice(0, 40)}`).join("; ")}`,
      3000,
    ),
    blocks,
  };
}

export interface JobStatusInput {
  job: JobDetail;
  now: string;
  command?: string;
}

export function buildJobStatusMessage(input: JobStatusInput): SlackMessage {
  const { job, now } = input;
  const command = input.command ?? "/bulkusers";
  const title = OPERATION_TITLES[job.operation];
  const processed = processedOf(job);
  const lines = [`${icon(job)} *${title}*: ${statusLabel(job.status)}`];
  if (job.status === "queued" && job.queuePosition != null) {
    lines.push(`Queued: position ${formatNumber(job.queuePosition)}`);
  }
  if (job.status === "running") {
    const eta =
      job.startedAt != null
        ? formatEta(estimateRemainingMs(job.startedAt, now, processed, job.total))
        : "starting";
    lines.push(
      `\`${progressBar(processed, job.total)}\`  ${formatNumber(processed)} of ${formatNumber(job.total)} rows · ${eta}`,
    );
  }
  if (job.error != null && job.error !== "") lines.push(`:x: ${escapeAndTruncate(job.error, 500)}`);
  const fields = [
    mrkdwnText(`*Rows*\n${formatNumber(job.total)}`),
    mrkdwnText(`*Succeeded*\n${formatNumber(job.counts.succeeded)}`),
    mrkdwnText(`*Failed*\n${formatNumber(job.counts.failed)}`),
    mrkdwnText(`*Skipped*\n${formatNumber(job.counts.skipped)}`),
    mrkdwnText(`*Requested by*\n${mentionUser(job.requestedBy)}`),
    mrkdwnText(`*Approved by*\n${job.approvedBy ? mentionUser(job.approvedBy) : "—"}`),
    mrkdwnText(`*Created*\n${slackDate(job.createdAt)} (${relativeTime(job.createdAt, now)})`),
  ];
  if (job.startedAt != null) {
    const end = job.finishedAt ?? now;
    fields.push(
      mrkdwnText(
        `*${job.finishedAt != null ? "Took" : "Running for"}*\n${formatDuration(Date.parse(end) - Date.parse(job.startedAt))}`,
      ),
    );
  }
  const blocks: KnownBlock[] = [
    header(`Job ${job.id}`),
    section(lines.join("\n")),
    { type: "section", fields },
  ];
  const hints: string[] = [];
  if (job.undoable) hints.push(`Revert with \`${command} undo ${escapeAndTruncate(job.id, 80)}\``);
  if (job.finishedAt != null) hints.push("The results CSV is in the job's thread");
  if (hints.length > 0) blocks.push(context(hints.join(" · ")));
  return {
    text: escapeAndTruncate(
      `Job ${job.id} (${title}): ${job.status.slice(0, 40)}, ${formatNumber(processed)} of ${formatNumber(job.total)} rows, ${tally(job.counts)}`,
      3000,
    ),
    blocks,
  };
}

export function buildJobNotFoundMessage(jobId: string, command = "/bulkusers"): SlackMessage {
  return {
    text: "No such job.",
    blocks: [
      section(`I can't find a job ${inlineCode(jobId, 100)}. \`${command} jobs\` lists the recent ones.`),
    ],
  };
}
