// Events (auto-acked by Bolt before these run).
// - HR uploads: a `message` event with subtype `file_share` in BULKUSERS_HR_CHANNEL. Deduplicated on the
//   envelope's event_id (processed_events), so Slack's retries (X-Slack-Retry-Num) and redeliveries run once.
//   HR users and admins: each CSV is downloaded, planned as `create` (a hire list; updates go through
//   `/bulkusers update`), and answered in the file's thread with the summary and a Review & approve button.
//   Files are judged after files.info (Slack Connect channels send stubs without a name or type).
//   Non-CSV files get a polite note in the thread. Anyone else posting a CSV there gets an ephemeral
//   refusal (audited); their other files are ignored (it is a conversation channel).
// - app_home_opened: publish the Home tab.
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { processedEvents } from "../../directory/schema.ts";
import { planFile } from "../../jobs/service.ts";
import { mayUploadInHrChannel, refuse, slackActor } from "../auth.ts";
import {
  buildFileRefusalMessage,
  buildHrPlanReply,
  buildNoticeMessage,
  escapeAndTruncate,
  type SlackMessage,
} from "../blocks/index.ts";
import { originOfPost, rememberOrigin } from "../button-messages.ts";
import type { SlackDeps } from "../deps.ts";
import {
  downloadSlackFile,
  isCsvLike,
  isFileStub,
  resolveFile,
  SlackFileError,
  type SlackFileMeta,
} from "../files.ts";
import { publishHome } from "../surfaces.ts";

interface FileShareEvent {
  type: "message";
  subtype?: string;
  channel: string;
  user?: string;
  bot_id?: string;
  ts: string;
  thread_ts?: string;
  files?: SlackFileMeta[];
}

/**
 * The event's file objects as files.info tells them: in Slack Connect channels they are stubs without name or
 * type. A stub files.info cannot resolve stays a stub and goes on to the download, which explains the error.
 */
async function resolveFiles(
  deps: SlackDeps,
  client: WebClient,
  files: SlackFileMeta[],
): Promise<SlackFileMeta[]> {
  return Promise.all(
    files.map((file) =>
      resolveFile(client, file).catch((error: unknown) => {
        deps.logger.warn({ err: error, fileId: file.id }, "files.info could not resolve a shared file");
        return file;
      }),
    ),
  );
}

/** True the first time an event id is seen (across instances: the insert is the lock). */
export async function firstDelivery(deps: SlackDeps, eventId: string | undefined): Promise<boolean> {
  if (!eventId) return true;
  const inserted = await deps.engine.db
    .insert(processedEvents)
    .values({ eventId, receivedAt: deps.engine.clock().toISOString() })
    .onConflictDoNothing()
    .returning({ eventId: processedEvents.eventId });
  return inserted.length > 0;
}

/** Posts in a thread; returns the new message's ts. */
async function postInThread(
  client: WebClient,
  channel: string,
  threadTs: string,
  message: SlackMessage,
): Promise<string | undefined> {
  const posted = await client.chat.postMessage({
    channel,
    thread_ts: threadTs,
    text: message.text,
    blocks: message.blocks,
    unfurl_links: false,
  });
  return posted.ts;
}

async function planHrFile(
  deps: SlackDeps,
  client: WebClient,
  event: FileShareEvent,
  file: { id: string; name?: string },
  threadTs: string,
  eventId: string | undefined,
): Promise<void> {
  const userId = event.user ?? "";
  let name = file.name ?? "hire-list.csv";
  try {
    const downloaded = await downloadSlackFile(
      client,
      deps.botToken,
      file.id,
      deps.fetch ? { fetch: deps.fetch } : {},
    );
    name = downloaded.name;
    const planned = await planFile(deps.engine, {
      operation: "create",
      bytes: downloaded.bytes,
      fileName: name,
      source: "slack",
      actor: slackActor(userId),
      context: {
        channel: event.channel,
        threadTs,
        userId,
        fileId: file.id,
        ...(eventId ? { eventId } : {}),
      },
    });
    if (!planned.ok) {
      await postInThread(
        client,
        event.channel,
        threadTs,
        buildFileRefusalMessage({
          refusal: planned.refusal,
          fileName: name,
          operation: "create",
          command: deps.command,
        }),
      );
      return;
    }
    const { stored } = planned;
    const reply = buildHrPlanReply({
      plan: stored.plan,
      planId: stored.id,
      fileName: name,
      expiresAt: stored.expiresAt,
      now: deps.engine.clock().toISOString(),
      uploaderId: userId,
    });
    const ts = await postInThread(client, event.channel, threadTs, reply);
    // Its Review & approve button must tell the truth later: the plan remembers where the reply is.
    if (ts) await rememberOrigin(deps.engine, stored.id, originOfPost(event.channel, ts, reply));
  } catch (error) {
    const message =
      error instanceof SlackFileError
        ? buildFileRefusalMessage({
            refusal: { code: error.code, message: error.message },
            fileName: name,
            command: deps.command,
          })
        : buildNoticeMessage(
            `:warning: Something went wrong on my side while reading *${escapeAndTruncate(name, 120)}*; nothing was changed. Post it again in a moment.`,
          );
    if (!(error instanceof SlackFileError))
      deps.logger.error({ err: error, fileId: file.id }, "HR upload failed");
    await postInThread(client, event.channel, threadTs, message).catch((e: unknown) =>
      deps.logger.error({ err: e }, "could not answer in the HR thread"),
    );
  }
}

function registerHrUploads(app: App, deps: SlackDeps): void {
  app.event("message", async ({ event, body, client, context }) => {
    const message = event as unknown as FileShareEvent;
    const hrChannel = deps.config.slack.hrChannel;
    if (message.subtype !== "file_share" || !hrChannel || message.channel !== hrChannel) return;
    if (message.bot_id || !message.user) return;
    const eventId = (body as { event_id?: string }).event_id;
    if (!(await firstDelivery(deps, eventId))) {
      deps.logger.info(
        { eventId, retryNum: context.retryNum, retryReason: context.retryReason },
        "duplicate event dropped",
      );
      return;
    }
    const files = await resolveFiles(deps, client, message.files ?? []);
    const csvs = files.filter((f) => isFileStub(f) || isCsvLike(f));
    const threadTs = message.thread_ts ?? message.ts;
    if (!mayUploadInHrChannel(deps.config.slack, message.user)) {
      if (csvs.length === 0) return;
      const refusal = await refuse(
        { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
        {
          userId: message.user,
          attempted: "start an import from the HR channel",
          details: { event: "hr_upload", files: csvs.map((f) => f.id) },
          channelId: message.channel,
          hrMayDoThis: false,
        },
      );
      await client.chat
        .postEphemeral({
          channel: message.channel,
          user: message.user,
          text: refusal.text,
          blocks: refusal.blocks,
        })
        .catch((error: unknown) => deps.logger.warn({ err: error }, "could not post the refusal"));
      return;
    }
    if (csvs.length === 0) {
      await postInThread(
        client,
        message.channel,
        threadTs,
        buildNoticeMessage(
          ":page_facing_up: I can only read CSV files (.csv or .txt) and Excel workbooks (.xlsx). Save the hire list as one of those and post it here again.",
        ),
      ).catch((error: unknown) => deps.logger.warn({ err: error }, "could not answer in the HR thread"));
      return;
    }
    for (const file of csvs) await planHrFile(deps, client, message, file, threadTs, eventId);
  });
}

function registerHome(app: App, deps: SlackDeps): void {
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    try {
      await publishHome(client, deps.engine, deps.config.slack, event.user, deps.command);
    } catch (error) {
      deps.logger.error({ err: error }, "could not publish the Home tab");
    }
  });
}

export function registerEvents(app: App, deps: SlackDeps): void {
  registerHrUploads(app, deps);
  registerHome(app, deps);
}
