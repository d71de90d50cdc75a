// Buttons: preview paging (views.update with the payload's hash), the full preview as CSV by DM, the HR
// thread's "Review & approve" (opens the preview modal; admins and HR only), and the App Home quick actions.
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { isOperation } from "../../core/types.ts";
import { findJobByPlan } from "../../jobs/job-store.ts";
import { mayApprovePlan, mayDownloadTemplates, refuse, roleOf, slackUserOf } from "../auth.ts";
import {
  buildLoadingView,
  buildNoticeMessage,
  buildNoticeView,
  HOME_JOBS_ACTION_ID,
  HOME_REFRESH_ACTION_ID,
  HOME_TEMPLATE_ACTION_PATTERN,
  PREVIEW_CSV_ACTION_ID,
  PREVIEW_NEXT_ACTION_ID,
  PREVIEW_PREV_ACTION_ID,
  REJECT_PLAN_ACTION_ID,
  REVIEW_PLAN_ACTION_ID,
  readPreviewMetadata,
  slackDate,
} from "../blocks/index.ts";
import { rejectPlan, settleButtons } from "../button-messages.ts";
import type { SlackDeps } from "../deps.ts";
import { openDm, slackErrorCode, uploadCsv } from "../files.ts";
import { isStale, loadPlanMeta, previewCsv, renderPreview, staleNotice } from "../preview.ts";
import { replyPrivately } from "../reply.ts";
import { jobsListMessage, publishHome, sendTemplate } from "../surfaces.ts";

type ButtonBody = BlockAction<ButtonAction>;

function channelOf(body: ButtonBody): string | undefined {
  return body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id;
}

function registerPaging(app: App, deps: SlackDeps): void {
  const page = async ({
    ack,
    body,
    action,
    client,
  }: {
    ack: () => Promise<void>;
    body: ButtonBody;
    action: ButtonAction;
    client: WebClient;
  }) => {
    await ack();
    const view = body.view;
    const meta = readPreviewMetadata(view?.private_metadata);
    if (!view || !meta) return;
    const requested = Number.parseInt(action.value ?? "0", 10);
    try {
      const rendered = await renderPreview(deps.engine, meta.planId, Number.isNaN(requested) ? 0 : requested);
      if (!rendered) return;
      await client.views.update({ view_id: view.id, hash: view.hash, view: rendered.view });
    } catch (error) {
      // hash_conflict: a newer update (another click) won; that one shows the right page.
      const code = slackErrorCode(error);
      if (code === "hash_conflict") deps.logger.info({ planId: meta.planId }, "preview page: stale hash");
      else deps.logger.error({ err: error, planId: meta.planId }, "preview paging failed");
    }
  };
  app.action<ButtonBody>(PREVIEW_PREV_ACTION_ID, page);
  app.action<ButtonBody>(PREVIEW_NEXT_ACTION_ID, page);

  app.action<ButtonBody>(PREVIEW_CSV_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const view = body.view;
    const meta = readPreviewMetadata(view?.private_metadata);
    const planId = action.value ?? meta?.planId;
    if (!planId) return;
    const userId = body.user.id;
    let notice: string;
    try {
      const bytes = await previewCsv(deps.engine, planId);
      if (!bytes) return;
      const dm = await openDm(client, userId);
      await uploadCsv(client, {
        channel: dm,
        filename: `preview-${planId}.csv`,
        title: `Full preview of ${planId}`,
        bytes,
        initialComment:
          "The full preview: every row with what would change, what is skipped and what fails, and why. Nothing has changed yet.",
      });
      notice = `:outbox_tray: Sent the full preview (every row, as CSV) to your DMs with me, ${slackDate(deps.engine.clock().toISOString())}.`;
    } catch (error) {
      deps.logger.error({ err: error, planId }, "preview CSV failed");
      notice = ":warning: I couldn't send the full preview to your DMs. Try the button again in a moment.";
    }
    // The answer in the modal itself, where the click was: the same page with one line more.
    if (!view) return;
    try {
      const rendered = await renderPreview(deps.engine, planId, meta?.page ?? 0, { notice });
      if (rendered) await client.views.update({ view_id: view.id, hash: view.hash, view: rendered.view });
    } catch (error) {
      // hash_conflict: the person paged meanwhile; the DM is there all the same.
      deps.logger.info({ planId, error: slackErrorCode(error) }, "preview CSV: modal not updated");
    }
  });
}

/** A button on a plan pressed by someone who may not act on it: audited refusal, answered privately. */
async function refusePlanAction(
  deps: SlackDeps,
  client: WebClient,
  input: { userId: string; planId: string; channelId: string | undefined; attempted: string; action: string },
): Promise<void> {
  const { userId, planId, channelId } = input;
  const message = await refuse(
    { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
    {
      userId,
      attempted: input.attempted,
      details: { action: input.action, planId },
      ...(channelId ? { channelId } : {}),
      hrMayDoThis: true,
    },
  );
  await replyPrivately({ client, userId, message, logger: deps.logger, ...(channelId ? { channelId } : {}) });
}

function registerReview(app: App, deps: SlackDeps): void {
  app.action<ButtonBody>(REVIEW_PLAN_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const userId = body.user.id;
    const planId = action.value ?? "";
    const role = roleOf(deps.config.slack, userId);
    // One primary-key lookup before the modal (the trigger_id lives ~3 s): HR's right depends on the plan,
    // and a plan that already ran, expired or was rejected gets an answer instead of a fresh-looking preview.
    const stored = role === "none" ? null : await loadPlanMeta(deps.engine.db, planId);
    const channelId = channelOf(body);
    const allowed =
      role === "admin" ||
      (stored !== null &&
        mayApprovePlan(deps.config.slack, userId, {
          operation: stored.plan.operation,
          context: stored.context,
        }));
    if (!allowed) {
      await refusePlanAction(deps, client, {
        userId,
        planId,
        channelId,
        attempted: "review and approve this plan",
        action: REVIEW_PLAN_ACTION_ID,
      });
      return;
    }
    if (!stored || isStale(stored, deps.engine.clock())) {
      const job = stored?.status === "confirmed" ? await findJobByPlan(deps.engine.db, planId) : null;
      const message = stored
        ? staleNotice(stored, job, deps.command)
        : buildNoticeMessage("This plan no longer exists; nothing was changed. Post the file again.");
      await replyPrivately({
        client,
        userId,
        message,
        logger: deps.logger,
        ...(channelId ? { channelId } : {}),
      });
      // The message the button sits in should not have offered it: make it say what happened.
      const settle = { client, engine: deps.engine, logger: deps.logger, command: deps.command };
      if (stored && job?.approvedBy && slackUserOf(job.approvedBy)) {
        await settleButtons(settle, planId, {
          kind: "approved",
          by: slackUserOf(job.approvedBy) as string,
          at: new Date(job.queuedAt).toISOString(),
          jobId: job.id,
        });
      } else if (stored && stored.status !== "confirmed" && stored.status !== "cancelled") {
        await settleButtons(settle, planId, { kind: "expired", at: stored.expiresAt });
      }
      return;
    }
    let opened: { id: string; hash?: string };
    try {
      const res = await client.views.open({
        trigger_id: body.trigger_id,
        view: buildLoadingView({ message: "Loading the preview…" }),
      });
      if (!res.view?.id) return;
      opened = { id: res.view.id, ...(res.view.hash ? { hash: res.view.hash } : {}) };
    } catch (error) {
      deps.logger.error({ err: error, planId }, "could not open the review modal");
      return;
    }
    try {
      const rendered = await renderPreview(deps.engine, planId, 0);
      await client.views.update({
        view_id: opened.id,
        ...(opened.hash ? { hash: opened.hash } : {}),
        view:
          rendered?.view ??
          buildNoticeView("Preview not found", "This plan no longer exists. Post the file again."),
      });
    } catch (error) {
      deps.logger.error({ err: error, planId }, "could not show the review modal");
    }
  });
}

/** "Reject" on the HR reply: whoever may approve the plan may reject it; the reply then says who did. */
function registerReject(app: App, deps: SlackDeps): void {
  app.action<ButtonBody>(REJECT_PLAN_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const userId = body.user.id;
    const planId = action.value ?? "";
    const channelId = channelOf(body);
    const stored = await loadPlanMeta(deps.engine.db, planId);
    const allowed =
      stored !== null &&
      mayApprovePlan(deps.config.slack, userId, {
        operation: stored.plan.operation,
        context: stored.context,
      });
    if (!allowed) {
      await refusePlanAction(deps, client, {
        userId,
        planId,
        channelId,
        attempted: "reject this plan",
        action: REJECT_PLAN_ACTION_ID,
      });
      return;
    }
    if (!(await rejectPlan(deps.engine, planId))) {
      // Approved, expired or rejected meanwhile: say which.
      const now = await loadPlanMeta(deps.engine.db, planId);
      const job = now?.status === "confirmed" ? await findJobByPlan(deps.engine.db, planId) : null;
      if (now) {
        await replyPrivately({
          client,
          userId,
          message: staleNotice(now, job, deps.command),
          logger: deps.logger,
          ...(channelId ? { channelId } : {}),
        });
      }
      return;
    }
    deps.logger.info({ planId, userId }, "plan rejected from Slack");
    await settleButtons({ client, engine: deps.engine, logger: deps.logger, command: deps.command }, planId, {
      kind: "rejected",
      by: userId,
      at: deps.engine.clock().toISOString(),
    });
  });
}

function registerHome(app: App, deps: SlackDeps): void {
  app.action<ButtonBody>(HOME_TEMPLATE_ACTION_PATTERN, async ({ ack, body, action, client }) => {
    await ack();
    const userId = body.user.id;
    const operation = action.value ?? "create";
    if (!mayDownloadTemplates(deps.config.slack, userId) || !isOperation(operation)) {
      const message = await refuse(
        { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
        { userId, attempted: "download templates", details: { action: action.action_id } },
      );
      await replyPrivately({ client, userId, message, logger: deps.logger });
      return;
    }
    await sendTemplate(client, userId, operation, deps.command);
    // The answer where the click was: the Home tab, with one line on top.
    await publishHome(
      client,
      deps.engine,
      deps.config.slack,
      userId,
      deps.command,
      `:page_facing_up: Sent the *${operation}* template to your DMs with me, ${slackDate(deps.engine.clock().toISOString())}.`,
    ).catch((error: unknown) => deps.logger.warn({ err: error }, "home not refreshed after the template"));
  });

  app.action<ButtonBody>(HOME_JOBS_ACTION_ID, async ({ ack, body, client }) => {
    await ack();
    const userId = body.user.id;
    if (roleOf(deps.config.slack, userId) !== "admin") {
      const message = await refuse(
        { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
        { userId, attempted: "list jobs", details: { action: HOME_JOBS_ACTION_ID } },
      );
      await replyPrivately({ client, userId, message, logger: deps.logger });
      return;
    }
    const message = await jobsListMessage(deps.engine, deps.command);
    const dm = await openDm(client, userId);
    await client.chat.postMessage({ channel: dm, text: message.text, blocks: message.blocks });
  });

  app.action<ButtonBody>(HOME_REFRESH_ACTION_ID, async ({ ack, body, client }) => {
    await ack();
    await publishHome(client, deps.engine, deps.config.slack, body.user.id, deps.command).catch(
      (error: unknown) => deps.logger.error({ err: error }, "home refresh failed"),
    );
  });
}

export function registerActions(app: App, deps: SlackDeps): void {
  registerPaging(app, deps);
  registerReview(app, deps);
  registerReject(app, deps);
  registerHome(app, deps);
}
