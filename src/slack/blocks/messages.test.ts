// Every message surface: validator-clean, inert with hostile data, and the content users rely on.
import { describe, expect, it } from "vitest";
import { validateMessage } from "../../../test/support/block-kit.ts";
import { OPERATIONS } from "../../core/types.ts";
import { escapeMrkdwn } from "./common.ts";
import {
  bigCreatePlan,
  changeRow,
  errorRow,
  hostile,
  hostilePlan,
  planOf,
  skipRow,
  unsafeMrkdwn,
  unsafeString,
  visibleText,
} from "./fixtures.ts";
import { buildHelpMessage, HELP_SECTIONS } from "./help.ts";
import { buildHrPlanReply } from "./hr.ts";
import { REJECT_PLAN_ACTION_ID, REVIEW_PLAN_ACTION_ID } from "./ids.ts";
import {
  buildJobNotFoundMessage,
  buildJobStatusMessage,
  buildJobsListMessage,
  type JobListItem,
} from "./jobs.ts";
import { buildReportMovedMessage } from "./notice.ts";
import { buildProgressMessage, buildQueuedMessage, estimateRemainingMs } from "./progress.ts";
import { buildFileRefusalMessage, buildNotAuthorisedMessage } from "./refusal.ts";
import { buildFinishedMessage, buildPasswordsDmMessage } from "./results.ts";

const NOW = "2026-07-01T14:00:00.000Z";

function expectClean(message: { text: string; blocks: unknown[] }) {
  expect(validateMessage(message)).toEqual([]);
  expect(unsafeMrkdwn(message.blocks)).toEqual([]);
  expect(message.text.trim()).not.toBe("");
  expect(unsafeString(message.text)).toEqual([]);
}

function buttonsOf(message: { blocks: unknown[] }): Array<{ action_id: string; value?: string }> {
  return message.blocks.flatMap((b) => {
    const block = b as {
      type: string;
      elements?: Array<{ type: string; action_id: string; value?: string }>;
    };
    return block.type === "actions" ? (block.elements ?? []).filter((e) => e.type === "button") : [];
  });
}

describe("help", () => {
  const help = buildHelpMessage();
  const text = visibleText(help.blocks);

  it("lists every subcommand with a description", () => {
    expectClean(help);
    const expected = [
      "help",
      ...OPERATIONS,
      "select <filter>",
      "export [filter]",
      "template [operation]",
      "jobs",
      "status <job>",
      "undo <job>",
      "schedule",
      "schedules",
    ];
    for (const usage of expected) {
      expect(text).toMatch(new RegExp(`\`/bulkusers ${escapeRe(escapeMrkdwn(usage))}\`: \\w`));
    }
    expect(HELP_SECTIONS.flatMap((s) => s.entries)).toHaveLength(expected.length);
  });

  it("shows filter examples", () => {
    expect(text).toContain("`department:Sales inactive:&gt;90d`");
  });

  it("answers unknown input by echoing it safely, then help", () => {
    const reply = buildHelpMessage({ unknownInput: "frobnicate <!channel> `x`", command: "/bu" });
    expectClean(reply);
    const replyText = visibleText(reply.blocks);
    expect(replyText).toContain("I didn't understand `frobnicate &lt;!channel&gt; ˋxˋ`");
    expect(replyText).toContain("`/bu create`");
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\<>]/g, "\\$&");
}

describe("HR thread reply", () => {
  const plan = planOf("create", [
    changeRow(1, "ann@example.com", [{ field: "displayName", from: null, to: "Ann" }]),
    errorRow(2, "bob@example.com", "Manager zed@example.com was not found"),
    skipRow(3, "cat@example.com", "already exists with the same data"),
  ]);
  const reply = buildHrPlanReply({
    plan,
    planId: "pl_9",
    fileName: "hires-july.csv",
    expiresAt: "2026-07-02T14:00:00Z",
    now: NOW,
    uploaderId: "U0HR1",
  });

  it("summarises counts, file name, first errors, and offers Review & approve", () => {
    expectClean(reply);
    const text = visibleText(reply.blocks);
    expect(text).toContain("hires-july.csv");
    expect(text).toContain("<@U0HR1>");
    expect(text).toContain("*Will change*\n1");
    expect(text).toContain("*Errors*\n1");
    expect(text).toContain("*Row 2* · bob@example.com — Manager zed@example.com was not found");
    expect(buttonsOf(reply)).toEqual([
      expect.objectContaining({ action_id: REVIEW_PLAN_ACTION_ID, value: "pl_9" }),
      expect.objectContaining({ action_id: REJECT_PLAN_ACTION_ID, value: "pl_9", style: "danger" }),
    ]);
    expect(reply.text).toContain("1 will change");
  });

  it("has no button when nothing would change or the plan expired", () => {
    const nothing = buildHrPlanReply({
      plan: planOf("create", [errorRow(1, "", "Email is required")]),
      planId: "pl_1",
      fileName: "x.csv",
      expiresAt: "2026-07-02T14:00:00Z",
      now: NOW,
    });
    expectClean(nothing);
    expect(buttonsOf(nothing)).toEqual([]);
    const expired = buildHrPlanReply({ plan, planId: "pl_9", fileName: "x.csv", expiresAt: NOW, now: NOW });
    expect(buttonsOf(expired)).toEqual([]);
  });

  it("stays within limits for 5,000 rows and hostile values", () => {
    for (const p of [bigCreatePlan(5000), hostilePlan(5000)]) {
      const r = buildHrPlanReply({
        plan: p,
        planId: "pl_big",
        fileName: hostile(3000),
        expiresAt: "2026-07-02T14:00:00Z",
        now: NOW,
        uploaderId: "U1",
      });
      expectClean(r);
    }
    const r = buildHrPlanReply({
      plan: bigCreatePlan(5000),
      planId: "p",
      fileName: "f.csv",
      expiresAt: "2026-07-02T14:00:00Z",
      now: NOW,
    });
    expect(visibleText(r.blocks)).toContain("…and 495 more errors");
  });
});

describe("progress", () => {
  const base = {
    jobId: "job_1",
    operation: "create" as const,
    total: 5000,
    processed: 2500,
    counts: { succeeded: 2400, failed: 60, skipped: 40 },
    startedAt: "2026-07-01T13:58:00.000Z",
    now: NOW,
  };

  it("shows a bar, counts, ETA from the pace so far, and the job id", () => {
    const msg = buildProgressMessage(base);
    expectClean(msg);
    const text = visibleText(msg.blocks);
    expect(text).toContain("▓▓▓▓▓░░░░░ 50%");
    expect(text).toContain("2,500 of 5,000 rows");
    expect(text).toContain("*Succeeded*\n2,400");
    expect(text).toContain("*Failed*\n60");
    expect(text).toContain("*Skipped*\n40");
    expect(text).toContain("about 2 min left");
    expect(text).toContain("`job_1`");
    expect(msg.text).toContain("50%");
  });

  it("computes ETA purely and says so when it cannot yet", () => {
    expect(estimateRemainingMs("2026-07-01T13:59:00Z", NOW, 100, 400)).toBe(180_000);
    expect(estimateRemainingMs(NOW, NOW, 0, 400)).toBeNull();
    expect(estimateRemainingMs("2026-07-01T13:59:00Z", NOW, 400, 400)).toBe(0);
    expect(
      visibleText(
        buildProgressMessage({ ...base, processed: 0, counts: { succeeded: 0, failed: 0, skipped: 0 } })
          .blocks,
      ),
    ).toContain("estimating");
  });

  it("shows the queue position", () => {
    const msg = buildQueuedMessage({ jobId: "job_2", operation: "delete", position: 2, total: 10 });
    expectClean(msg);
    expect(msg.text).toContain("Queued: position 2");
    expect(visibleText(msg.blocks)).toContain("1 job ahead");
  });
});

describe("finished summary", () => {
  const base = {
    jobId: "job_1",
    operation: "create" as const,
    total: 40,
    counts: { succeeded: 38, failed: 2, skipped: 0 },
    startedAt: "2026-07-01T13:58:48Z",
    finishedAt: NOW,
  };

  it("gives duration, counts, results CSV hint, retry hint and the password DM note", () => {
    const msg = buildFinishedMessage({ ...base, passwordsSentTo: "U0APPROVER", undoable: true });
    expectClean(msg);
    const text = visibleText(msg.blocks);
    expect(text).toContain("finished with 2 failed rows");
    expect(text).toContain("1 min 12 s");
    expect(text).toContain("Results CSV attached below");
    expect(text).toContain("*Failure Reason*");
    expect(text).toContain("Temporary passwords were sent to <@U0APPROVER> by DM");
    expect(text).toContain("/bulkusers undo job_1");
    expect(msg.text).toContain("38 succeeded, 2 failed, 0 skipped");
  });

  it("is plain success without failures or passwords", () => {
    const msg = buildFinishedMessage({
      ...base,
      operation: "disable",
      counts: { succeeded: 40, failed: 0, skipped: 0 },
    });
    expectClean(msg);
    const text = visibleText(msg.blocks);
    expect(text).toContain("Disable users: done");
    expect(text).not.toContain("Failure Reason");
    expect(text).not.toContain("passwords");
  });

  it("reports a stopped job with its reason, escaped", () => {
    const msg = buildFinishedMessage({
      ...base,
      error: "database <!here> unavailable",
      resultsAttached: false,
    });
    expectClean(msg);
    expect(visibleText(msg.blocks)).toContain("stopped");
    expect(visibleText(msg.blocks)).not.toContain("attached below");
  });

  it("DMs passwords with a note", () => {
    const msg = buildPasswordsDmMessage({ jobId: "job_1", operation: "reset-password", count: 3 });
    expectClean(msg);
    expect(msg.text).toContain("3 users");
  });
});

describe("jobs", () => {
  const job = (i: number, over: Partial<JobListItem> = {}): JobListItem => ({
    id: `job_${i}`,
    operation: OPERATIONS[i % OPERATIONS.length] ?? "create",
    status: ["queued", "running", "succeeded", "failed"][i % 4] ?? "succeeded",
    total: 100 * i,
    counts: { succeeded: 90 * i, failed: 5 * i, skipped: 5 * i },
    requestedBy: i % 2 ? "U0ADMIN" : "api:ci",
    createdAt: "2026-07-01T12:00:00Z",
    ...over,
  });

  it("lists recent jobs with id, operation, status, counts, who and when", () => {
    const msg = buildJobsListMessage({ jobs: [job(1), job(2)], now: NOW });
    expectClean(msg);
    const text = visibleText(msg.blocks);
    expect(text).toContain("`job_1`");
    expect(text).toContain("Update users");
    expect(text).toContain("running");
    expect(text).toContain("90 ok · 5 failed · 5 skipped");
    expect(text).toContain("by <@U0ADMIN>");
    expect(text).toContain("by api:ci");
    expect(text).toContain("2 hours ago");
  });

  it("caps a long list and says so; hostile actor labels are inert", () => {
    const jobs = Array.from({ length: 60 }, (_, i) =>
      job(i + 1, { requestedBy: hostile(3000), status: hostile(500) }),
    );
    const msg = buildJobsListMessage({ jobs, now: NOW });
    expectClean(msg);
    expect(visibleText(msg.blocks)).toContain("40 older not shown");
    expectClean(buildJobsListMessage({ jobs: [], now: NOW }));
  });

  it("shows one job's status, progress and undo hint", () => {
    const running = buildJobStatusMessage({
      job: {
        ...job(1),
        status: "running",
        total: 200,
        counts: { succeeded: 50, failed: 0, skipped: 0 },
        startedAt: "2026-07-01T13:59:00Z",
      },
      now: NOW,
    });
    expectClean(running);
    expect(visibleText(running.blocks)).toContain("▓▓░░░░░░░░ 25%");
    expect(visibleText(running.blocks)).toContain("about 3 min left");
    const done = buildJobStatusMessage({
      job: {
        ...job(2),
        status: "succeeded",
        approvedBy: "U0BOSS",
        startedAt: "2026-07-01T12:00:00Z",
        finishedAt: "2026-07-01T12:01:30Z",
        undoable: true,
      },
      now: NOW,
    });
    expectClean(done);
    const text = visibleText(done.blocks);
    expect(text).toContain("<@U0BOSS>");
    expect(text).toContain("1 min 30 s");
    expect(text).toContain("/bulkusers undo job_2");
    const queued = buildJobStatusMessage({
      job: { ...job(4), status: "queued", queuePosition: 3 },
      now: NOW,
    });
    expect(visibleText(queued.blocks)).toContain("Queued: position 3");
    expectClean(buildJobNotFoundMessage("<!channel>"));
  });
});

describe("refusals", () => {
  it("names the file problem and its code; nothing changed", () => {
    const msg = buildFileRefusalMessage({
      refusal: { code: "csv.missing_column", message: "The required column 'Email' is missing." },
      fileName: "hires.csv",
      operation: "create",
    });
    expectClean(msg);
    const text = visibleText(msg.blocks);
    expect(text).toContain("The required column 'Email' is missing.");
    expect(text).toContain("`csv.missing_column`");
    expect(text).toContain("nothing was changed");
    expect(text).toContain("/bulkusers template create");
    expectClean(
      buildFileRefusalMessage({
        refusal: { code: hostile(300), message: hostile(3000) },
        fileName: hostile(3000),
      }),
    );
  });

  it("refuses politely and says who may do it", () => {
    const msg = buildNotAuthorisedMessage({
      attempted: "run delete",
      adminIds: ["U0A1", "U0A2"],
      hrUserIds: ["U0HR"],
      hrChannelId: "C0HR",
      hrMayDoThis: true,
    });
    expectClean(msg);
    const text = visibleText(msg.blocks);
    expect(text).toContain("Sorry, you aren't allowed to run delete.");
    expect(text).toContain("<@U0A1>, <@U0A2>");
    expect(text).toContain("<#C0HR>");
    expect(text).toContain("<@U0HR>");
    const many = buildNotAuthorisedMessage({
      attempted: "x",
      adminIds: Array.from({ length: 40 }, (_, i) => `U0${i}A`),
    });
    expectClean(many);
    expect(visibleText(many.blocks)).toContain("and 35 more");
    expect(visibleText(many.blocks)).not.toContain("HR members");
  });
});

describe("report moved to a DM", () => {
  it("names the channel, says why in words, and how to invite the bot; unknown codes are quoted", () => {
    for (const error of [
      "not_in_channel",
      "channel_not_found",
      "is_archived",
      "restricted_action",
      "weird_error",
    ]) {
      const message = buildReportMovedMessage({
        jobId: "job_1",
        channelId: "C0X",
        error,
        botUserId: "U0BOT",
      });
      expectClean(message);
      const text = visibleText(message.blocks);
      expect(text).toContain("job `job_1` in <#C0X>");
      expect(text).not.toContain(error === "weird_error" ? "&lt;" : "weird");
    }
    const notIn = visibleText(
      buildReportMovedMessage({ jobId: "j", channelId: "C0X", error: "not_in_channel", botUserId: "U0BOT" })
        .blocks,
    );
    expect(notIn).toContain("I'm not a member of it");
    expect(notIn).toContain("type `/invite` <@U0BOT> in <#C0X>");
    expect(
      visibleText(buildReportMovedMessage({ jobId: "j", channelId: "C0X", error: "weird_error" }).blocks),
    ).toContain("Slack answered `weird_error`");
  });
});
