// Modal submissions.
// - Operation modal: ack at once with `response_action: update` to the "Reading your file…" view (the
//   download and the plan can take longer than Slack's 3 s), then download, plan, and views.update (by view
//   id: the ack changed the hash, and nothing else touches this view) to the preview, or, when the file is
//   refused, to the same operation modal with the reason above an empty file input (never a dead end).
// - Select modal: the same, planning the users the filter matches.
// - Preview modal: check the plan (expired? partial tick?) and answer those in the ack; then clear the modal,
//   confirm (idempotent on the plan id: a double submit gets the same job and posts nothing twice), post the
//   job's progress message in its thread and wake the worker.
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { interpretHeader } from "../../core/csv/index.ts";
import { parseFilter } from "../../core/filter.ts";
import { OPERATION_DEFINITIONS } from "../../core/operations/index.ts";
import type { Field, Operation, Refusal } from "../../core/types.ts";
import { selectUsers } from "../../directory/export.ts";
import { findJobByPlan, JobError } from "../../jobs/job-store.ts";
import { planFile, planSelection, submitPlan } from "../../jobs/service.ts";
import { isAdmin, mayApprovePlan, mayStartOperation, refuse, slackActor } from "../auth.ts";
import {
  buildErrorMessage,
  buildFileRefusalView,
  buildLoadingView,
  buildMessageView,
  buildNoticeView,
  buildOperationModal,
  csvFileBlockId,
  OPERATION_TITLES,
  OPERATION_VIEW_CALLBACK_ID,
  PREVIEW_VIEW_CALLBACK_ID,
  partialConfirmationError,
  readOperationModalMetadata,
  readOperationModalState,
  readPartialConfirmation,
  readPreviewMetadata,
  readSelectModalMetadata,
  readSelectModalState,
  SELECT_FILTER_BLOCK_ID,
  SELECT_OPERATION_BLOCK_ID,
  SELECT_VALUE_BLOCK_ID,
  SELECT_VIEW_CALLBACK_ID,
  type SelectStateValues,
  selectValueKind,
  type ViewStateValues,
} from "../blocks/index.ts";
import { settleButtons } from "../button-messages.ts";
import type { SlackDeps } from "../deps.ts";
import { downloadSlackFile, openDm, SlackFileError } from "../files.ts";
import { loadPlanMeta, renderPreview, staleNotice } from "../preview.ts";
import { replyPrivately } from "../reply.ts";
import { postApprovalRequest } from "./approvals.ts";
import { announceScheduled } from "./scheduled.ts";

type ModalView = Parameters<WebClient["views"]["update"]>[0]["view"];

/** Replaces the (loading) view; failures are logged (the user sees the loading view's Cancel). */
async function showView(deps: SlackDeps, client: WebClient, viewId: string, view: ModalView): Promise<void> {
  try {
    await client.views.update({ view_id: viewId, view });
  } catch (error) {
    deps.logger.error({ err: error, viewId }, "views.update failed");
  }
}

function unexpected(deps: SlackDeps, error: unknown, what: string): ModalView {
  deps.logger.error({ err: error }, `${what} failed`);
  return buildNoticeView(
    "Something went wrong",
    "Something went wrong on my side while reading the file; nothing was changed. Try again in a moment.",
  );
}

/** The password-change tick of create / reset-password, as a default column for every row. */
function passwordDefaults(
  operation: Operation,
  mustChange: boolean | undefined,
): Partial<Record<Field, string>> | undefined {
  if (mustChange === undefined || (operation !== "create" && operation !== "reset-password"))
    return undefined;
  return { forceChangePassword: mustChange ? "Yes" : "No" };
}

/**
 * Where a job from this plan reports: the plan's channel (and thread, for HR uploads) when it is a public or
 * private channel; otherwise (a DM, or no channel) the approver's DM with the bot.
 */
export async function jobHome(
  client: WebClient,
  context: Record<string, unknown>,
  approverId: string,
): Promise<{ channel: string; threadTs?: string }> {
  const channel = typeof context.channel === "string" ? context.channel : undefined;
  const threadTs = typeof context.threadTs === "string" ? context.threadTs : undefined;
  if (channel && /^[CG]/.test(channel)) return threadTs ? { channel, threadTs } : { channel };
  return { channel: await openDm(client, approverId) };
}

function registerOperationView(app: App, deps: SlackDeps): void {
  app.view(OPERATION_VIEW_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const meta = readOperationModalMetadata(view.private_metadata);
    if (!meta) {
      await ack({
        response_action: "update",
        view: buildNoticeView("Bulk Users", "This form is out of date. Run the command again."),
      });
      return;
    }
    const { operation, channelId } = meta;
    if (!mayStartOperation(deps.config.slack, userId, operation, channelId)) {
      const message = await refuse(
        { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
        {
          userId,
          attempted: `run ${operation}`,
          details: { action: "operation_submit", operation },
          ...(channelId ? { channelId } : {}),
        },
      );
      await ack({ response_action: "update", view: buildMessageView("Not allowed", message) });
      return;
    }
    const attempt = meta.attempt ?? 0;
    const state = readOperationModalState(operation, view.state.values as ViewStateValues, attempt);
    const fileId = state.fileIds[0];
    if (fileId === undefined) {
      await ack({ response_action: "errors", errors: { [csvFileBlockId(attempt)]: "Upload a CSV file." } });
      return;
    }
    await ack({ response_action: "update", view: buildLoadingView({ title: OPERATION_TITLES[operation] }) });

    // A refused file brings the same modal back: the reason on top, an empty file input, the same options.
    const again = (refusal: Refusal, fileName?: string): ModalView =>
      buildOperationModal({
        operation,
        templateColumns: OPERATION_DEFINITIONS[operation].templateColumns,
        maxRows: deps.engine.limits.maxRows,
        command: deps.command,
        ...(channelId ? { channelId } : {}),
        refusal: { refusal, ...(fileName ? { fileName } : {}) },
        attempt: attempt + 1,
        ...(state.mustChangePassword !== undefined ? { mustChangePassword: state.mustChangePassword } : {}),
      });
    let next: ModalView;
    let fileName: string | undefined;
    try {
      const file = await downloadSlackFile(
        client,
        deps.botToken,
        fileId,
        deps.fetch ? { fetch: deps.fetch } : {},
      );
      fileName = file.name;
      const defaults = passwordDefaults(operation, state.mustChangePassword);
      const planned = await planFile(deps.engine, {
        operation,
        bytes: file.bytes,
        fileName: file.name,
        source: "slack",
        actor: slackActor(userId),
        context: { ...(channelId ? { channel: channelId } : {}), userId },
        ...(defaults ? { defaults } : {}),
        ...(state.at ? { at: state.at } : {}),
      });
      if (!planned.ok) {
        next = again(planned.refusal, file.name);
      } else {
        const preview = await renderPreview(deps.engine, planned.stored.id, 0);
        next = preview?.view ?? buildNoticeView("Bulk Users", "The preview could not be read back.");
      }
    } catch (error) {
      next =
        error instanceof SlackFileError
          ? again({ code: error.code, message: error.message }, fileName ?? error.fileName)
          : unexpected(deps, error, "planning an uploaded file");
    }
    await showView(deps, client, view.id, next);
  });
}

const FIELD_VALUE = /^\s*([^=:]+?)\s*[=:]\s*(.*?)\s*$/;

/** "Department=Sales; Office=Paris" → { department: "Sales", office: "Paris" }, or an error message. */
export function parseFieldValues(
  text: string,
): { ok: true; values: Partial<Record<Field, string>> } | { ok: false; message: string } {
  const values: Partial<Record<Field, string>> = {};
  const parts = text.split(";").filter((p) => p.trim() !== "");
  if (parts.length === 0) return { ok: false, message: "Give Field=value, e.g. Department=Sales." };
  for (const part of parts) {
    const match = FIELD_VALUE.exec(part);
    if (!match) return { ok: false, message: `'${part.trim()}' is not Field=value (e.g. Department=Sales).` };
    const meaning = interpretHeader(match[1] ?? "");
    if (meaning.kind !== "field" || meaning.alias.field === "email") {
      return { ok: false, message: `'${(match[1] ?? "").trim()}' is not a field that can be updated.` };
    }
    values[meaning.alias.field] = match[2] ?? "";
  }
  return { ok: true, values };
}

function registerSelectView(app: App, deps: SlackDeps): void {
  app.view(SELECT_VIEW_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const { channelId } = readSelectModalMetadata(view.private_metadata);
    if (!isAdmin(deps.config.slack, userId)) {
      const message = await refuse(
        { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
        {
          userId,
          attempted: "act on a selection of users",
          details: { action: "select_submit" },
          ...(channelId ? { channelId } : {}),
        },
      );
      await ack({ response_action: "update", view: buildMessageView("Not allowed", message) });
      return;
    }
    const state = readSelectModalState(view.state.values as SelectStateValues);
    const parsed = parseFilter(state.filter);
    if (!parsed.ok) {
      await ack({
        response_action: "errors",
        errors: { [SELECT_FILTER_BLOCK_ID]: parsed.refusal.message.slice(0, 1000) },
      });
      return;
    }
    if (!state.operation) {
      await ack({ response_action: "errors", errors: { [SELECT_OPERATION_BLOCK_ID]: "Choose an action." } });
      return;
    }
    const operation = state.operation;
    const kind = selectValueKind(operation);
    let values: Partial<Record<Field, string>> = {};
    if (kind === "license" || kind === "group") {
      if (state.value === "") {
        await ack({
          response_action: "errors",
          errors: {
            [SELECT_VALUE_BLOCK_ID]:
              kind === "license" ? "Give a license SKU, e.g. M365_E5." : "Give a group name.",
          },
        });
        return;
      }
      values = kind === "license" ? { license: state.value } : { group: state.value };
    } else if (kind === "field") {
      const fields = parseFieldValues(state.value);
      if (!fields.ok) {
        await ack({
          response_action: "errors",
          errors: { [SELECT_VALUE_BLOCK_ID]: fields.message.slice(0, 1000) },
        });
        return;
      }
      values = fields.values;
    }
    await ack({
      response_action: "update",
      view: buildLoadingView({ message: "Checking the selected users…", title: OPERATION_TITLES[operation] }),
    });
    let next: ModalView;
    try {
      const max = deps.engine.limits.maxRows;
      const users = await selectUsers(deps.engine.db, parsed.filter, deps.engine.clock(), { limit: max });
      if (users.length === 0) {
        next = buildNoticeView(
          "No users match",
          `Nothing matches the filter ${state.filter}. Nothing was changed.`,
        );
      } else {
        const planned = await planSelection(deps.engine, {
          operation,
          users,
          values,
          source: "slack",
          actor: slackActor(userId),
          context: { ...(channelId ? { channel: channelId } : {}), userId, filter: state.filter },
        });
        if (!planned.ok)
          next = buildFileRefusalView({ refusal: planned.refusal, operation, command: deps.command });
        else {
          const preview = await renderPreview(deps.engine, planned.stored.id, 0);
          next = preview?.view ?? buildNoticeView("Bulk Users", "The preview could not be read back.");
        }
      }
    } catch (error) {
      next = unexpected(deps, error, "planning a selection");
    }
    await showView(deps, client, view.id, next);
  });
}

function registerPreviewView(app: App, deps: SlackDeps): void {
  app.view(PREVIEW_VIEW_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const meta = readPreviewMetadata(view.private_metadata);
    const stored = meta ? await loadPlanMeta(deps.engine.db, meta.planId) : null;
    if (!meta || !stored) {
      await ack({
        response_action: "update",
        view: buildNoticeView("Preview not found", "This preview no longer exists. Upload the file again."),
      });
      return;
    }
    const { plan } = stored;
    if (!mayApprovePlan(deps.config.slack, userId, { operation: plan.operation, context: stored.context })) {
      const message = await refuse(
        { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
        {
          userId,
          attempted: `approve this ${plan.operation} plan`,
          details: { action: "approve_plan", planId: stored.id, operation: plan.operation },
          hrMayDoThis: plan.operation === "create" || plan.operation === "update",
        },
      );
      await ack({ response_action: "update", view: buildMessageView("Not allowed", message) });
      return;
    }
    const partial = readPartialConfirmation(view.state.values as ViewStateValues);
    if (stored.status === "confirmed") {
      // A late click on a plan that already runs: say so in the modal, never a silent close.
      const job = await findJobByPlan(deps.engine.db, stored.id);
      await ack({
        response_action: "update",
        view: buildMessageView("Already approved", staleNotice(stored, job, deps.command)),
      });
      return;
    }
    const expired =
      stored.status === "expired" || Date.parse(stored.expiresAt) <= deps.engine.clock().getTime();
    if (expired || stored.status === "cancelled") {
      await ack({
        response_action: "update",
        view: buildMessageView(
          stored.status === "cancelled" ? "Plan rejected" : "Preview expired",
          staleNotice(stored, null, deps.command),
        ),
      });
      if (expired) {
        await settleButtons(
          { client, engine: deps.engine, logger: deps.logger, command: deps.command },
          stored.id,
          { kind: "expired", at: stored.expiresAt },
        );
      }
      return;
    }
    if (plan.summary.error > 0 && !partial) {
      await ack({ response_action: "errors", errors: partialConfirmationError(plan.summary) });
      return;
    }
    await ack({ response_action: "clear" });
    await approve(deps, client, userId, stored.id, stored.context, partial || plan.summary.error === 0);
  });
}

/** Confirms a plan for `userId` and starts reporting; a second confirmation of the same plan does nothing. */
export async function approve(
  deps: SlackDeps,
  client: WebClient,
  userId: string,
  planId: string,
  context: Record<string, unknown>,
  allowPartial: boolean,
): Promise<void> {
  try {
    const home = await jobHome(client, context, userId);
    const undoOf = typeof context.undoOf === "string" ? context.undoOf : undefined;
    const submitted = await submitPlan(deps.engine, {
      planId,
      approvedBy: slackActor(userId),
      source: "slack",
      allowPartial,
      slack: home,
      ...(undoOf ? { undoOf } : {}),
    });
    // Two-person rule: the plan waits for someone else (src/slack/listeners/approvals.ts).
    if (submitted.kind === "awaiting_approval") {
      if (submitted.created) {
        const planChannel = typeof context.channel === "string" ? context.channel : undefined;
        await postApprovalRequest(deps, client, submitted.request, {
          requesterId: userId,
          ...(planChannel ? { planChannel } : {}),
        });
      }
      return;
    }
    // Dated operations: the rows wait for their dates (src/slack/listeners/scheduled.ts).
    if (submitted.kind === "scheduled") {
      if (submitted.created) {
        const { batches, jobs } = submitted;
        await announceScheduled(deps, client, {
          planId,
          operation: batches[0]?.operation ?? "",
          batches,
          jobs,
          home,
        });
      }
      return;
    }
    const { job, created } = submitted;
    if (!created) {
      // A double submit: the same job, nothing posted twice; but the person is told what they clicked.
      deps.logger.info({ planId, jobId: job.id, userId }, "plan already confirmed: same job, nothing posted");
      const stored = await loadPlanMeta(deps.engine.db, planId);
      if (stored)
        await replyPrivately({
          client,
          userId,
          message: staleNotice(stored, job, deps.command),
          logger: deps.logger,
        });
      return;
    }
    deps.logger.info({ planId, jobId: job.id, userId }, "plan confirmed from Slack");
    await deps.reporter.announce(job);
    deps.worker?.wake();
    // The message whose button led here (HR reply, inactivity report) now says who approved, when, which job.
    await settleButtons({ client, engine: deps.engine, logger: deps.logger, command: deps.command }, planId, {
      kind: "approved",
      by: userId,
      at: job.queuedAt ? new Date(job.queuedAt).toISOString() : deps.engine.clock().toISOString(),
      jobId: job.id,
    });
  } catch (error) {
    const message =
      error instanceof JobError
        ? buildErrorMessage(error.message, error.code)
        : buildErrorMessage("Something went wrong while starting the job; nothing was changed. Try again.");
    if (!(error instanceof JobError)) deps.logger.error({ err: error, planId }, "confirm failed");
    await replyPrivately({ client, userId, message, logger: deps.logger }).catch((e: unknown) =>
      deps.logger.error({ err: e }, "could not tell the approver"),
    );
  }
}

export function registerViews(app: App, deps: SlackDeps): void {
  registerOperationView(app, deps);
  registerSelectView(app, deps);
  registerPreviewView(app, deps);
}
