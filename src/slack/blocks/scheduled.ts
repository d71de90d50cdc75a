// Dated operations in Slack: the "scheduled" message posted when a dated plan is confirmed (the thread every
// batch reports into), the `/bulkusers scheduled` list with a Cancel button per batch, its App Home section,
// and the preview's "what happens when". Pure builders.
import type { KnownBlock } from "@slack/types";
import { formatInZone } from "../../core/effective-dates.ts";
import type { Operation } from "../../core/types.ts";
import { actorText as actorTextOf } from "./approvals.ts";
import {
  context,
  escapeAndTruncate,
  fitLines,
  inlineCode,
  mrkdwnText,
  OPERATION_TITLES,
  plainText,
  plural,
  type SlackMessage,
  section,
} from "./common.ts";

export const SCHEDULED_CANCEL_ACTION_ID = "scheduled_cancel";

export interface BatchLine {
  id: string;
  operation: string;
  runAt: string;
  rows: number;
  keys: string[];
  requestedBy: string;
  jobId?: string | null;
}

function title(operation: string): string {
  return OPERATION_TITLES[operation as Operation] ?? operation;
}

function when(iso: string, timeZone: string): string {
  return `*${formatInZone(iso, timeZone)}*`;
}

/** Posted once when a dated plan is confirmed: what runs when; batches report in its thread. */
export function buildScheduledMessage(input: {
  operation: string;
  planId: string;
  timeZone: string;
  batches: BatchLine[];
  command: string;
}): SlackMessage {
  const lines = input.batches.map((b) =>
    b.jobId
      ? `${when(b.runAt, input.timeZone)} (now): ${plural(b.rows, "row")} — job ${inlineCode(b.jobId, 80)}`
      : `${when(b.runAt, input.timeZone)}: ${plural(b.rows, "row")} — batch ${inlineCode(b.id, 80)}`,
  );
  const body = fitLines(lines, 2800, (left) => `…and ${plural(left, "more batch", "more batches")}.`);
  const head = `:calendar: *${escapeAndTruncate(title(input.operation), 100)}, dated.* Each date's rows run as a job at that time and report in this thread; each user is checked again then.`;
  return {
    text: escapeAndTruncate(
      `${title(input.operation)} scheduled in ${plural(input.batches.length, "batch", "batches")}.`,
      1000,
    ),
    blocks: [
      section(head),
      section(body),
      context(
        `Plan ${inlineCode(input.planId, 80)} · see or cancel with ${inlineCode(`${input.command} scheduled`, 80)} before it runs.`,
      ),
    ],
  };
}

/** `usersBudget`: characters for the user list, so a whole list stays under Slack's 11,000 per message. */
function batchSection(b: BatchLine, timeZone: string, withButton: boolean, usersBudget = 500): KnownBlock {
  const users = escapeAndTruncate(b.keys.slice(0, 5).join(", "), usersBudget);
  const more = b.rows > 5 ? `, and ${plural(b.rows - 5, "more")}` : "";
  const text = `${when(b.runAt, timeZone)} · ${escapeAndTruncate(title(b.operation), 100)} of ${plural(b.rows, "user")}: ${users}${more}\nRequested by ${actorTextOf(b.requestedBy)} · ${inlineCode(b.id, 80)}`;
  return {
    type: "section",
    text: mrkdwnText(text, 3000),
    ...(withButton
      ? {
          accessory: {
            type: "button",
            style: "danger",
            text: plainText("Cancel", 75),
            action_id: SCHEDULED_CANCEL_ACTION_ID,
            value: b.id,
            confirm: {
              title: plainText("Cancel this batch?", 100),
              text: mrkdwnText(`${plural(b.rows, "row")} will not run.`),
              confirm: plainText("Cancel it", 30),
              deny: plainText("Keep it", 30),
            },
          },
        }
      : {}),
  } as KnownBlock;
}

/** `/bulkusers scheduled`: what waits, earliest first (at most 20 batches shown, under Slack's 50 blocks). */
export function buildScheduledList(input: {
  timeZone: string;
  batches: BatchLine[];
  command: string;
  canCancel: boolean;
}): SlackMessage {
  if (input.batches.length === 0) {
    return { text: "Nothing is scheduled.", blocks: [section(":calendar: Nothing is scheduled.")] };
  }
  const shown = input.batches.slice(0, 20);
  const blocks: KnownBlock[] = [
    section(
      `:calendar: *Scheduled* (${plural(input.batches.length, "batch", "batches")}, times in ${input.timeZone})`,
    ),
    // ~8,000 characters of user lists in all, whatever the number of batches shown.
    ...shown.map((b) =>
      batchSection(b, input.timeZone, input.canCancel, Math.floor(8000 / shown.length) - 250),
    ),
  ];
  if (input.batches.length > shown.length) {
    blocks.push(
      context(`…and ${plural(input.batches.length - shown.length, "more batch", "more batches")}.`),
    );
  }
  blocks.push(
    context(
      `Cancel one user's rows: ${inlineCode(`${input.command} scheduled cancel name@example.com`, 120)}`,
    ),
  );
  return { text: `${plural(input.batches.length, "scheduled batch", "scheduled batches")}.`, blocks };
}

/** The App Home's "Scheduled" section (no buttons: the list command has them). */
export function buildScheduledHomeBlocks(timeZone: string, batches: BatchLine[]): KnownBlock[] {
  if (batches.length === 0) return [];
  return [
    section(`*Scheduled* (${plural(batches.length, "batch", "batches")})`),
    ...batches.slice(0, 5).map((b) => batchSection(b, timeZone, false)),
  ];
}

/** The preview's "what happens when" (dated plans only). */
export function buildScheduleSummary(
  schedule: Array<{ at: string; rows: number[] }>,
  timeZone: string,
): KnownBlock[] {
  if (schedule.length === 0) return [];
  const lines = schedule.map((g) => `${when(g.at, timeZone)}: ${plural(g.rows.length, "row")}`);
  const body = fitLines(lines, 2500, (left) => `…and ${plural(left, "more date")}.`);
  return [section(`:calendar: *Dated rows* (the others run when you confirm)\n${body}`)];
}
