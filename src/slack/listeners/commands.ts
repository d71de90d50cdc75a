// `/bulkusers …`: parse the text, check who may, call the engine, answer with a builder. Always ack at once;
// anything that opens a modal does so first thing (trigger_id lives ~3 s), before slow work.
import type { App, RespondFn, SlashCommand } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { desc } from "drizzle-orm";
import { parseFilter } from "../../core/filter.ts";
import { OPERATION_DEFINITIONS } from "../../core/operations/index.ts";
import { isOperation, OPERATIONS, type Operation } from "../../core/types.ts";
import { buildUndoFile } from "../../core/undo.ts";
import { exportCsv, selectUsers } from "../../directory/export.ts";
import { groups, licenses, schedules } from "../../directory/schema.ts";
import { getJob, isFinished, listJobItems } from "../../jobs/job-store.ts";
import { planFile } from "../../jobs/service.ts";
import { isAdmin, mayDownloadTemplates, mayStartOperation, refuse, slackActor } from "../auth.ts";
import {
  buildErrorMessage,
  buildFileRefusalView,
  buildHelpMessage,
  buildLoadingView,
  buildNoticeMessage,
  buildNoticeView,
  buildOperationModal,
  buildSelectModal,
  escapeAndTruncate,
  formatNumber,
  inlineCode,
  plural,
  type SlackMessage,
} from "../blocks/index.ts";
import type { SlackCommandHandler, SlackDeps } from "../deps.ts";
import { openDm, uploadCsv } from "../files.ts";
import { renderPreview } from "../preview.ts";
import { replyPrivately } from "../reply.ts";
import { jobStatusMessage, jobsListMessage, normaliseJobId, sendTemplate } from "../surfaces.ts";

interface CommandContext {
  deps: SlackDeps;
  client: WebClient;
  respond: RespondFn;
  command: SlashCommand;
  userId: string;
  channelId: string;
  /** The text after the subcommand, as typed. */
  rest: string;
}

/** "create foo bar" → { sub: "create", rest: "foo bar" }. */
export function parseCommandText(text: string): { sub: string; rest: string } {
  const trimmed = text.trim();
  const match = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
  if (!match) return { sub: "", rest: "" };
  return { sub: (match[1] ?? "").toLowerCase(), rest: (match[2] ?? "").trim() };
}

async function reply(ctx: CommandContext, message: SlackMessage): Promise<void> {
  await replyPrivately({
    client: ctx.client,
    userId: ctx.userId,
    channelId: ctx.channelId,
    respond: ctx.respond,
    message,
    logger: ctx.deps.logger,
  });
}

async function refuseCommand(ctx: CommandContext, sub: string, attempted: string, hrMayDoThis = false) {
  const message = await refuse(
    { db: ctx.deps.engine.db, config: ctx.deps.config.slack, logger: ctx.deps.logger },
    {
      userId: ctx.userId,
      attempted,
      details: { command: `${ctx.command.command} ${sub}`.trim() },
      channelId: ctx.channelId,
      hrMayDoThis,
    },
  );
  await reply(ctx, message);
}

/** Opens the "Reading…" modal at once; returns its id and hash for the views.update that follows. */
async function openLoading(ctx: CommandContext, message: string, title?: string) {
  const opened = await ctx.client.views.open({
    trigger_id: ctx.command.trigger_id,
    view: buildLoadingView({ message, ...(title ? { title } : {}) }),
  });
  const view = opened.view;
  if (!view?.id) throw new Error("views.open returned no view");
  return { id: view.id, hash: view.hash };
}

async function updateView(
  ctx: CommandContext,
  opened: { id: string; hash?: string },
  view: Parameters<WebClient["views"]["update"]>[0]["view"],
) {
  await ctx.client.views.update({ view_id: opened.id, ...(opened.hash ? { hash: opened.hash } : {}), view });
}

async function openOperation(ctx: CommandContext, operation: Operation): Promise<void> {
  const { deps } = ctx;
  if (!mayStartOperation(deps.config.slack, ctx.userId, operation, ctx.channelId)) {
    const hrMay = (["create", "update"] as Operation[]).includes(operation);
    await refuseCommand(ctx, operation, `run ${operation}`, hrMay);
    return;
  }
  await ctx.client.views.open({
    trigger_id: ctx.command.trigger_id,
    view: buildOperationModal({
      operation,
      templateColumns: OPERATION_DEFINITIONS[operation].templateColumns,
      maxRows: deps.engine.limits.maxRows,
      command: deps.command,
      channelId: ctx.channelId,
    }),
  });
}

async function select(ctx: CommandContext): Promise<void> {
  const { deps } = ctx;
  if (!isAdmin(deps.config.slack, ctx.userId))
    return refuseCommand(ctx, "select", "act on a selection of users");
  if (ctx.rest === "") {
    await reply(
      ctx,
      buildNoticeMessage(
        `Give a filter: ${inlineCode(`${deps.command} select department:Sales inactive:>90d`)}. \`${deps.command} help\` lists the filter keys.`,
      ),
    );
    return;
  }
  const parsed = parseFilter(ctx.rest);
  if (!parsed.ok) {
    await reply(ctx, buildErrorMessage(parsed.refusal.message, parsed.refusal.code));
    return;
  }
  const opened = await openLoading(ctx, "Finding the users…", "Act on a selection");
  try {
    const { db } = deps.engine;
    const max = deps.engine.limits.maxRows;
    const users = await selectUsers(db, parsed.filter, deps.engine.clock(), { limit: max });
    if (users.length === 0) {
      await updateView(
        ctx,
        opened,
        buildNoticeView("No users match", `Nothing matches the filter ${ctx.rest}. Nothing was changed.`),
      );
      return;
    }
    const [licenseRows, groupRows] = [
      await db.select({ sku: licenses.sku }).from(licenses).orderBy(licenses.sku).limit(50),
      await db.select({ name: groups.name }).from(groups).orderBy(groups.name).limit(50),
    ];
    await updateView(
      ctx,
      opened,
      buildSelectModal({
        filter: ctx.rest,
        matched: users.length,
        maxRows: max,
        licenses: licenseRows.map((l) => l.sku),
        groups: groupRows.map((g) => g.name),
        channelId: ctx.channelId,
      }),
    );
  } catch (error) {
    deps.logger.error({ err: error }, "select failed");
    await updateView(
      ctx,
      opened,
      buildNoticeView("Something went wrong", "I couldn't run that filter. Try again."),
    );
  }
}

async function exportUsers(ctx: CommandContext): Promise<void> {
  const { deps } = ctx;
  if (!isAdmin(deps.config.slack, ctx.userId)) return refuseCommand(ctx, "export", "export users");
  const parsed = parseFilter(ctx.rest);
  if (!parsed.ok) {
    await reply(ctx, buildErrorMessage(parsed.refusal.message, parsed.refusal.code));
    return;
  }
  const users = await selectUsers(deps.engine.db, parsed.filter, deps.engine.clock());
  const dm = await openDm(ctx.client, ctx.userId);
  const stamp = deps.engine.clock().toISOString().slice(0, 10);
  const what = ctx.rest === "" ? "all users" : `users matching ${ctx.rest}`;
  await uploadCsv(ctx.client, {
    channel: dm,
    filename: `users-${stamp}.csv`,
    title: `Export: ${what}`.slice(0, 200),
    bytes: exportCsv(users),
    initialComment:
      `Export of ${what}: ${users.length} users. Edit it and upload it with ${deps.command} update to change them.`.slice(
        0,
        3000,
      ),
  });
  await reply(
    ctx,
    buildNoticeMessage(
      `:outbox_tray: I sent you ${plural(users.length, "user")} as a CSV by DM${ctx.rest ? ` (filter ${inlineCode(ctx.rest, 300)})` : ""}.`,
    ),
  );
}

async function template(ctx: CommandContext): Promise<void> {
  const { deps } = ctx;
  if (!mayDownloadTemplates(deps.config.slack, ctx.userId))
    return refuseCommand(ctx, "template", "download templates");
  const requested = (ctx.rest.split(/\s+/)[0] ?? "").toLowerCase();
  const operation: Operation | null = requested === "" ? "create" : isOperation(requested) ? requested : null;
  if (!operation) {
    await reply(
      ctx,
      buildNoticeMessage(
        `I don't know the operation ${inlineCode(requested, 80)}. Templates exist for: ${OPERATIONS.map((o) => `\`${o}\``).join(", ")}.`,
      ),
    );
    return;
  }
  await sendTemplate(ctx.client, ctx.userId, operation, deps.command);
  await reply(
    ctx,
    buildNoticeMessage(
      `:page_facing_up: I sent you the *${operation}* template by DM.${requested === "" ? ` Other operations: \`${deps.command} template &lt;operation&gt;\`.` : ""}`,
    ),
  );
}

async function undo(ctx: CommandContext): Promise<void> {
  const { deps } = ctx;
  if (!isAdmin(deps.config.slack, ctx.userId)) return refuseCommand(ctx, "undo", "undo a job");
  const jobId = normaliseJobId(ctx.rest);
  if (jobId === "") {
    await reply(
      ctx,
      buildNoticeMessage(`Which job? \`${deps.command} undo job_…\` (see \`${deps.command} jobs\`).`),
    );
    return;
  }
  // The modal first: reading the job's items can take longer than the trigger_id lives.
  const opened = await openLoading(ctx, "Preparing the undo…", "Undo a job");
  try {
    const job = await getJob(deps.engine.db, jobId);
    if (!job) {
      await updateView(ctx, opened, buildNoticeView("No such job", `I can't find a job ${jobId}.`));
      return;
    }
    if (!isFinished(job)) {
      await updateView(
        ctx,
        opened,
        buildNoticeView("Job not finished", `Job ${jobId} is ${job.status}: wait until it has finished.`),
      );
      return;
    }
    const operation = isOperation(job.operation) ? job.operation : null;
    const undoFile = operation
      ? buildUndoFile(operation, await listJobItems(deps.engine.db, jobId))
      : { ok: false as const, refusal: { code: "undo.unsupported", message: "Unknown operation." } };
    if (!undoFile.ok) {
      await updateView(
        ctx,
        opened,
        buildFileRefusalView({ refusal: undoFile.refusal, command: deps.command }),
      );
      return;
    }
    const planned = await planFile(deps.engine, {
      operation: undoFile.operation,
      bytes: undoFile.bytes,
      fileName: `undo-${jobId}.csv`,
      source: "slack",
      actor: slackActor(ctx.userId),
      context: { channel: ctx.channelId, userId: ctx.userId, undoOf: jobId },
    });
    if (!planned.ok) {
      await updateView(
        ctx,
        opened,
        buildFileRefusalView({ refusal: planned.refusal, operation: undoFile.operation }),
      );
      return;
    }
    const preview = await renderPreview(deps.engine, planned.stored.id, 0);
    if (preview) await updateView(ctx, opened, preview.view);
  } catch (error) {
    deps.logger.error({ err: error, jobId }, "undo failed");
    await updateView(
      ctx,
      opened,
      buildNoticeView("Something went wrong", "I couldn't prepare the undo. Try again."),
    );
  }
}

async function listSchedules(ctx: CommandContext): Promise<void> {
  const { deps } = ctx;
  if (!isAdmin(deps.config.slack, ctx.userId)) return refuseCommand(ctx, "schedules", "see schedules");
  const rows = await deps.engine.db.select().from(schedules).orderBy(desc(schedules.createdAt)).limit(20);
  if (rows.length === 0) {
    await reply(
      ctx,
      buildNoticeMessage(
        "No inactive-user schedules yet. Inactive-user deactivation is off until one is configured.",
      ),
    );
    return;
  }
  const lines = rows.map(
    (s) =>
      `• ${s.enabled ? ":large_green_circle:" : ":white_circle:"} *${escapeAndTruncate(s.name, 80)}*: ${escapeAndTruncate(s.mode, 30)} after ${formatNumber(s.inactiveDays)} days · ${inlineCode(`${s.cron} ${s.timezone}`, 60)}`,
  );
  await reply(ctx, buildNoticeMessage(`*Schedules*\n${lines.join("\n")}`));
}

export function registerCommands(
  app: App,
  deps: SlackDeps,
  handlers: readonly SlackCommandHandler[] = [],
): void {
  app.command(deps.command, async ({ ack, command, respond, client }) => {
    await ack();
    const { sub, rest } = parseCommandText(command.text ?? "");
    const ctx: CommandContext = {
      deps,
      client,
      respond,
      command,
      userId: command.user_id,
      channelId: command.channel_id,
      rest,
    };
    const handler = handlers.find((h) => h.words.includes(sub));
    try {
      if (handler) {
        await handler.handleCommand({
          word: sub,
          rest,
          userId: ctx.userId,
          channelId: ctx.channelId,
          triggerId: command.trigger_id,
          client,
          respond,
        });
      } else if (sub === "" || sub === "help") {
        await reply(ctx, buildHelpMessage({ command: deps.command }));
      } else if (isOperation(sub)) {
        await openOperation(ctx, sub);
      } else if (sub === "select") {
        await select(ctx);
      } else if (sub === "export") {
        await exportUsers(ctx);
      } else if (sub === "template" || sub === "templates") {
        await template(ctx);
      } else if (sub === "jobs") {
        if (!isAdmin(deps.config.slack, ctx.userId)) return await refuseCommand(ctx, sub, "list jobs");
        await reply(ctx, await jobsListMessage(deps.engine, deps.command));
      } else if (sub === "status" || sub === "job") {
        if (!isAdmin(deps.config.slack, ctx.userId)) return await refuseCommand(ctx, sub, "see job status");
        await reply(ctx, await jobStatusMessage(deps.engine, rest, deps.command));
      } else if (sub === "undo") {
        await undo(ctx);
      } else if (sub === "schedules" || sub === "schedule") {
        await listSchedules(ctx);
      } else {
        await reply(ctx, buildHelpMessage({ command: deps.command, unknownInput: command.text ?? "" }));
      }
    } catch (error) {
      deps.logger.error({ err: error, sub }, "slash command failed");
      await reply(
        ctx,
        buildErrorMessage("Something went wrong on my side; nothing was changed. Try again in a moment."),
      ).catch(() => undefined);
    }
  });
}
