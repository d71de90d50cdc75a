// The two-person rule in Slack, end to end over signed HTTP (Bolt's real receiver, the fake Slack Web API,
// a real database and worker): a 30-row disable confirmed by one admin goes to the report channel with its
// preview CSV and Approve / Reject…; the requester's own approval is refused; a second admin's approval runs
// it once, in the request's thread; a rejection asks why, says it in the thread and runs nothing.
import { and, asc, eq, like } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/directory/client.ts";
import { approvalRequests, auditLog, jobs, users } from "../src/directory/schema.ts";
import {
  APPROVAL_APPROVE_ACTION_ID,
  APPROVAL_REASON_ACTION_ID,
  APPROVAL_REASON_BLOCK_ID,
  APPROVAL_REJECT_ACTION_ID,
  APPROVAL_REJECT_VIEW_CALLBACK_ID,
} from "../src/slack/blocks/approvals.ts";
import { OPERATION_VIEW_CALLBACK_ID, PREVIEW_VIEW_CALLBACK_ID } from "../src/slack/blocks/ids.ts";
import { describeEachDatabase } from "./support/db.ts";
import type { FakeMessage } from "./support/fake-slack.ts";
import {
  ADMIN,
  fileInputValues,
  GENERAL,
  OUTSIDER,
  type SlackHarness,
  startSlackHarness,
  textOf,
  until,
  viewWith,
} from "./support/slack-app.ts";

const SECOND = "U0SECOND";
const REPORTS = "C0REPORTS";
const emails = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${i + 1}@example.com`);
const disableCsv = (list: string[]) => `UserPrincipalName\r\n${list.map((e) => `${e}\r\n`).join("")}`;

async function seed(handle: DatabaseHandle, list: string[]) {
  await handle.db.insert(users).values(list.map((email, i) => ({ email, displayName: `Person ${i + 1}` })));
}

describeEachDatabase("slack two-person rule", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  /** /bulkusers disable → upload → preview → confirm, as ADMIN. Returns the request message in #reports. */
  async function requestDisable(harness: SlackHarness, list: string[]): Promise<FakeMessage> {
    const { fake } = harness;
    const before = fake.messagesIn(REPORTS).filter((m) => !m.thread_ts).length;
    await harness.command("disable");
    const modal = await until(() => viewWith(fake, OPERATION_VIEW_CALLBACK_ID), 30_000, "the modal");
    const file = fake.addFile({ name: "leavers.csv", content: Buffer.from(disableCsv(list)), user: ADMIN });
    await harness.submitView(modal, fileInputValues(file));
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    expect((await harness.submitView(modal, {})).body?.response_action).toBe("clear");
    return until(
      () => fake.messagesIn(REPORTS).filter((m) => !m.thread_ts)[before],
      30_000,
      "the approval request in the report channel",
    );
  }

  it("30-row disable: request in #reports with the preview CSV; own approval refused; a second admin's approval runs it once in the thread", async () => {
    h = await startSlackHarness({
      handle: ctx.handle,
      admins: [ADMIN, SECOND],
      env: { BULKUSERS_REPORT_CHANNEL: REPORTS },
    });
    const { fake } = h;
    await seed(ctx.handle, emails("leaver", 30));
    const request = await requestDisable(h, emails("leaver", 30));
    const [stored] = await ctx.handle.db.select().from(approvalRequests);
    expect(stored).toMatchObject({
      status: "pending",
      requestedBy: `slack:${ADMIN}`,
      rule: "disable of more than 25 rows",
    });
    expect(textOf(request.blocks)).toContain("Second approval needed");
    expect(textOf(request.blocks)).toContain(`<@${ADMIN}>`);
    expect(textOf(request.blocks)).toContain("*Will change*\n30");
    // The preview CSV in the request's thread; the requester told privately where it went.
    const preview = await until(
      () => fake.files.find((f) => f.name === `preview-${stored!.planId}.csv`),
      30_000,
      "preview CSV",
    );
    expect(preview).toMatchObject({ channel: REPORTS, thread_ts: request.ts });
    expect(preview.bytes.toString("utf8")).toContain("leaver30@example.com");
    await until(
      () =>
        fake.messages.find(
          (m) => m.ephemeral && m.user === ADMIN && (m.text ?? "").includes("needs a second approval"),
        ),
      30_000,
      "the requester's notice",
    );
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);

    // The requester clicks Approve on their own request: refused, privately, audited; nothing runs.
    await h.clickInMessage({
      actionId: APPROVAL_APPROVE_ACTION_ID,
      value: stored!.id,
      channelId: REPORTS,
      messageTs: request.ts,
      user: ADMIN,
    });
    await until(
      () =>
        fake.messages.find(
          (m) => m.ephemeral && m.user === ADMIN && (m.text ?? "").includes("someone else has to approve"),
        ),
      30_000,
      "the refusal",
    );
    // Someone who is not an approver: refused too.
    await h.clickInMessage({
      actionId: APPROVAL_APPROVE_ACTION_ID,
      value: stored!.id,
      channelId: REPORTS,
      messageTs: request.ts,
      user: OUTSIDER,
    });
    await until(
      () => fake.messages.find((m) => m.ephemeral && m.user === OUTSIDER),
      30_000,
      "the outsider's refusal",
    );
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);

    // The second admin approves (twice: a double click).
    await h.clickInMessage({
      actionId: APPROVAL_APPROVE_ACTION_ID,
      value: stored!.id,
      channelId: REPORTS,
      messageTs: request.ts,
      user: SECOND,
    });
    await h.clickInMessage({
      actionId: APPROVAL_APPROVE_ACTION_ID,
      value: stored!.id,
      channelId: REPORTS,
      messageTs: request.ts,
      user: SECOND,
    });
    const job = await until(
      async () => {
        const [j] = await ctx.handle.db.select().from(jobs);
        return j?.reportedAt ? j : null;
      },
      30_000,
      "the job's report",
    );
    expect(job).toMatchObject({
      status: "succeeded",
      succeeded: 30,
      requestedBy: `slack:${ADMIN}`,
      approvedBy: `slack:${SECOND}`,
      slackChannel: REPORTS,
      slackThreadTs: request.ts,
    });
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(1);
    const disabled = await ctx.handle.db.select().from(users).where(eq(users.status, "disabled"));
    expect(disabled).toHaveLength(30);
    // Results in the request's thread; the request lost its buttons and says who approved.
    expect(fake.files.find((f) => f.name === `results-${job.id}.csv`)).toMatchObject({
      channel: REPORTS,
      thread_ts: request.ts,
    });
    await until(() => textOf(request.blocks).includes("Approved by"), 30_000, "the decided request");
    expect(textOf(request.blocks)).toContain(`<@${SECOND}>`);
    expect(JSON.stringify(request.blocks)).not.toContain(APPROVAL_APPROVE_ACTION_ID);

    const steps = await ctx.handle.db
      .select({ actor: auditLog.actor, action: auditLog.action, source: auditLog.source })
      .from(auditLog)
      .where(like(auditLog.action, "approval.%"))
      .orderBy(asc(auditLog.id));
    expect(steps).toEqual([
      { actor: `slack:${ADMIN}`, action: "approval.requested", source: "slack" },
      { actor: `slack:${ADMIN}`, action: "approval.refused", source: "slack" },
      { actor: `slack:${SECOND}`, action: "approval.approved", source: "slack" },
    ]);
    const refused = await ctx.handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "slack.refused"), eq(auditLog.actor, `slack:${OUTSIDER}`)));
    expect(refused).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it("rejection: Reject… asks why (required), says it in the thread, and nothing runs", async () => {
    h = await startSlackHarness({ handle: ctx.handle, admins: [ADMIN, SECOND], noWorker: false });
    const { fake } = h;
    await seed(ctx.handle, emails("mover", 30));
    // No report channel: the request goes to the channel the plan came from.
    const before = fake.messagesIn(GENERAL).length;
    await h.command("disable");
    const modal = await until(() => viewWith(fake, OPERATION_VIEW_CALLBACK_ID), 30_000, "the modal");
    const file = fake.addFile({
      name: "movers.csv",
      content: Buffer.from(disableCsv(emails("mover", 30))),
      user: ADMIN,
    });
    await h.submitView(modal, fileInputValues(file));
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    await h.submitView(modal, {});
    const request = await until(
      () =>
        fake
          .messagesIn(GENERAL)
          .slice(before)
          .find((m) => !m.ephemeral && !m.thread_ts && textOf(m.blocks).includes("Second approval")),
      30_000,
      "the request in the plan's channel",
    );
    const [stored] = await ctx.handle.db.select().from(approvalRequests);
    await h.clickInMessage({
      actionId: APPROVAL_REJECT_ACTION_ID,
      value: stored!.id,
      channelId: GENERAL,
      messageTs: request.ts,
      user: SECOND,
    });
    const reasonView = await until(
      () => viewWith(fake, APPROVAL_REJECT_VIEW_CALLBACK_ID),
      30_000,
      "the reason modal",
    );
    const empty = await h.submitView(
      reasonView,
      {
        [APPROVAL_REASON_BLOCK_ID]: { [APPROVAL_REASON_ACTION_ID]: { type: "plain_text_input", value: " " } },
      },
      { user: SECOND },
    );
    expect(empty.body).toMatchObject({ response_action: "errors" });
    const done = await h.submitView(
      reasonView,
      {
        [APPROVAL_REASON_BLOCK_ID]: {
          [APPROVAL_REASON_ACTION_ID]: {
            type: "plain_text_input",
            value: "These people moved teams, they are not leaving",
          },
        },
      },
      { user: SECOND },
    );
    expect(done.status).toBe(200);
    const said = await until(
      () => fake.messagesIn(GENERAL, request.ts).find((m) => textOf(m.blocks).includes("not leaving")),
      30_000,
      "the rejection in the thread",
    );
    expect(textOf(said.blocks)).toContain(`<@${SECOND}> rejected this, <@${ADMIN}>`);
    await until(() => textOf(request.blocks).includes("Rejected by"), 30_000, "the decided request");
    expect(JSON.stringify(request.blocks)).not.toContain(APPROVAL_REJECT_ACTION_ID);
    const [after] = await ctx.handle.db.select().from(approvalRequests);
    expect(after).toMatchObject({
      status: "rejected",
      decidedBy: `slack:${SECOND}`,
      reason: "These people moved teams, they are not leaving",
    });
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);
    expect(await ctx.handle.db.select().from(users).where(eq(users.status, "disabled"))).toHaveLength(0);
    expect(fake.violations).toEqual([]);
  });
});
