// Refusals: a file we will not process (nothing changed), and a user who may not do what they asked.
import type { KnownBlock, ModalView } from "@slack/types";
import type { Operation, Refusal } from "../../core/types.ts";
import {
  context,
  escapeAndTruncate,
  inlineCode,
  mentionChannel,
  mentionUser,
  plainText,
  type SlackMessage,
  section,
} from "./common.ts";
import { NOTICE_VIEW_CALLBACK_ID } from "./ids.ts";

export interface FileRefusalInput {
  refusal: Refusal;
  fileName?: string;
  operation?: Operation;
  command?: string;
}

function refusalLines(input: FileRefusalInput): { headline: string; ctx: string } {
  const command = input.command ?? "/bulkusers";
  const file = input.fileName !== undefined ? `*${escapeAndTruncate(input.fileName, 120)}*` : "the file";
  const headline = `:no_entry: I couldn't use ${file}: ${escapeAndTruncate(input.refusal.message, 2000)}`;
  const template =
    input.operation !== undefined ? ` · template: \`${command} template ${input.operation}\`` : "";
  const ctx = `Code ${inlineCode(input.refusal.code, 100)} · nothing was changed${template}`;
  return { headline, ctx };
}

/** The reason and the code, as blocks (a message, a notice modal, or on top of the operation modal). */
export function fileRefusalBlocks(input: FileRefusalInput): KnownBlock[] {
  const { headline, ctx } = refusalLines(input);
  return [section(headline), context(ctx)];
}

export function buildFileRefusalMessage(input: FileRefusalInput): SlackMessage {
  return {
    text: escapeAndTruncate(`File refused (${input.refusal.code}): ${input.refusal.message}`, 3000),
    blocks: fileRefusalBlocks(input),
  };
}

/** The same refusal, as the modal that replaces "Reading your file…". */
export function buildFileRefusalView(input: FileRefusalInput): ModalView {
  return {
    type: "modal",
    callback_id: NOTICE_VIEW_CALLBACK_ID,
    title: plainText("File not accepted", 24),
    close: plainText("Close", 24),
    blocks: fileRefusalBlocks(input),
  };
}

/** A modal for an unexpected failure (the message must be user-facing; never a stack trace). */
export function buildNoticeView(title: string, message: string): ModalView {
  return {
    type: "modal",
    callback_id: NOTICE_VIEW_CALLBACK_ID,
    title: plainText(title, 24),
    close: plainText("Close", 24),
    blocks: [section(escapeAndTruncate(message, 2900))],
  };
}

export interface NotAuthorisedInput {
  /** What they tried, in words: e.g. "run delete", "approve this plan". */
  attempted: string;
  /** BULKUSERS_ADMINS. */
  adminIds: readonly string[];
  /** BULKUSERS_HR_USERS and BULKUSERS_HR_CHANNEL: mentioned when HR could have done it. */
  hrUserIds?: readonly string[];
  hrChannelId?: string;
  /** The attempt was for something HR may do (create/update in the HR channel). */
  hrMayDoThis?: boolean;
}

const MAX_NAMED = 5;

function people(ids: readonly string[]): string {
  const named = ids.slice(0, MAX_NAMED).map(mentionUser);
  const more = ids.length - named.length;
  return more > 0 ? `${named.join(", ")} and ${more} more` : named.join(", ");
}

export function buildNotAuthorisedMessage(input: NotAuthorisedInput): SlackMessage {
  const attempted = escapeAndTruncate(input.attempted, 200);
  const lines = [`:lock: Sorry, you aren't allowed to ${attempted}.`];
  lines.push(
    input.adminIds.length > 0
      ? `Bulk Users admins can do everything: ${people(input.adminIds)}. Ask one of them to do it or to add you.`
      : "No admins are configured yet (BULKUSERS_ADMINS).",
  );
  if (input.hrMayDoThis) {
    const where =
      input.hrChannelId !== undefined ? ` in ${mentionChannel(input.hrChannelId)}` : " in the HR channel";
    const who = input.hrUserIds && input.hrUserIds.length > 0 ? ` (${people(input.hrUserIds)})` : "";
    lines.push(`HR members${who} may upload hire lists and approve creates and updates${where}.`);
  }
  return {
    text: `Sorry, you aren't allowed to ${attempted}.`,
    blocks: [section(lines.join("\n")), context("This attempt was recorded in the audit log.")],
  };
}
