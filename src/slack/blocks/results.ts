// The end of a job: the summary posted in the thread (the results CSV is uploaded right after it),
// and the DM that carries the temporary passwords CSV to the approver.
import type { KnownBlock } from "@slack/types";
import type { Operation } from "../../core/types.ts";
import {
  context,
  escapeAndTruncate,
  formatDuration,
  formatNumber,
  inlineCode,
  mentionUser,
  mrkdwnText,
  OPERATION_TITLES,
  plural,
  type SlackMessage,
  section,
} from "./common.ts";
import type { JobCounts } from "./progress.ts";

export interface FinishedInput {
  jobId: string;
  operation: Operation;
  total: number;
  counts: JobCounts;
  /** ISO times. */
  startedAt: string;
  finishedAt: string;
  /** A job-level failure (the job stopped); per-row failures are in `counts.failed`. */
  error?: string;
  /** The results CSV is uploaded to the thread after this message (default true). */
  resultsAttached?: boolean;
  /** Slack user id that was sent the temporary passwords by DM (create / reset-password). */
  passwordsSentTo?: string;
  /** Offer `undo <job>` in the summary. */
  undoable?: boolean;
  /** The slash command as registered (default `/bulkusers`). */
  command?: string;
}

export function buildFinishedMessage(input: FinishedInput): SlackMessage {
  const { counts } = input;
  const command = input.command ?? "/bulkusers";
  const title = OPERATION_TITLES[input.operation];
  const took = formatDuration(Date.parse(input.finishedAt) - Date.parse(input.startedAt));
  const tally = `${formatNumber(counts.succeeded)} succeeded, ${formatNumber(counts.failed)} failed, ${formatNumber(counts.skipped)} skipped`;
  const processed = counts.succeeded + counts.failed + counts.skipped;
  let headline: string;
  let text: string;
  if (input.error !== undefined) {
    headline = `:x: *${title}: stopped* after ${formatNumber(processed)} of ${plural(input.total, "row")}: ${escapeAndTruncate(input.error, 500)}`;
    text = `${title} stopped: ${tally}.`;
  } else if (counts.failed > 0) {
    headline = `:warning: *${title}: finished with ${plural(counts.failed, "failed row")}*`;
    text = `${title} finished: ${tally} in ${took}.`;
  } else {
    headline = `:white_check_mark: *${title}: done*`;
    text = `${title} done: ${tally} in ${took}.`;
  }
  const lines: string[] = [`${headline}\n${plural(input.total, "row")} in ${took}.`];
  if (input.resultsAttached ?? true) {
    lines.push(
      ":page_facing_up: *Results CSV attached below*: every row of your file with Succeeded, Failed or Skipped and the reason.",
    );
    text += " Results CSV attached below.";
  }
  if (counts.failed > 0) {
    lines.push(
      "To retry the failed rows, fix them in the results CSV (the *Failure Reason* column says why) and upload it again: the status columns are ignored and rows already done are skipped.",
    );
  }
  if (input.passwordsSentTo !== undefined) {
    lines.push(
      `:closed_lock_with_key: Temporary passwords were sent to ${mentionUser(input.passwordsSentTo)} by DM. They are never posted in channels.`,
    );
    text += " Temporary passwords were sent by DM.";
  }
  const blocks: KnownBlock[] = [
    section(lines.join("\n\n")),
    {
      type: "section",
      fields: [
        mrkdwnText(`*Succeeded*\n${formatNumber(counts.succeeded)}`),
        mrkdwnText(`*Failed*\n${formatNumber(counts.failed)}`),
        mrkdwnText(`*Skipped*\n${formatNumber(counts.skipped)}`),
        mrkdwnText(`*Duration*\n${took}`),
      ],
    },
  ];
  const ctx = [`Job ${inlineCode(input.jobId, 80)}`];
  if (input.undoable) ctx.push(`undo with \`${command} undo ${escapeAndTruncate(input.jobId, 80)}\``);
  blocks.push(context(ctx.join(" · ")));
  return { text, blocks };
}

export interface PasswordsDmInput {
  jobId: string;
  operation: Operation;
  /** Passwords in the attached CSV. */
  count: number;
}

/** The DM that goes with the credentials CSV (uploaded to the DM channel right after). */
export function buildPasswordsDmMessage(input: PasswordsDmInput): SlackMessage {
  const title = OPERATION_TITLES[input.operation];
  return {
    text: `Temporary passwords for ${plural(input.count, "user")} (${title}). The CSV is attached below.`,
    blocks: [
      section(
        `:closed_lock_with_key: *Temporary passwords for ${plural(input.count, "user")}* (${title}). The CSV is attached below, only to you.\nHand each one over privately, and delete the file when you are done.`,
      ),
      context(`Job ${inlineCode(input.jobId, 80)}`),
    ],
  };
}
