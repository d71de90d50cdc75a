// Dated operations in Slack: when a dated plan is confirmed (directly or after approval) the "scheduled"
// message goes to the plan's home and becomes the thread every batch reports into; `/bulkusers scheduled
// [cancel <batch|email>]` lists and cancels (admins), with a Cancel button per batch.
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { inArray } from "drizzle-orm";
import type { JobRecord } from "../../directory/schema.ts";
import { jobs as jobsTable } from "../../directory/schema.ts";
import { JobError } from "../../jobs/job-store.ts";
import {
  cancelScheduled,
  listScheduled,
  type ScheduledBatch,
  setBatchThread,
} from "../../jobs/scheduled-rows.ts";
import { isAdmin, refuse, slackActor } from "../auth.ts";
import { buildErrorMessage, escapeAndTruncate, section } from "../blocks/index.ts";
import {
  type BatchLine,
  buildScheduledList,
  buildScheduledMessage,
  SCHEDULED_CANCEL_ACTION_ID,
} from "../blocks/scheduled.ts";
import type { SlackCommandHandler, SlackDeps } from "../deps.ts";
import { openDm } from "../files.ts";
import { replyPrivately } from "../reply.ts";

type ButtonBody = BlockAction<ButtonAction>;

/**
 * Posts the "scheduled" message where the plan reports (its thread, else a new thread), points every batch
 * (and the jobs made now for rows due now) at that thread, then lets the worker run them.
 */
export async function announceScheduled(
  deps: SlackDeps,
  client: WebClient,
  input: {
    planId: string;
    operation: string;
    batches: ScheduledBatch[];
    jobs: JobRecord[];
    home: { channel: string; threadTs?: string };
  },
): Promise<void> {
  const counts = await listScheduled(deps.engine.db, { limit: 1000 });
  const pendingOf = new Map(counts.map((c) => [c.batch.id, c]));
  const jobOf = new Map(input.jobs.map((j) => [j.id, j]));
  const lines: BatchLine[] = input.batches.map((b) => ({
    id: b.id,
    operation: b.operation,
    runAt: new Date(b.runAt).toISOString(),
    rows: pendingOf.get(b.id)?.pending ?? (b.jobId ? (jobOf.get(b.jobId)?.total ?? 0) : 0),
    keys: pendingOf.get(b.id)?.keys ?? [],
    requestedBy: b.requestedBy,
    jobId: b.jobId,
  }));
  const message = buildScheduledMessage({
    operation: input.operation,
    planId: input.planId,
    timeZone: deps.engine.timeZone ?? "UTC",
    batches: lines,
    command: deps.command,
  });
  try {
    const posted = await client.chat.postMessage({
      channel: input.home.channel,
      text: message.text,
      blocks: message.blocks,
      ...(input.home.threadTs ? { thread_ts: input.home.threadTs } : {}),
    });
    const threadTs = input.home.threadTs ?? posted.ts;
    if (threadTs) {
      await setBatchThread(deps.engine.db, input.planId, { channel: input.home.channel, threadTs });
      // Jobs made just now for rows due now report in the same thread (they have not reported yet).
      if (input.jobs.length) {
        await deps.engine.db
          .update(jobsTable)
          .set({ slackChannel: input.home.channel, slackThreadTs: threadTs })
          .where(
            inArray(
              jobsTable.id,
              input.jobs.map((j) => j.id),
            ),
          );
      }
    }
  } catch (error) {
    deps.logger.error({ err: error, planId: input.planId }, "could not post the scheduled message");
  }
  deps.worker?.wake();
}

async function batchLines(deps: SlackDeps): Promise<BatchLine[]> {
  const list = await listScheduled(deps.engine.db);
  return list.map((e) => ({
    id: e.batch.id,
    operation: e.batch.operation,
    runAt: new Date(e.batch.runAt).toISOString(),
    rows: e.pending,
    keys: e.keys,
    requestedBy: e.batch.requestedBy,
  }));
}

async function cancel(deps: SlackDeps, userId: string, target: string): Promise<string> {
  try {
    const { cancelled } = await cancelScheduled(deps.engine.db, {
      target,
      actor: slackActor(userId),
      source: "slack",
      now: deps.engine.clock(),
    });
    const keys = cancelled
      .slice(0, 10)
      .map((c) => escapeAndTruncate(c.key, 200))
      .join(", ");
    return `:wastebasket: Cancelled ${cancelled.length} scheduled row(s): ${keys}${cancelled.length > 10 ? ", …" : ""}. They will not run.`;
  } catch (error) {
    if (error instanceof JobError) return escapeAndTruncate(error.message, 2000);
    throw error;
  }
}

/** `/bulkusers scheduled` and `/bulkusers scheduled cancel <batch|email>`. */
export function scheduledCommandHandler(deps: SlackDeps): SlackCommandHandler {
  return {
    words: ["scheduled"],
    async handleCommand({ rest, userId, channelId, client, respond }) {
      const reply = async (message: { text: string; blocks?: unknown[] }) =>
        replyPrivately({
          client,
          userId,
          message: message as Parameters<typeof replyPrivately>[0]["message"],
          logger: deps.logger,
          channelId,
          ...(respond ? { respond } : {}),
        });
      if (!isAdmin(deps.config.slack, userId)) {
        await reply(
          await refuse(
            { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
            {
              userId,
              attempted: "see or cancel scheduled work",
              details: { command: "scheduled" },
              channelId,
            },
          ),
        );
        return;
      }
      const [word, target] = rest.trim().split(/\s+/);
      if (word?.toLowerCase() === "cancel") {
        if (!target) {
          await reply(
            buildErrorMessage(`Say what to cancel: ${deps.command} scheduled cancel <batch id or e-mail>.`),
          );
          return;
        }
        const text = await cancel(deps, userId, target.replace(/^<mailto:[^|]+\|(.+)>$/, "$1"));
        await reply({ text, blocks: [section(text)] });
        return;
      }
      await reply(
        buildScheduledList({
          timeZone: deps.engine.timeZone ?? "UTC",
          batches: await batchLines(deps),
          command: deps.command,
          canCancel: true,
        }),
      );
    },
  };
}

export function registerScheduled(app: App, deps: SlackDeps): void {
  app.action<ButtonBody>(SCHEDULED_CANCEL_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    await ack();
    const userId = body.user.id;
    const channelId = body.channel?.id;
    if (!isAdmin(deps.config.slack, userId)) {
      const message = await refuse(
        { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
        { userId, attempted: "cancel scheduled work", details: { action: SCHEDULED_CANCEL_ACTION_ID } },
      );
      await replyPrivately({ client, userId, message, logger: deps.logger });
      return;
    }
    const text = await cancel(deps, userId, action.value ?? "");
    const list = buildScheduledList({
      timeZone: deps.engine.timeZone ?? "UTC",
      batches: await batchLines(deps),
      command: deps.command,
      canCancel: true,
    });
    const blocks = [section(text), ...list.blocks];
    // The list was an ephemeral answer: replace it in place; otherwise tell the user by DM.
    try {
      await respond({ replace_original: true, response_type: "ephemeral", text, blocks });
    } catch {
      const dm = channelId?.startsWith("D") ? channelId : await openDm(client, userId);
      await client.chat.postMessage({ channel: dm, text, blocks });
    }
  });
}
