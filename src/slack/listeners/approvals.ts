// The two-person rule in Slack. When a confirmation is held (service.submitPlan), the request goes to the
// named approvers by DM (BULKUSERS_APPROVERS) or else to the report channel (else the plan's channel, else the
// admins by DM) with the summary, the preview CSV in its thread, and Approve / Reject… buttons. Whoever decides
// must be an approver (the named ones, else any admin) and not the requester. Approval runs the job in the
// request's thread (progress, results); a changed directory posts the difference and a new request there;
// a rejection asks why (modal) and says it in the thread. Every copy of the request loses its buttons.
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { type ApprovalRequest, getApproval, updateApprovalContext } from "../../jobs/approvals.ts";
import { JobError } from "../../jobs/job-store.ts";
import { type DecisionResult, decideApproval } from "../../jobs/service.ts";
import { isAdmin, refuse, slackActor, slackUserOf } from "../auth.ts";
import {
  APPROVAL_APPROVE_ACTION_ID,
  APPROVAL_REASON_ACTION_ID,
  APPROVAL_REASON_BLOCK_ID,
  APPROVAL_REJECT_ACTION_ID,
  APPROVAL_REJECT_VIEW_CALLBACK_ID,
  buildApprovalPendingNotice,
  buildApprovalRequestMessage,
  buildPlanDifferenceMessage,
  buildRejectionNotice,
  buildRejectReasonView,
  readRejectMetadata,
} from "../blocks/approvals.ts";
import { buildErrorMessage, mentionChannel, type SlackMessage } from "../blocks/index.ts";
import { settleButtons } from "../button-messages.ts";
import type { SlackDeps } from "../deps.ts";
import { openDm, uploadCsv } from "../files.ts";
import { loadPlanMeta, previewCsv } from "../preview.ts";
import { replyPrivately } from "../reply.ts";
import { announceScheduled } from "./scheduled.ts";

type ButtonBody = BlockAction<ButtonAction>;

/** A posted copy of the request (channel message or DM); `threadTs` when it was posted inside a thread. */
interface Posted {
  channel: string;
  ts: string;
  threadTs?: string;
}

/** The thread a copy lives in (its own, or the one it was posted in). */
function threadOfCopy(copy: Posted | undefined): Posted | undefined {
  return copy ? { channel: copy.channel, ts: copy.threadTs ?? copy.ts } : undefined;
}

function postedOf(request: ApprovalRequest): Posted[] {
  const list = request.context.messages;
  return Array.isArray(list) ? (list as Posted[]).filter((p) => p?.channel && p?.ts) : [];
}

/** Named approvers (BULKUSERS_APPROVERS) when set, else the admins. */
export function mayDecide(deps: SlackDeps, userId: string): boolean {
  const named = deps.config.approvals.approvers;
  return named.length > 0 ? named.includes(userId) : isAdmin(deps.config.slack, userId);
}

/** Where a request goes: DMs to named approvers, else the report channel, the plan's channel, admins' DMs. */
async function destinations(
  deps: SlackDeps,
  client: WebClient,
  requesterId: string,
  planChannel: string | undefined,
): Promise<{ channels: string[]; where: string }> {
  const named = deps.config.approvals.approvers.filter((id) => id !== requesterId);
  if (named.length > 0) {
    return {
      channels: await Promise.all(named.map((id) => openDm(client, id))),
      where: `the approvers (${named.map((id) => `<@${id}>`).join(", ")}) by DM`,
    };
  }
  const report = deps.config.slack.reportChannel;
  if (report) return { channels: [report], where: `in ${mentionChannel(report)}` };
  if (planChannel && /^[CG]/.test(planChannel)) return { channels: [planChannel], where: "in this channel" };
  const admins = deps.config.slack.admins.filter((id) => id !== requesterId);
  return {
    channels: await Promise.all(admins.map((id) => openDm(client, id))),
    where: "the other admins by DM",
  };
}

/**
 * Posts a held plan's request (with its preview CSV in the thread) and tells the requester where it went.
 * `thread`: post inside this thread instead (a request re-made after the directory changed).
 */
export async function postApprovalRequest(
  deps: SlackDeps,
  client: WebClient,
  request: ApprovalRequest,
  options: { requesterId: string; planChannel?: string; thread?: Posted },
): Promise<void> {
  const meta = await loadPlanMeta(deps.engine.db, request.planId);
  const message = buildApprovalRequestMessage(request, { fileName: meta?.fileName ?? null });
  const target = options.thread
    ? { channels: [options.thread.channel], where: "in the same thread" }
    : await destinations(deps, client, options.requesterId, options.planChannel);
  const posted: Posted[] = [];
  for (const channel of target.channels) {
    try {
      const res = await client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        ...(options.thread ? { thread_ts: options.thread.ts } : {}),
      });
      if (res.ts) {
        posted.push({ channel, ts: res.ts, ...(options.thread ? { threadTs: options.thread.ts } : {}) });
      }
    } catch (error) {
      deps.logger.error(
        { err: error, channel, approvalId: request.id },
        "could not post an approval request",
      );
    }
  }
  await updateApprovalContext(deps.engine.db, request.id, {
    messages: posted,
    requesterId: options.requesterId,
  });
  const bytes = await previewCsv(deps.engine, request.planId);
  for (const copy of posted) {
    if (!bytes) break;
    await uploadCsv(client, {
      channel: copy.channel,
      threadTs: copy.threadTs ?? copy.ts,
      filename: `preview-${request.planId}.csv`,
      title: `Preview of ${request.planId}`,
      bytes,
      initialComment: "The full preview: every row, what would change, what is skipped and why.",
    }).catch((error: unknown) =>
      deps.logger.error({ err: error, approvalId: request.id }, "could not upload the preview CSV"),
    );
  }
  if (!options.thread) {
    await replyPrivately({
      client,
      userId: options.requesterId,
      message: buildApprovalPendingNotice(
        request,
        posted.length ? target.where : "nobody (no approver reachable)",
      ),
      logger: deps.logger,
      ...(options.planChannel ? { channelId: options.planChannel } : {}),
    }).catch((error: unknown) => deps.logger.error({ err: error }, "could not tell the requester"));
  }
}

/** Every copy of the request shows the decision and loses its buttons. */
async function showDecision(deps: SlackDeps, client: WebClient, request: ApprovalRequest): Promise<void> {
  const current = (await getApproval(deps.engine.db, request.id)) ?? request;
  const meta = await loadPlanMeta(deps.engine.db, current.planId);
  const message = buildApprovalRequestMessage(current, { fileName: meta?.fileName ?? null });
  for (const copy of postedOf(current)) {
    await client.chat
      .update({ channel: copy.channel, ts: copy.ts, text: message.text, blocks: message.blocks })
      .catch((error: unknown) => deps.logger.warn({ err: error, ...copy }, "could not update a request"));
  }
}

async function tell(
  deps: SlackDeps,
  client: WebClient,
  userId: string,
  channelId: string | undefined,
  message: SlackMessage,
) {
  await replyPrivately({
    client,
    userId,
    message,
    logger: deps.logger,
    ...(channelId ? { channelId } : {}),
  }).catch((error: unknown) => deps.logger.error({ err: error }, "could not answer privately"));
}

/**
 * The message whose button led to the plan (an HR reply, an inactivity report) says the plan was approved
 * (by the second approver, with its job) or rejected, and loses its buttons (slack/button-messages.ts).
 */
async function settleOrigin(deps: SlackDeps, client: WebClient, result: DecisionResult): Promise<void> {
  const { request } = result;
  const by = slackUserOf(request.decidedBy);
  if (!by || !request.decidedAt) return;
  const settle = { client, engine: deps.engine, logger: deps.logger, command: deps.command };
  if (result.kind === "approved") {
    await settleButtons(settle, request.planId, {
      kind: "approved",
      by,
      at: request.decidedAt,
      jobId: result.job.id,
    });
  } else if (result.kind === "rejected") {
    await settleButtons(settle, request.planId, { kind: "rejected", by, at: request.decidedAt });
  }
}

/** After a decision: update the copies, then run / explain in the thread. */
async function followUp(
  deps: SlackDeps,
  client: WebClient,
  result: DecisionResult,
  thread: Posted | undefined,
): Promise<void> {
  await showDecision(deps, client, result.request);
  await settleOrigin(deps, client, result);
  if (result.kind === "approved") {
    if (result.created) {
      await deps.reporter.announce(result.job);
      deps.worker?.wake();
    }
    return;
  }
  if (result.kind === "scheduled") {
    if (result.created && thread) {
      const { batches, jobs } = result;
      await announceScheduled(deps, client, {
        planId: result.request.planId,
        operation: result.request.operation,
        batches,
        jobs,
        home: { channel: thread.channel, threadTs: thread.ts },
      });
    }
    return;
  }
  if (!thread) return;
  if (result.kind === "rejected") {
    const notice = buildRejectionNotice(result.request);
    await client.chat
      .postMessage({
        channel: thread.channel,
        thread_ts: thread.ts,
        text: notice.text,
        blocks: notice.blocks,
      })
      .catch((error: unknown) => deps.logger.error({ err: error }, "could not post the rejection"));
    return;
  }
  // The directory changed: the difference, then the new request, both in this thread.
  const diff = buildPlanDifferenceMessage(result.differences);
  await client.chat
    .postMessage({ channel: thread.channel, thread_ts: thread.ts, text: diff.text, blocks: diff.blocks })
    .catch((error: unknown) => deps.logger.error({ err: error }, "could not post the difference"));
  const requesterId = slackUserOf(result.next.requestedBy) ?? "";
  await postApprovalRequest(deps, client, result.next, { requesterId, thread });
}

function errorMessage(error: unknown): SlackMessage {
  return error instanceof JobError
    ? buildErrorMessage(error.message, error.code)
    : buildErrorMessage("Something went wrong while deciding; nothing was changed. Try again.");
}

function threadOf(body: ButtonBody): Posted | undefined {
  const channel = body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id;
  const message = body.message as { ts?: string; thread_ts?: string } | undefined;
  const ts = message?.thread_ts ?? message?.ts;
  return channel && ts ? { channel, ts } : undefined;
}

/** The thread of the clicked copy, as recorded when it was posted (the payload may lack thread_ts). */
async function clickedThread(
  deps: SlackDeps,
  approvalId: string,
  body: ButtonBody,
): Promise<Posted | undefined> {
  const clicked = threadOf(body);
  const request = await getApproval(deps.engine.db, approvalId);
  const copy = request
    ? postedOf(request).find(
        (p) => p.channel === clicked?.channel && p.ts === (body.message as { ts?: string } | undefined)?.ts,
      )
    : undefined;
  return threadOfCopy(copy) ?? clicked;
}

export function registerApprovals(app: App, deps: SlackDeps): void {
  const refuseDecider = async (client: WebClient, userId: string, approvalId: string, channelId?: string) => {
    const message = await refuse(
      { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
      {
        userId,
        attempted: "approve or reject changes held for a second approval",
        details: { action: "approval_decide", approvalId },
        ...(channelId ? { channelId } : {}),
      },
    );
    await tell(deps, client, userId, channelId, message);
  };

  app.action<ButtonBody>(APPROVAL_APPROVE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const userId = body.user.id;
    const approvalId = action.value ?? "";
    if (!mayDecide(deps, userId)) {
      await refuseDecider(client, userId, approvalId, threadOf(body)?.channel);
      return;
    }
    const thread = await clickedThread(deps, approvalId, body);
    try {
      const result = await decideApproval(deps.engine, {
        approvalId,
        decision: "approve",
        actor: slackActor(userId),
        source: "slack",
        ...(thread ? { slack: { channel: thread.channel, threadTs: thread.ts } } : {}),
      });
      await followUp(deps, client, result, thread);
    } catch (error) {
      if (!(error instanceof JobError)) deps.logger.error({ err: error, approvalId }, "approval failed");
      // An expired plan: the copies say so too.
      if (error instanceof JobError && error.code === "plan.expired") {
        const request = await getApproval(deps.engine.db, approvalId);
        if (request) await showDecision(deps, client, request);
      }
      await tell(deps, client, userId, thread?.channel, errorMessage(error));
    }
  });

  app.action<ButtonBody>(APPROVAL_REJECT_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const userId = body.user.id;
    const approvalId = action.value ?? "";
    const thread = threadOf(body);
    if (!mayDecide(deps, userId)) {
      await refuseDecider(client, userId, approvalId, thread?.channel);
      return;
    }
    const request = await getApproval(deps.engine.db, approvalId);
    if (request?.status !== "pending") {
      await tell(
        deps,
        client,
        userId,
        thread?.channel,
        buildErrorMessage("This request was already decided.", "approval.decided"),
      );
      return;
    }
    if (slackActor(userId) === request.requestedBy) {
      // Decided by the use case (refused and audited) so the rule lives in one place.
      await decideApproval(deps.engine, {
        approvalId,
        decision: "reject",
        actor: slackActor(userId),
        source: "slack",
        reason: "-",
      }).catch(async (error: unknown) => tell(deps, client, userId, thread?.channel, errorMessage(error)));
      return;
    }
    await client.views
      .open({
        trigger_id: body.trigger_id,
        view: buildRejectReasonView({
          approvalId,
          operation: request.operation,
          rows: request.summary.change,
        }),
      })
      .catch((error: unknown) =>
        deps.logger.error({ err: error, approvalId }, "could not open the reject modal"),
      );
  });

  app.view(APPROVAL_REJECT_VIEW_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const meta = readRejectMetadata(view.private_metadata);
    const values = view.state.values as Record<string, Record<string, { value?: string | null }>>;
    const reason = values[APPROVAL_REASON_BLOCK_ID]?.[APPROVAL_REASON_ACTION_ID]?.value?.trim() ?? "";
    if (!meta || !mayDecide(deps, userId)) {
      await ack();
      if (meta) await refuseDecider(client, userId, meta.approvalId);
      return;
    }
    if (reason === "") {
      await ack({
        response_action: "errors",
        errors: { [APPROVAL_REASON_BLOCK_ID]: "Say why it is rejected." },
      });
      return;
    }
    await ack();
    const request = await getApproval(deps.engine.db, meta.approvalId);
    const first = threadOfCopy(request ? postedOf(request)[0] : undefined);
    try {
      const result = await decideApproval(deps.engine, {
        approvalId: meta.approvalId,
        decision: "reject",
        actor: slackActor(userId),
        source: "slack",
        reason,
      });
      await followUp(deps, client, result, first);
    } catch (error) {
      if (!(error instanceof JobError)) deps.logger.error({ err: error }, "rejection failed");
      await tell(deps, client, userId, first?.channel, errorMessage(error));
    }
  });
}
