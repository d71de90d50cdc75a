// Messages whose buttons start work (the HR thread's "Review & approve", an inactivity report's "Deactivate
// these N" / "Approve") must tell the truth afterwards. The plan such a button leads to remembers where the
// message is (plans.context.buttonOrigin: channel, ts, and the message as it was minus its buttons); when the
// plan runs, is rejected or expires, the message is edited (chat.update) to say so — who, when, which job —
// and its buttons are gone. Each plan settles its message once (context.buttonSettled).
import type { BlockAction } from "@slack/bolt";
import type { KnownBlock } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { plans } from "../directory/schema.ts";
import { updatePlanContext } from "../jobs/plan-store.ts";
import type { Engine } from "../jobs/service.ts";
import type { Logger } from "../logger.ts";
import {
  context as contextBlock,
  inlineCode,
  mentionUser,
  PENDING_BLOCK_PREFIX,
  type SlackMessage,
  slackDate,
} from "./blocks/index.ts";
import { slackErrorCode } from "./files.ts";

export interface ButtonOrigin {
  channel: string;
  ts: string;
  /** The message's fallback text and blocks as posted, without its actions blocks. */
  text: string;
  blocks: KnownBlock[];
}

export type ButtonOutcome =
  | { kind: "approved"; by: string; at: string; jobId: string }
  | { kind: "rejected"; by: string; at: string }
  | { kind: "expired"; at: string };

/** Room for the status line under Slack's 50 blocks per message. */
const MAX_KEPT_BLOCKS = 48;

/** The message as it stays: no buttons, and no line that was only true while the plan waited. */
function withoutButtons(blocks: readonly unknown[]): KnownBlock[] {
  return (blocks as KnownBlock[])
    .filter((b) => b.type !== "actions" && !(b.block_id ?? "").startsWith(PENDING_BLOCK_PREFIX))
    .slice(0, MAX_KEPT_BLOCKS);
}

/** Where a message we are about to leave buttons in lives (we just posted it). */
export function originOfPost(channel: string, ts: string, message: SlackMessage): ButtonOrigin {
  return { channel, ts, text: message.text, blocks: withoutButtons(message.blocks) };
}

/** The message a button was clicked in (block_actions carry the whole message). */
export function originOfClick(body: BlockAction): ButtonOrigin | null {
  const message = (body as { message?: { ts?: string; text?: string; blocks?: unknown[] } }).message;
  const channel = body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id;
  if (!message?.ts || !channel) return null;
  return {
    channel,
    ts: message.ts,
    text: message.text ?? "Bulk Users",
    blocks: withoutButtons(message.blocks ?? []),
  };
}

/** The line that replaces the buttons. */
export function outcomeLine(outcome: ButtonOutcome, command = "/bulkusers"): string {
  switch (outcome.kind) {
    case "approved":
      return `:white_check_mark: *Approved* by ${mentionUser(outcome.by)} ${slackDate(outcome.at)} · job ${inlineCode(outcome.jobId, 80)} (progress and results in its thread; \`${command} status ${outcome.jobId}\`).`;
    case "rejected":
      return `:no_entry_sign: *Rejected* by ${mentionUser(outcome.by)} ${slackDate(outcome.at)}; nothing was changed.`;
    case "expired":
      return `:hourglass: *Expired* ${slackDate(outcome.at)} without approval; nothing was changed. Post the file or run the report again for a fresh plan.`;
  }
}

export function settledMessage(origin: ButtonOrigin, outcome: ButtonOutcome, command?: string): SlackMessage {
  const line = outcomeLine(outcome, command);
  const blocks = origin.blocks.length > 0 ? [...origin.blocks] : [];
  blocks.push(contextBlock(line));
  const status = outcome.kind === "approved" ? "approved" : outcome.kind;
  return { text: `${origin.text.slice(0, 2900)} (${status})`, blocks };
}

/** Remembers the message of a plan's button (after posting it, or when its button was clicked). */
export async function rememberOrigin(engine: Engine, planId: string, origin: ButtonOrigin): Promise<void> {
  await updatePlanContext(engine.db, planId, { buttonOrigin: origin });
}

function originIn(context: Record<string, unknown>): ButtonOrigin | null {
  const o = context.buttonOrigin as Partial<ButtonOrigin> | undefined;
  if (!o || typeof o.channel !== "string" || typeof o.ts !== "string") return null;
  return {
    channel: o.channel,
    ts: o.ts,
    text: typeof o.text === "string" ? o.text : "Bulk Users",
    blocks: Array.isArray(o.blocks) ? (o.blocks as KnownBlock[]) : [],
  };
}

export interface SettleDeps {
  client: WebClient;
  engine: Engine;
  logger?: Logger;
  command?: string;
}

/**
 * Edits the message behind a plan's button to say what became of it, once. Also settles the message the plan
 * came from (an inactivity report's plan, `context.reportPlanId`). Never throws: the work itself is done.
 */
export async function settleButtons(deps: SettleDeps, planId: string, outcome: ButtonOutcome): Promise<void> {
  const { engine, client, logger } = deps;
  try {
    const [row] = await engine.db.select({ context: plans.context }).from(plans).where(eq(plans.id, planId));
    if (!row) return;
    const ids = [planId];
    if (typeof row.context.reportPlanId === "string") ids.push(row.context.reportPlanId);
    for (const id of ids) {
      // Claim first (one instance, one edit): only the plan whose buttonSettled was unset goes on.
      const claimed = await engine.db
        .update(plans)
        .set({ context: sql`${plans.context} || ${JSON.stringify({ buttonSettled: outcome.kind })}::jsonb` })
        .where(
          and(
            eq(plans.id, id),
            sql`${plans.context} ? 'buttonOrigin'`,
            sql`not (${plans.context} ? 'buttonSettled')`,
          ),
        )
        .returning({ context: plans.context });
      const origin = claimed[0] ? originIn(claimed[0].context) : null;
      if (!origin) continue;
      const message = settledMessage(origin, outcome, deps.command);
      try {
        await client.chat.update({
          channel: origin.channel,
          ts: origin.ts,
          text: message.text,
          blocks: message.blocks,
        });
      } catch (error) {
        logger?.warn(
          { planId: id, error: slackErrorCode(error) },
          "could not update the message of a settled plan",
        );
      }
    }
  } catch (error) {
    logger?.error({ err: error, planId }, "settling a plan's buttons failed");
  }
}

/**
 * Rejects a pending, unexpired plan (status cancelled: it can no longer be confirmed). False when it was not
 * pending any more (approved, expired or rejected meanwhile): the caller answers that instead.
 */
export async function rejectPlan(engine: Engine, planId: string): Promise<boolean> {
  const now = engine.clock().toISOString();
  const rejected = await engine.db
    .update(plans)
    .set({ status: "cancelled", secrets: null })
    .where(and(eq(plans.id, planId), eq(plans.status, "pending"), sql`${plans.expiresAt} > ${now}`))
    .returning({ id: plans.id });
  return rejected.length > 0;
}

/** Marks pending plans past their expiry expired, and settles the messages of those that left buttons. */
export async function sweepExpiredButtons(deps: SettleDeps): Promise<number> {
  const now = deps.engine.clock();
  const expired = await deps.engine.db
    .select({ id: plans.id, expiresAt: plans.expiresAt })
    .from(plans)
    .where(
      and(
        inArray(plans.status, ["pending", "expired"]),
        lt(plans.expiresAt, now.toISOString()),
        sql`${plans.context} ? 'buttonOrigin'`,
        sql`not (${plans.context} ? 'buttonSettled')`,
      ),
    )
    .limit(100);
  for (const plan of expired) {
    await settleButtons(deps, plan.id, { kind: "expired", at: new Date(plan.expiresAt).toISOString() });
  }
  return expired.length;
}
