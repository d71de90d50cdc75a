// The one thread message a job edits while it runs (chat.update at most every 2 s), and its queued state.
import type { Operation } from "../../core/types.ts";
import {
  context,
  formatDuration,
  formatNumber,
  inlineCode,
  mrkdwnText,
  OPERATION_TITLES,
  progressBar,
  type SlackMessage,
  section,
} from "./common.ts";

export interface JobCounts {
  succeeded: number;
  failed: number;
  skipped: number;
}

export interface ProgressInput {
  jobId: string;
  operation: Operation;
  /** Rows in the job. */
  total: number;
  /** Rows done so far (succeeded + failed + skipped). */
  processed: number;
  counts: JobCounts;
  /** ISO time the job started running. */
  startedAt: string;
  /** ISO now. */
  now: string;
  /**
   * Set for the last edit, once the job has ended: the bar shows the end state instead of "running"
   * (`failed` = the job stopped; the summary message below says why).
   */
  final?: "succeeded" | "completed_with_errors" | "failed";
}

const FINAL_LABEL = {
  succeeded: [":white_check_mark:", "done"],
  completed_with_errors: [":warning:", "finished with errors"],
  failed: [":x:", "stopped"],
} as const;

/** Remaining time from the pace so far; null until there is a pace to go by. */
export function estimateRemainingMs(
  startedAt: string,
  now: string,
  processed: number,
  total: number,
): number | null {
  const elapsed = Date.parse(now) - Date.parse(startedAt);
  if (!(elapsed > 0) || processed <= 0) return null;
  if (processed >= total) return 0;
  return Math.round((elapsed / processed) * (total - processed));
}

export function formatEta(remainingMs: number | null): string {
  if (remainingMs === null) return "estimating time left…";
  if (remainingMs < 1000) return "almost done";
  return `about ${formatDuration(remainingMs)} left`;
}

function countFields(counts: JobCounts) {
  return [
    mrkdwnText(`*Succeeded*\n${formatNumber(counts.succeeded)}`),
    mrkdwnText(`*Failed*\n${formatNumber(counts.failed)}`),
    mrkdwnText(`*Skipped*\n${formatNumber(counts.skipped)}`),
  ];
}

export function buildProgressMessage(input: ProgressInput): SlackMessage {
  const { total, processed } = input;
  const bar = progressBar(processed, total);
  const title = OPERATION_TITLES[input.operation];
  const done = `${formatNumber(processed)} of ${formatNumber(total)} rows`;
  const took = formatDuration(Date.parse(input.now) - Date.parse(input.startedAt));
  if (input.final !== undefined) {
    const [icon, label] = FINAL_LABEL[input.final];
    return {
      text: `${title}: ${label}, ${done}`,
      blocks: [
        section(`${icon} *${title}*: ${label}\n\`${bar}\`  ${done} · took ${took}`),
        { type: "section", fields: countFields(input.counts) },
        context(`Job ${inlineCode(input.jobId, 80)} · the summary and the results CSV are in this thread`),
      ],
    };
  }
  const eta = formatEta(estimateRemainingMs(input.startedAt, input.now, processed, total));
  return {
    text: `${title}: ${done} (${bar.split(" ").pop()}), ${eta}`,
    blocks: [
      section(`:gear: *${title}*: running\n\`${bar}\`  ${done} · ${eta}`),
      { type: "section", fields: countFields(input.counts) },
      context(
        `Job ${inlineCode(input.jobId, 80)} · running for ${took} · the results CSV is posted here when it finishes`,
      ),
    ],
  };
}

export interface QueuedInput {
  jobId: string;
  operation: Operation;
  /** 1 = next to run. */
  position: number;
  /** Rows in the job. */
  total: number;
}

export function buildQueuedMessage(input: QueuedInput): SlackMessage {
  const title = OPERATION_TITLES[input.operation];
  const ahead = input.position - 1;
  const wait =
    ahead <= 0
      ? "It starts as soon as the current job finishes."
      : `It starts after the ${formatNumber(ahead)} job${ahead === 1 ? "" : "s"} ahead of it (one job runs at a time).`;
  return {
    text: `Queued: position ${formatNumber(input.position)} (${title})`,
    blocks: [
      section(
        `:hourglass_flowing_sand: *Queued: position ${formatNumber(input.position)}* · ${title}, ${formatNumber(input.total)} rows\n${wait}`,
      ),
      context(`Job ${inlineCode(input.jobId, 80)} · this message shows progress once it starts`),
    ],
  };
}
