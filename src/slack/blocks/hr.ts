// The bot's thread reply to a hire list posted in the HR channel: summary + "Review & approve".
import type { KnownBlock } from "@slack/types";
import type { Plan } from "../../core/types.ts";
import {
  context,
  escapeAndTruncate,
  formatNumber,
  inlineCode,
  mentionUser,
  mrkdwnText,
  OPERATION_TITLES,
  plainText,
  plural,
  relativeTime,
  type SlackMessage,
  section,
  slackDate,
} from "./common.ts";
import {
  PENDING_BLOCK_PREFIX,
  REJECT_PLAN_ACTION_ID,
  REVIEW_PLAN_ACTION_ID,
  REVIEW_PLAN_BLOCK_ID,
} from "./ids.ts";
import { formatErrorRow } from "./preview.ts";

export const HR_REPLY_ERRORS_SHOWN = 5;

export interface HrPlanReplyInput {
  plan: Plan;
  planId: string;
  fileName: string;
  /** ISO expiry of the plan. */
  expiresAt: string;
  /** ISO now. */
  now: string;
  /** Slack user who posted the file. */
  uploaderId?: string;
}

export function buildHrPlanReply(input: HrPlanReplyInput): SlackMessage {
  const { plan, planId } = input;
  const { change, skip, error } = plan.summary;
  const file = escapeAndTruncate(input.fileName, 120);
  const by = input.uploaderId !== undefined ? ` from ${mentionUser(input.uploaderId)}` : "";
  const title = OPERATION_TITLES[plan.operation];
  const blocks: KnownBlock[] = [
    section(
      `:inbox_tray: *${file}*${by}: ${title.toLowerCase()}, ${plural(plan.rows.length, "row")} checked.`,
    ),
    {
      type: "section",
      fields: [
        mrkdwnText(`*Will change*\n${formatNumber(change)}`),
        mrkdwnText(`*Skipped*\n${formatNumber(skip)}`),
        mrkdwnText(`*Errors*\n${formatNumber(error)}`),
      ],
    },
  ];
  const errors = plan.rows.filter((r) => r.outcome === "error");
  if (errors.length > 0) {
    // 5 lines of ≤ ~440 characters: always under the section limit.
    const lines = errors.slice(0, HR_REPLY_ERRORS_SHOWN).map(formatErrorRow);
    const hidden = errors.length - lines.length;
    if (hidden > 0) lines.push(`…and ${plural(hidden, "more error")}: the preview lists them all.`);
    const body = lines.join("\n");
    blocks.push(section(`*First errors*\n${body}`));
  }
  if (plan.warnings.length > 0) {
    blocks.push(
      context(
        `:warning: ${plural(plan.warnings.length, "warning")} (e.g. ignored columns): see the preview.`,
      ),
    );
  }
  const expired = Date.parse(input.now) >= Date.parse(input.expiresAt);
  if (expired) {
    blocks.push(section(":hourglass: This plan has expired. Post the file again to get a fresh one."));
  } else if (change === 0) {
    blocks.push(section(":information_source: Nothing to do: no row would change anything."));
  } else {
    blocks.push({
      type: "actions",
      block_id: REVIEW_PLAN_BLOCK_ID,
      elements: [
        {
          type: "button",
          style: "primary",
          text: plainText("Review & approve", 75),
          action_id: REVIEW_PLAN_ACTION_ID,
          value: planId,
        },
        {
          type: "button",
          style: "danger",
          text: plainText("Reject", 75),
          action_id: REJECT_PLAN_ACTION_ID,
          value: planId,
          confirm: {
            title: plainText("Reject this hire list?", 100),
            text: plainText("Nothing is created. The file has to be posted again for a new plan.", 300),
            confirm: plainText("Reject", 30),
            deny: plainText("Keep it", 30),
          },
        },
      ],
    });
  }
  blocks.push({
    ...context(
      `Plan ${inlineCode(planId, 80)} · ${expired ? "expired" : "expires"} ${slackDate(input.expiresAt)} (${relativeTime(input.expiresAt, input.now)}) · nothing changes until someone approves.`,
    ),
    // Only true while the plan waits: dropped when the reply is settled (approved, rejected, expired).
    block_id: `${PENDING_BLOCK_PREFIX}plan`,
  } as KnownBlock);
  const text = `${input.fileName.slice(0, 200)}: ${formatNumber(change)} will change, ${formatNumber(skip)} skipped, ${formatNumber(error)} with errors.`;
  return { text: escapeAndTruncate(text, 1000), blocks };
}
