// Buttons that start work tell the truth afterwards: the HR thread reply says who approved it, when, and the
// job (its button gone); an expired plan's reply says it expired; a stale click is answered, never a silent
// close or a fresh-looking preview.
import { readFileSync } from "node:fs";
import { eq } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import { approvalRequests, jobs, licenses, plans } from "../src/directory/schema.ts";
import { APPROVAL_APPROVE_ACTION_ID } from "../src/slack/blocks/approvals.ts";
import {
  PREVIEW_VIEW_CALLBACK_ID,
  REJECT_PLAN_ACTION_ID,
  REVIEW_PLAN_ACTION_ID,
} from "../src/slack/blocks/ids.ts";
import { describeEachDatabase } from "./support/db.ts";
import type { FakeMessage } from "./support/fake-slack.ts";
import {
  ADMIN,
  HR_CHANNEL,
  HR_USER,
  type SlackHarness,
  startSlackHarness,
  textOf,
  until,
  viewWith,
} from "./support/slack-app.ts";

const SAMPLE = readFileSync(new URL("./fixtures/csv/samples/new-hires.csv", import.meta.url));

type Block = { type: string; elements?: Array<{ action_id?: string; value?: string }> };
const buttonsOf = (m: FakeMessage) => ((m.blocks ?? []) as Block[]).filter((b) => b.type === "actions");

describeEachDatabase("slack buttons tell the truth", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  /** HR posts the sample hire list; resolves with the bot's reply and its plan id. */
  async function hrUpload(postTs: string) {
    const { fake } = h!;
    await ctx.handle.db
      .insert(licenses)
      .values([
        { sku: "M365_E5", name: "Microsoft 365 E5", totalSeats: 10 },
        { sku: "M365_BUSINESS_PREMIUM", name: "Business Premium", totalSeats: 10 },
      ])
      .onConflictDoNothing();
    const file = fake.addFile({ name: "new-hires.csv", content: SAMPLE, channel: HR_CHANNEL, user: HR_USER });
    await h!.event({
      type: "message",
      subtype: "file_share",
      channel: HR_CHANNEL,
      user: HR_USER,
      ts: postTs,
      files: [file],
    });
    const reply = await until(
      () => fake.messagesIn(HR_CHANNEL, postTs).find((m) => buttonsOf(m).length > 0),
      30_000,
      "the HR reply",
    );
    const planId =
      buttonsOf(reply)[0]?.elements?.find((e) => e.action_id === REVIEW_PLAN_ACTION_ID)?.value ?? "";
    expect(planId).toMatch(/^plan_/);
    // The plan remembers its reply right after posting it.
    await until(async () => {
      const [plan] = await ctx.handle.db.select().from(plans).where(eq(plans.id, planId));
      return plan?.context.buttonOrigin;
    });
    return { reply, planId };
  }

  /** The one job the approval started. */
  async function startedJob() {
    const [job] = await until(async () => {
      const rows = await ctx.handle.db.select().from(jobs);
      return rows.length > 0 ? rows : null;
    });
    return job!;
  }

  /** Waits for the reply's edit; no button may be left on it. Returns its text. */
  async function editedReply(reply: FakeMessage): Promise<string> {
    await until(() => reply.history.length >= 2, 30_000, "the reply's edit");
    expect(buttonsOf(reply)).toEqual([]);
    return textOf(reply.blocks);
  }

  const click = (reply: FakeMessage, planId: string) =>
    h!.clickInMessage({
      actionId: REVIEW_PLAN_ACTION_ID,
      value: planId,
      channelId: HR_CHANNEL,
      messageTs: reply.ts,
      user: HR_USER,
    });

  it("approved: the HR reply is edited to say who, when and the job; later clicks and submits say it already ran", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const { fake } = h;
    const { reply, planId } = await hrUpload("1760000200.000100");

    await click(reply, planId);
    const modal = await until(() => viewWith(fake, PREVIEW_VIEW_CALLBACK_ID), 30_000, "the preview");
    expect((await h.submitView(modal, {}, { user: HR_USER })).body?.response_action).toBe("clear");
    const job = await startedJob();

    // chat.update of the reply: no button left, who approved, the job.
    const edited = await editedReply(reply);
    expect(edited).toContain(`*Approved* by <@${HR_USER}>`);
    expect(edited).toContain(job.id);
    expect(edited).toContain("<!date^");
    expect(edited).toContain("new-hires.csv"); // the summary stays
    expect(edited).not.toContain("nothing changes until someone approves"); // only true while it waited
    expect(reply.text).toContain("(approved)");
    expect(fake.callsTo("chat.update").filter((c) => c.args.ts === reply.ts)).toHaveLength(1);

    // Someone clicks the button in a client that still shows it: an ephemeral answer, no modal.
    const opened = fake.callsTo("views.open").length;
    await click(reply, planId);
    const stale = await until(
      () => fake.messages.find((m) => m.ephemeral && m.user === HR_USER && m.channel === HR_CHANNEL),
      30_000,
      "the stale-click answer",
    );
    expect(textOf(stale.blocks)).toContain(`already approved by <@${HR_USER}>`);
    expect(textOf(stale.blocks)).toContain(job.id);
    expect(fake.callsTo("views.open")).toHaveLength(opened);

    // The preview submitted again (a second tab): the modal says so instead of closing silently.
    const late = await h.submitView(modal, {}, { user: HR_USER });
    expect(late.body?.response_action).toBe("update");
    expect(textOf(late.body?.view)).toContain("already approved");
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(1);
    // Still one edit: settling happens once.
    expect(fake.callsTo("chat.update").filter((c) => c.args.ts === reply.ts)).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it("held by the two-person rule: the reply keeps its buttons while it waits, then says who gave the second approval", async () => {
    const REPORTS = "C0REPORTS";
    h = await startSlackHarness({
      handle: ctx.handle,
      noWorker: true,
      env: { BULKUSERS_APPROVAL_RULES: "create", BULKUSERS_REPORT_CHANNEL: REPORTS },
    });
    const { fake } = h;
    const { reply, planId } = await hrUpload("1760000300.000100");
    await click(reply, planId);
    const modal = await until(() => viewWith(fake, PREVIEW_VIEW_CALLBACK_ID), 30_000, "the preview");
    expect((await h.submitView(modal, {}, { user: HR_USER })).body?.response_action).toBe("clear");
    const request = await until(
      () => fake.messagesIn(REPORTS).find((m) => !m.thread_ts && buttonsOf(m).length > 0),
      30_000,
      "the approval request",
    );
    const [pending] = await ctx.handle.db.select().from(approvalRequests);
    expect(pending).toMatchObject({ planId, status: "pending" });
    // Waiting: nothing ran, and the HR reply was not edited.
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);
    expect(fake.callsTo("chat.update").filter((c) => c.args.ts === reply.ts)).toHaveLength(0);

    await h.clickInMessage({
      actionId: APPROVAL_APPROVE_ACTION_ID,
      value: pending!.id,
      channelId: REPORTS,
      messageTs: request.ts,
      user: ADMIN,
    });
    const job = await startedJob();
    const edited = await editedReply(reply);
    expect(edited).toContain(`*Approved* by <@${ADMIN}>`);
    expect(edited).toContain(job.id);
    expect(fake.callsTo("chat.update").filter((c) => c.args.ts === reply.ts)).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it("rejected: the reply says who rejected it; the plan cannot run any more and later clicks say so", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const { fake } = h;
    const { reply, planId } = await hrUpload("1760000400.000100");
    await h.clickInMessage({
      actionId: REJECT_PLAN_ACTION_ID,
      value: planId,
      channelId: HR_CHANNEL,
      messageTs: reply.ts,
      user: HR_USER,
    });
    expect(await editedReply(reply)).toContain(`*Rejected* by <@${HR_USER}>`);
    const [plan] = await ctx.handle.db.select().from(plans).where(eq(plans.id, planId));
    expect(plan?.status).toBe("cancelled");

    await click(reply, planId);
    const stale = await until(
      () => fake.messages.find((m) => m.ephemeral && m.user === HR_USER),
      30_000,
      "the stale-click answer",
    );
    expect(textOf(stale.blocks)).toContain("rejected");
    expect(fake.callsTo("views.open")).toHaveLength(0);
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);
    expect(fake.callsTo("chat.update").filter((c) => c.args.ts === reply.ts)).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it("expired: the sweep edits the HR reply; a click then says it expired and opens nothing", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const { fake } = h;
    const { reply, planId } = await hrUpload("1760000300.000100");
    expect(await h.slack.sweepButtons()).toBe(0);
    expect(reply.history).toHaveLength(1);

    // A day later (plans live for hours): the sweep finds it.
    h.engine.setNow("2026-11-03T12:00:00.000Z");
    expect(await h.slack.sweepButtons()).toBe(1);
    expect(buttonsOf(reply)).toEqual([]);
    expect(textOf(reply.blocks)).toContain("*Expired*");
    expect(textOf(reply.blocks)).toContain("nothing was changed");
    expect(await h.slack.sweepButtons()).toBe(0);

    await click(reply, planId);
    const stale = await until(
      () => fake.messages.find((m) => m.ephemeral && m.user === HR_USER),
      30_000,
      "the stale-click answer",
    );
    expect(textOf(stale.blocks)).toContain("expired");
    expect(fake.callsTo("views.open")).toHaveLength(0);
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);
    expect(fake.violations).toEqual([]);
  });
});
