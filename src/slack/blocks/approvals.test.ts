// The two-person rule's and dated operations' Slack surfaces: validator-clean at the limits, inert with
// hostile data (reasons, keys, file names), and saying what people rely on.
import { describe, expect, it } from "vitest";
import { validateMessage, validateView } from "../validate-blocks.ts";
import {
  APPROVAL_APPROVE_ACTION_ID,
  type ApprovalView,
  buildApprovalPendingNotice,
  buildApprovalRequestMessage,
  buildPlanDifferenceMessage,
  buildRejectionNotice,
  buildRejectReasonView,
} from "./approvals.ts";
import { hostile, unsafeMrkdwn, visibleText } from "./fixtures.ts";
import {
  buildScheduledHomeBlocks,
  buildScheduledList,
  buildScheduledMessage,
  buildScheduleSummary,
  SCHEDULED_CANCEL_ACTION_ID,
} from "./scheduled.ts";

const request = (patch: Partial<ApprovalView> = {}): ApprovalView => ({
  id: "apr_k7m2p4q8r9s2",
  planId: "plan_9xq4w2e3r4t5",
  operation: "disable",
  status: "pending",
  rule: "disable of more than 25 rows",
  summary: { change: 30, skip: 2, error: 1 },
  requestedBy: "slack:U0ALICE",
  requestedAt: "2026-11-02T09:00:00.000Z",
  decidedBy: null,
  decidedAt: null,
  reason: null,
  jobId: null,
  ...patch,
});

describe("approval surfaces", () => {
  it("a pending request has Approve / Reject…; decided ones say who and why, without buttons", () => {
    const pending = buildApprovalRequestMessage(request(), { fileName: hostile(500) });
    expect(validateMessage(pending)).toEqual([]);
    expect(unsafeMrkdwn(pending.blocks)).toEqual([]);
    expect(JSON.stringify(pending.blocks)).toContain(APPROVAL_APPROVE_ACTION_ID);
    expect(visibleText(pending.blocks)).toContain("<@U0ALICE>");
    expect(visibleText(pending.blocks)).toContain("*Will change*\n30");

    const rejected = request({
      status: "rejected",
      decidedBy: "slack:U0BOB",
      decidedAt: "2026-11-02T10:00:00.000Z",
      reason: hostile(5000),
    });
    const decided = buildApprovalRequestMessage(rejected);
    expect(validateMessage(decided)).toEqual([]);
    expect(unsafeMrkdwn(decided.blocks)).toEqual([]);
    expect(JSON.stringify(decided.blocks)).not.toContain(APPROVAL_APPROVE_ACTION_ID);
    expect(visibleText(decided.blocks)).toContain("Rejected by <@U0BOB>");

    const notice = buildRejectionNotice(rejected);
    expect(validateMessage(notice)).toEqual([]);
    expect(unsafeMrkdwn(notice.blocks)).toEqual([]);
    const approved = buildApprovalRequestMessage(
      request({
        status: "approved",
        decidedBy: "api:second",
        decidedAt: "2026-11-02T10:00:00.000Z",
        jobId: "job_1",
      }),
    );
    expect(visibleText(approved.blocks)).toContain("Approved by `api:second`");
    expect(validateMessage(buildApprovalPendingNotice(request({ rule: hostile(3000) }), "in <#C1>"))).toEqual(
      [],
    );
  });

  it("the difference message fits thousands of changed rows; the reason modal is valid", () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({
      row: i + 1,
      key: `${hostile(200)}${i}@example.com`,
      before: hostile(400),
      after: hostile(400),
    }));
    const diff = buildPlanDifferenceMessage(many);
    expect(validateMessage(diff)).toEqual([]);
    expect(unsafeMrkdwn(diff.blocks)).toEqual([]);
    expect(visibleText(diff.blocks)).toContain("more row");
    expect(
      validateView(buildRejectReasonView({ approvalId: "apr_1", operation: "delete", rows: 3 })),
    ).toEqual([]);
  });

  it("scheduled surfaces: message, list with Cancel, home, preview summary", () => {
    const batches = Array.from({ length: 40 }, (_, i) => ({
      id: `sched_${i}`,
      operation: "disable",
      runAt: new Date(Date.UTC(2026, 10, 11 + i)).toISOString(),
      rows: 12,
      keys: Array.from({ length: 10 }, (_, k) => `${hostile(150)}${k}@x.com`),
      requestedBy: "slack:U0ALICE",
      jobId: i === 0 ? "job_now" : null,
    }));
    const message = buildScheduledMessage({
      operation: "disable",
      planId: "plan_1",
      timeZone: "Europe/Paris",
      batches,
      command: "/bulkusers",
    });
    expect(validateMessage(message)).toEqual([]);
    expect(visibleText(message.blocks)).toContain(
      "*2026-11-11 01:00 (Europe/Paris)* (now): 12 rows — job `job_now`",
    );
    const list = buildScheduledList({ timeZone: "UTC", batches, command: "/bulkusers", canCancel: true });
    expect(validateMessage(list)).toEqual([]);
    expect(unsafeMrkdwn(list.blocks)).toEqual([]);
    expect(JSON.stringify(list.blocks).split(SCHEDULED_CANCEL_ACTION_ID)).toHaveLength(21);
    expect(validateMessage({ text: "home", blocks: buildScheduledHomeBlocks("UTC", batches) })).toEqual([]);
    const summary = buildScheduleSummary(
      Array.from({ length: 500 }, (_, i) => ({
        at: new Date(Date.UTC(2027, 0, 1 + i)).toISOString(),
        rows: [i + 1],
      })),
      "UTC",
    );
    expect(validateMessage({ text: "s", blocks: summary })).toEqual([]);
    expect(visibleText(summary)).toContain("more date");
  });
});
