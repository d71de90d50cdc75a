// Short answers: "sent to your DMs", "no users match", "that job is still running"… One section and an
// optional context line. `mrkdwn` is ours (already escaped where it quotes user data).
import type { KnownBlock, ModalView } from "@slack/types";
import { context, escapeAndTruncate, inlineCode, plainText, type SlackMessage, section } from "./common.ts";
import { NOTICE_VIEW_CALLBACK_ID } from "./ids.ts";

export function buildNoticeMessage(mrkdwn: string, note?: string): SlackMessage {
  const blocks: KnownBlock[] = [section(mrkdwn)];
  if (note !== undefined && note !== "") blocks.push(context(note));
  // The fallback text is the section without mrkdwn markers.
  const text = mrkdwn.replace(/[*_~`]/g, "").replace(/:[a-z0-9_+-]+:\s?/g, "");
  return { text: text.trim() === "" ? "Bulk Users" : text.slice(0, 3000), blocks };
}

/** An error we can explain (a JobError, a refused filter…): message and code, nothing changed. */
export function buildErrorMessage(message: string, code?: string): SlackMessage {
  return buildNoticeMessage(
    `:warning: ${escapeAndTruncate(message, 2000)}`,
    code !== undefined ? `Code ${inlineCode(code, 100)} · nothing was changed` : undefined,
  );
}

/** A message shown as a modal (e.g. a refusal where a modal was expected). Blocks are capped at 100. */
export function buildMessageView(title: string, message: SlackMessage): ModalView {
  return {
    type: "modal",
    callback_id: NOTICE_VIEW_CALLBACK_ID,
    title: plainText(title, 24),
    close: plainText("Close", 24),
    blocks: message.blocks.slice(0, 100),
  };
}

/** Why a channel refused the bot (Slack's error code), in words, and what to do about it. */
const UNREACHABLE: Record<string, { why: string; fix: (channel: string, bot: string) => string }> = {
  not_in_channel: {
    why: "I'm not a member of it",
    fix: (channel, bot) =>
      `Invite me there (type \`/invite\` ${bot} in ${channel}) to get the next reports in it.`,
  },
  channel_not_found: {
    why: "I can't see it (a private channel I was never added to, or it was deleted)",
    fix: (channel, bot) => `If it still exists, invite me there (type \`/invite\` ${bot} in ${channel}).`,
  },
  is_archived: {
    why: "it is archived",
    fix: () => "Unarchive it, or run the command from another channel next time.",
  },
  channel_is_archived: {
    why: "it is archived",
    fix: () => "Unarchive it, or run the command from another channel next time.",
  },
  restricted_action: {
    why: "posting there is restricted",
    fix: () => "Ask a workspace admin to let apps post there, or run the command from another channel.",
  },
  posting_to_channel_denied: {
    why: "only some members may post there",
    fix: () => "Ask a channel manager to let me post, or run the command from another channel.",
  },
};

export interface ReportMovedInput {
  /** The job whose report moved, or (`subject`) anything else: "the inactivity report *Weekly*". */
  jobId?: string;
  /** Our mrkdwn naming what moved, when it is not a job. */
  subject?: string;
  /** The channel the job should have reported in. */
  channelId: string;
  /** Slack's error code for it (not_in_channel, channel_not_found, is_archived…). */
  error: string;
  /** The bot's own user id, for the /invite hint. */
  botUserId?: string;
}

/** First message in the approver's DM when a job's channel refused the bot: which channel, why, what to do. */
export function buildReportMovedMessage(input: ReportMovedInput): SlackMessage {
  const channel = `<#${input.channelId}>`;
  const bot = input.botUserId ? `<@${input.botUserId}>` : "the Bulk Users app";
  const known = UNREACHABLE[input.error];
  const why = known?.why ?? `Slack answered ${inlineCode(input.error, 60)}`;
  const fix =
    known?.fix(channel, bot) ??
    `Invite me there (type \`/invite\` ${bot} in ${channel}), or run the command from another channel.`;
  return buildNoticeMessage(
    input.subject !== undefined
      ? `:mailbox_with_mail: I couldn't post ${input.subject} in ${channel}: ${why}. It comes here instead.`
      : `:mailbox_with_mail: I couldn't post the report of job ${inlineCode(input.jobId ?? "", 80)} in ${channel}: ${why}. Its progress and results come here instead.`,
    fix,
  );
}
