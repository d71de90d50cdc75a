// The two-person rule in Slack: the approval request (summary, Approve / Reject), the same message once
// decided (no buttons: who, when, why), the "tell us why" modal of a rejection, and the difference shown when
// the directory changed before approval. Pure builders: data in, Block Kit out.
import type { KnownBlock, ModalView } from "@slack/types";
import type { Operation } from "../../core/types.ts";
import {
  context,
  escapeAndTruncate,
  fitLines,
  formatNumber,
  inlineCode,
  mentionUser,
  mrkdwnText,
  OPERATION_TITLES,
  plainText,
  plural,
  type SlackMessage,
  section,
  slackDate,
} from "./common.ts";

export const APPROVAL_APPROVE_ACTION_ID = "approval_approve";
export const APPROVAL_REJECT_ACTION_ID = "approval_reject";
export const APPROVAL_ACTIONS_BLOCK_ID = "approval_actions";
export const APPROVAL_REJECT_VIEW_CALLBACK_ID = "bulkusers_approval_reject";
export const APPROVAL_REASON_BLOCK_ID = "approval_reason";
export const APPROVAL_REASON_ACTION_ID = "approval_reason_input";

/** What the builders need of a request (a subset of the stored record). */
export interface ApprovalView {
  id: string;
  planId: string;
  operation: string;
  status: "pending" | "approved" | "rejected" | "superseded" | "expired";
  rule: string;
  summary: { change: number; skip: number; error: number };
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  jobId: string | null;
}

/** `slack:U123` → a mention; other actors (cli:…, api:…) as code. */
export function actorText(actor: string): string {
  const match = /^slack:([UW][A-Z0-9]+)$/.exec(actor);
  return match?.[1] ? mentionUser(match[1]) : inlineCode(actor, 80);
}

function title(operation: string): string {
  return OPERATION_TITLES[operation as Operation] ?? operation;
}

function summaryFields(request: ApprovalView): KnownBlock {
  const { change, skip, error } = request.summary;
  return {
    type: "section",
    fields: [
      mrkdwnText(`*Will change*\n${formatNumber(change)}`),
      mrkdwnText(`*Skipped*\n${formatNumber(skip)}`),
      mrkdwnText(`*Errors (not run)*\n${formatNumber(error)}`),
      mrkdwnText(`*Rule*\n${escapeAndTruncate(request.rule, 200)}`),
    ],
  };
}

function outcomeLine(request: ApprovalView): string {
  const by = request.decidedBy ? actorText(request.decidedBy) : "someone";
  const when = request.decidedAt ? ` ${slackDate(request.decidedAt)}` : "";
  const why = request.reason ? `: ${escapeAndTruncate(request.reason, 1500)}` : "";
  switch (request.status) {
    case "approved":
      return `:white_check_mark: Approved by ${by}${when}${request.jobId ? ` · job ${inlineCode(request.jobId, 80)}` : ""}.`;
    case "rejected":
      return `:no_entry: Rejected by ${by}${when}${why}. Nothing was changed.`;
    case "superseded":
      return `:arrows_counterclockwise: Not run${why}. See the new request in this thread.`;
    case "expired":
      return `:hourglass: Not run${why}.`;
    default:
      return "";
  }
}

/** The request (pending: with buttons) or the same message once decided (buttons gone). */
export function buildApprovalRequestMessage(
  request: ApprovalView,
  options: { fileName?: string | null; note?: string } = {},
): SlackMessage {
  const what = `${title(request.operation)}: ${plural(request.summary.change, "row")}`;
  const file = options.fileName ? ` from ${inlineCode(options.fileName, 120)}` : "";
  const blocks: KnownBlock[] = [
    section(
      `:raised_hand: *Second approval needed* — ${escapeAndTruncate(what, 200)}${file}, requested by ${actorText(request.requestedBy)}.`,
    ),
    summaryFields(request),
  ];
  if (options.note) blocks.push(section(options.note));
  if (request.status === "pending") {
    blocks.push({
      type: "actions",
      block_id: APPROVAL_ACTIONS_BLOCK_ID,
      elements: [
        {
          type: "button",
          style: "primary",
          text: plainText("Approve", 75),
          action_id: APPROVAL_APPROVE_ACTION_ID,
          value: request.id,
        },
        {
          type: "button",
          style: "danger",
          text: plainText("Reject…", 75),
          action_id: APPROVAL_REJECT_ACTION_ID,
          value: request.id,
        },
      ],
    });
    blocks.push(
      context(
        `Request ${inlineCode(request.id, 80)} · plan ${inlineCode(request.planId, 80)} · the full preview CSV is in this thread · anyone but the requester may decide; nothing changes until then.`,
      ),
    );
  } else {
    blocks.push(section(outcomeLine(request)));
    blocks.push(context(`Request ${inlineCode(request.id, 80)} · plan ${inlineCode(request.planId, 80)}`));
  }
  const state =
    request.status === "pending"
      ? "needs a second approval"
      : `${request.status}${request.reason ? `: ${request.reason}` : ""}`;
  return { text: escapeAndTruncate(`${what} ${state}.`, 1000), blocks };
}

/** Posted in the thread when a request is rejected: the reason, addressed to the requester. */
export function buildRejectionNotice(request: ApprovalView): SlackMessage {
  const by = request.decidedBy ? actorText(request.decidedBy) : "The approver";
  const to = /^slack:/.test(request.requestedBy) ? `, ${actorText(request.requestedBy)}` : "";
  const text = `:no_entry: ${by} rejected this${to}: ${escapeAndTruncate(request.reason ?? "", 2000)}\nNothing was changed.`;
  return { text: escapeAndTruncate(`Rejected: ${request.reason ?? ""}`, 1000), blocks: [section(text)] };
}

/** What the requester is told right after confirming. */
export function buildApprovalPendingNotice(request: ApprovalView, where: string): SlackMessage {
  const text = `:hourglass_flowing_sand: ${escapeAndTruncate(title(request.operation), 100)} of ${plural(request.summary.change, "row")} needs a second approval (${escapeAndTruncate(request.rule, 200)}). I asked ${where}; nothing changes until someone other than you approves. Request ${inlineCode(request.id, 80)}.`;
  return { text: escapeAndTruncate(text, 1000), blocks: [section(text)] };
}

export interface DifferenceLine {
  row: number;
  key: string;
  before: string;
  after: string;
}

/** Posted in the thread when approval found the directory changed: what is different now. */
export function buildPlanDifferenceMessage(differences: readonly DifferenceLine[]): SlackMessage {
  const lines = differences.map(
    (d) =>
      `Row ${d.row} ${escapeAndTruncate(d.key, 120)}: ${escapeAndTruncate(d.before, 300)} → *${escapeAndTruncate(d.after, 300)}*`,
  );
  const body = fitLines(lines, 2900, (left) => `…and ${plural(left, "more row")}.`);
  const head = `:arrows_counterclockwise: The directory changed since this was requested (${plural(differences.length, "row")}); nothing ran. I made the plan again from the same file: approve the new request below if it is still right.`;
  return {
    text: escapeAndTruncate(
      `The directory changed under ${plural(differences.length, "row")}; the plan was made again.`,
      1000,
    ),
    blocks: [section(head), ...(body ? [section(body)] : [])],
  };
}

/** The rejection modal: the reason is required and posted in the thread. */
export function buildRejectReasonView(input: {
  approvalId: string;
  operation: string;
  rows: number;
}): ModalView {
  return {
    type: "modal",
    callback_id: APPROVAL_REJECT_VIEW_CALLBACK_ID,
    private_metadata: JSON.stringify({ approvalId: input.approvalId }),
    title: plainText("Reject the change", 24),
    submit: plainText("Reject", 24),
    close: plainText("Cancel", 24),
    blocks: [
      section(
        `${escapeAndTruncate(title(input.operation), 100)} of ${plural(input.rows, "row")} will not run. Say why: the reason is posted in the thread for the requester.`,
      ),
      {
        type: "input",
        block_id: APPROVAL_REASON_BLOCK_ID,
        label: plainText("Reason", 2000),
        element: {
          type: "plain_text_input",
          action_id: APPROVAL_REASON_ACTION_ID,
          multiline: true,
          max_length: 1000,
        },
      },
    ],
  };
}

export function readRejectMetadata(raw: string | undefined): { approvalId: string } | null {
  try {
    const parsed = JSON.parse(raw ?? "") as { approvalId?: unknown };
    return typeof parsed.approvalId === "string" ? { approvalId: parsed.approvalId } : null;
  } catch {
    return null;
  }
}
