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
