// Answer one user privately, whatever it takes: the response_url first (ephemeral), then
// chat.postEphemeral in the channel, then a DM. An expired response_url (Bolt 5 throws RespondError),
// a channel the bot is not in, or a deleted channel never leaves the user without an answer.
import type { RespondFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "../logger.ts";
import type { SlackMessage } from "./blocks/index.ts";
import { openDm, slackErrorCode } from "./files.ts";

export interface PrivateReply {
  client: WebClient;
  userId: string;
  message: SlackMessage;
  respond?: RespondFn;
  channelId?: string;
  logger?: Logger;
}

function why(error: unknown): string {
  return slackErrorCode(error) ?? (error instanceof Error ? error.message.slice(0, 200) : String(error));
}

export async function replyPrivately(reply: PrivateReply): Promise<"respond" | "ephemeral" | "dm"> {
  const { client, userId, message, logger } = reply;
  if (reply.respond) {
    try {
      await reply.respond({
        response_type: "ephemeral",
        replace_original: false,
        text: message.text,
        blocks: message.blocks,
      });
      return "respond";
    } catch (error) {
      logger?.warn({ userId, error: why(error) }, "response_url failed; trying an ephemeral message");
    }
  }
  if (reply.channelId && !reply.channelId.startsWith("D")) {
    try {
      await client.chat.postEphemeral({
        channel: reply.channelId,
        user: userId,
        text: message.text,
        blocks: message.blocks,
      });
      return "ephemeral";
    } catch (error) {
      logger?.warn({ userId, error: why(error) }, "ephemeral message failed; sending a DM");
    }
  }
  const dm = await openDm(client, userId);
  await client.chat.postMessage({ channel: dm, text: message.text, blocks: message.blocks });
  return "dm";
}
