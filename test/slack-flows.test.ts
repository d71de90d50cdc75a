// End-to-end over signed HTTP: Bolt's real receiver, the real WebClient, the fake Slack Web API, a real
// database and worker. What users rely on: the modals and messages that reach Slack (each one validated
// against Slack's limits by the fake), the CSV bytes, the rows in the database.
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { eq, sql } from "drizzle-orm";
import ExcelJS from "exceljs";
import { afterEach, expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { auditLog, jobCredentials, jobs, users } from "../src/directory/schema.ts";
import { readUpload } from "../src/files/read.ts";
import {
  LOADING_VIEW_CALLBACK_ID,
  OPERATION_VIEW_CALLBACK_ID,
  PREVIEW_VIEW_CALLBACK_ID,
  REVIEW_PLAN_ACTION_ID,
} from "../src/slack/blocks/ids.ts";
import { describeEachDatabase } from "./support/db.ts";
import type { FakeMessage, FakeSlack } from "./support/fake-slack.ts";
import { seedSampleLicenses } from "./support/sample-licenses.ts";
import {
  ADMIN,
  fileInputValues,
  GENERAL,
  HR_CHANNEL,
  HR_USER,
  OUTSIDER,
  type SlackHarness,
  startSlackHarness,
  textOf,
  until,
  viewWith,
} from "./support/slack-app.ts";

const SAMPLE = readFileSync(new URL("./fixtures/csv/samples/new-hires.csv", import.meta.url));
const csvRows = (bytes: Buffer) => parse(bytes.toString("utf8"), { bom: true }) as string[][];

/** Everything the bot said outside DMs: message texts and blocks (every version), files and their comments. */
function channelContent(fake: FakeSlack): string {
  const messages = fake.messages.filter((m) => !m.channel.startsWith("D")).map((m) => textOf(m.history));
  const files = fake.files
    .filter((f) => !(f.channel ?? "").startsWith("D"))
    .map((f) => `${f.name}\n${f.initial_comment ?? ""}\n${f.bytes.toString("utf8")}`);
  const responses = fake.responses.map((r) => textOf(r.body));
  return [...messages, ...files, ...responses].join("\n");
}

describeEachDatabase("slack flows", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function reportedJob() {
    return until(
      async () => {
        const [job] = await ctx.handle.db.select().from(jobs);
        return job?.reportedAt ? job : null;
      },
      30_000,
      "the job's final report",
    );
  }

  it("admin: /bulkusers create → modal → upload → preview → approve → job → progress edits → results in the thread, passwords by DM", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    await seedSampleLicenses(ctx.handle.db);
    const { fake } = h;

    const res = await h.command("create");
    expect(res.status).toBe(200);
    const modal = await until(
      () => viewWith(fake, OPERATION_VIEW_CALLBACK_ID),
      30_000,
      "the operation modal",
    );
    expect(fake.callsTo("views.open")).toHaveLength(1);
    expect(textOf(modal.view)).toContain("Create users");

    const file = fake.addFile({ name: "new-hires.csv", content: SAMPLE, user: ADMIN });
    const ack = await h.submitView(modal, fileInputValues(file));
    expect(ack.status).toBe(200);
    expect(ack.body?.response_action).toBe("update");
    expect((ack.body?.view as { callback_id?: string } | undefined)?.callback_id).toBe(
      LOADING_VIEW_CALLBACK_ID,
    );

    // The loading view becomes the preview (views.update of the same view).
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    const preview = textOf(modal.view);
    expect(preview).toContain("*Will change*\n4");
    expect(preview).toContain("*Errors*\n0");
    for (const email of [
      "jane.smith@company.com",
      "john.doe@company.com",
      "amara.obi@company.com",
      "lee.park@company.com",
    ]) {
      expect(preview).toContain(email);
    }
    expect(preview).toContain("new-hires.csv");
    expect(fake.callsTo("files.info")).toHaveLength(1);
    expect(fake.callsTo("files.download")).toHaveLength(1);

    const approve = await h.submitView(modal, {});
    expect(approve.body?.response_action).toBe("clear");

    const job = await reportedJob();
    expect(job.status).toBe("succeeded");
    expect({ s: job.succeeded, f: job.failed, k: job.skipped }).toEqual({ s: 4, f: 0, k: 0 });
    expect(job.approvedBy).toBe(`slack:${ADMIN}`);
    expect(job.slackChannel).toBe(GENERAL);

    // One progress message in the command's channel (the thread's parent), posted once and edited.
    const top = fake.messagesIn(GENERAL).filter((m) => m.thread_ts === undefined && !m.ephemeral);
    expect(top).toHaveLength(1);
    const progress = top[0] as FakeMessage;
    expect(job.slackProgressTs).toBe(progress.ts);
    expect(job.slackThreadTs).toBe(progress.ts);
    expect(progress.history.length).toBeGreaterThanOrEqual(2);
    expect(progress.history[0]?.text).toMatch(/Queued|rows/);
    expect(progress.text).toContain("done");
    expect(fake.callsTo("chat.update").length).toBeGreaterThanOrEqual(1);

    // The summary in the thread, then the results CSV uploaded to the thread.
    const thread = fake.messagesIn(GENERAL, progress.ts);
    expect(thread).toHaveLength(1);
    expect(thread[0]?.text).toContain("4 succeeded, 0 failed, 0 skipped");
    const results = fake.files.find((f) => f.name === `results-${job.id}.csv`);
    expect(results).toMatchObject({ channel: GENERAL, thread_ts: progress.ts });
    const rows = csvRows(results!.bytes);
    expect(rows[0]?.slice(0, 2)).toEqual(["Status", "Reason"]);
    expect(rows[0]).toContain("UserPrincipalName");
    expect(rows.slice(1).map((r) => r[0])).toEqual(["Succeeded", "Succeeded", "Succeeded", "Succeeded"]);
    expect(rows.slice(1).map((r) => r[2])).toEqual([
      "jane.smith@company.com",
      "john.doe@company.com",
      "amara.obi@company.com",
      "lee.park@company.com",
    ]);
    expect(fake.files.some((f) => f.name.startsWith("errors-"))).toBe(false);

    // Temporary passwords: a CSV in the approver's DM only, then forgotten.
    const credentials = fake.files.filter((f) => f.name.startsWith("credentials-"));
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.channel).toBe(`D${ADMIN.slice(1)}`);
    const creds = csvRows(credentials[0]!.bytes);
    expect(creds[0]).toEqual(["UserPrincipalName", "TemporaryPassword"]);
    expect(creds).toHaveLength(5);
    const passwords = creds.slice(1).map((r) => r[1] ?? "");
    for (const p of passwords) expect(p.length).toBeGreaterThanOrEqual(16);
    const visible = channelContent(fake);
    const logs = h.logs.join("\n");
    for (const p of passwords) {
      expect(visible).not.toContain(p);
      expect(logs).not.toContain(p);
    }
    expect(await ctx.handle.db.select().from(jobCredentials)).toEqual([]);
    expect(job.report).toMatchObject({ progress: true, credentials: "sent" });

    // The users are in the directory.
    const created = await ctx.handle.db.select({ email: users.email }).from(users).orderBy(users.email);
    expect(created.map((u) => u.email)).toEqual([
      "amara.obi@company.com",
      "jane.smith@company.com",
      "john.doe@company.com",
      "lee.park@company.com",
    ]);
    expect(fake.violations).toEqual([]);
  });

  it("HR: a CSV posted in the HR channel → thread reply with summary and Review & approve → preview → approve → job in the thread", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    await seedSampleLicenses(ctx.handle.db);
    const { fake } = h;
    const file = fake.addFile({ name: "new-hires.csv", content: SAMPLE, channel: HR_CHANNEL, user: HR_USER });
    const postTs = "1760000000.000100";
    const res = await h.event({
      type: "message",
      subtype: "file_share",
      channel: HR_CHANNEL,
      channel_type: "channel",
      user: HR_USER,
      ts: postTs,
      text: "New hires for November",
      files: [file],
    });
    expect(res.status).toBe(200);

    const reply = await until(
      () => fake.messagesIn(HR_CHANNEL, postTs).find((m) => textOf(m.blocks).includes(REVIEW_PLAN_ACTION_ID)),
      30_000,
      "the HR thread reply",
    );
    expect(reply.text).toContain("4 will change, 0 skipped, 0 with errors");
    expect(textOf(reply.blocks)).toContain("Review & approve");
    const button = (
      reply.blocks as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>
    )
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === REVIEW_PLAN_ACTION_ID);
    const planId = button?.value ?? "";
    expect(planId).toMatch(/^plan_/);

    // Someone who is neither HR nor admin cannot open it (refused, audited).
    await h.clickInMessage({
      actionId: REVIEW_PLAN_ACTION_ID,
      value: planId,
      channelId: HR_CHANNEL,
      messageTs: reply.ts,
      user: OUTSIDER,
    });
    await until(() => fake.messages.find((m) => m.ephemeral && m.user === OUTSIDER), 30_000, "the refusal");
    expect(fake.callsTo("views.open")).toHaveLength(0);

    // HR reviews: loading modal at once, then the preview.
    await h.clickInMessage({
      actionId: REVIEW_PLAN_ACTION_ID,
      value: planId,
      channelId: HR_CHANNEL,
      messageTs: reply.ts,
      user: HR_USER,
    });
    const modal = await until(() => viewWith(fake, PREVIEW_VIEW_CALLBACK_ID), 30_000, "the preview modal");
    expect(modal.history[0]?.callback_id).toBe(LOADING_VIEW_CALLBACK_ID);
    expect(textOf(modal.view)).toContain("*Will change*\n4");

    const approve = await h.submitView(modal, {}, { user: HR_USER });
    expect(approve.body?.response_action).toBe("clear");
    const job = await reportedJob();
    expect(job.status).toBe("succeeded");
    expect(job.approvedBy).toBe(`slack:${HR_USER}`);
    expect(job.requestedBy).toBe(`slack:${HR_USER}`);
    expect({ channel: job.slackChannel, thread: job.slackThreadTs }).toEqual({
      channel: HR_CHANNEL,
      thread: postTs,
    });

    // Progress, summary and results all in the file's thread; passwords to the approver's DM.
    const thread = fake.messagesIn(HR_CHANNEL, postTs);
    const progress = thread.find((m) => m.ts === job.slackProgressTs);
    expect(progress?.history.length).toBeGreaterThanOrEqual(2);
    expect(thread.some((m) => m.text?.includes("4 succeeded"))).toBe(true);
    expect(fake.files.find((f) => f.name === `results-${job.id}.csv`)).toMatchObject({
      channel: HR_CHANNEL,
      thread_ts: postTs,
    });
    expect(fake.files.find((f) => f.name === `credentials-${job.id}.csv`)?.channel).toBe(
      `D${HR_USER.slice(1)}`,
    );
    expect((await ctx.handle.db.select().from(users)).length).toBe(4);

    const refusals = await ctx.handle.db.select().from(auditLog).where(eq(auditLog.action, "slack.refused"));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({
      actor: `slack:${OUTSIDER}`,
      details: { action: REVIEW_PLAN_ACTION_ID },
    });
    expect(fake.violations).toEqual([]);
  });

  it("an Excel workbook reaches the same preview as its CSV twin: file input and HR channel", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    await seedSampleLicenses(ctx.handle.db);
    const { fake } = h;
    // The sample hire list as Excel saves it: one sheet, the same cells.
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("New hires");
    for (const row of csvRows(SAMPLE)) sheet.addRow(row);
    const xlsx = Buffer.from(await book.xlsx.writeBuffer());
    // Plan ids, file names and file ids differ between the two uploads; everything else must not.
    const same = (text: string) =>
      text
        .replace(/plan_[A-Za-z0-9_-]+/g, "plan_…")
        .replace(/new-hires\.(csv|xlsx)/g, "new-hires.…")
        .replace(/\bF[A-Z0-9]+\b/g, "F…");

    const uploads = [
      ["new-hires.csv", SAMPLE],
      ["new-hires.xlsx", xlsx],
    ] as const;
    const previews: string[] = [];
    for (const [name, content] of uploads) {
      await h.command("create");
      const modal = await until(
        () => viewWith(fake, OPERATION_VIEW_CALLBACK_ID),
        30_000,
        "the operation modal",
      );
      await h.submitView(modal, fileInputValues(fake.addFile({ name, content, user: ADMIN })));
      await until(
        () => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID,
        30_000,
        `the preview of ${name}`,
      );
      previews.push(same(textOf(modal.view)));
    }
    expect(previews[0]).toContain("*Will change*\n4");
    expect(previews[1]).toBe(previews[0]);

    const replies: string[] = [];
    for (const [i, [name, content]] of uploads.entries()) {
      const postTs = `1760000010.00010${i}`;
      const file = fake.addFile({ name, content, channel: HR_CHANNEL, user: HR_USER });
      await h.event({
        type: "message",
        subtype: "file_share",
        channel: HR_CHANNEL,
        user: HR_USER,
        ts: postTs,
        files: [file],
      });
      const reply = await until(
        () =>
          fake.messagesIn(HR_CHANNEL, postTs).find((m) => textOf(m.blocks).includes(REVIEW_PLAN_ACTION_ID)),
        30_000,
        `the HR reply to ${name}`,
      );
      replies.push(same(`${reply.text}\n${textOf(reply.blocks)}`));
    }
    expect(replies[0]).toContain("4 will change, 0 skipped, 0 with errors");
    expect(replies[1]).toBe(replies[0]);
    expect(fake.violations).toEqual([]);
  });

  it("HR channel: a non-CSV file gets a polite note in its thread; someone else's CSV is refused privately and audited", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    const { fake } = h;
    const pdf = fake.addFile({ name: "hires.pdf", content: "%PDF-1.4", channel: HR_CHANNEL, user: HR_USER });
    await h.event({
      type: "message",
      subtype: "file_share",
      channel: HR_CHANNEL,
      user: HR_USER,
      ts: "1760000002.000300",
      files: [pdf],
    });
    const note = await until(() => fake.messagesIn(HR_CHANNEL, "1760000002.000300")[0], 30_000, "the note");
    expect(note.text).toContain("only read CSV");

    const csv = fake.addFile({ name: "new-hires.csv", content: SAMPLE, channel: HR_CHANNEL, user: OUTSIDER });
    await h.event({
      type: "message",
      subtype: "file_share",
      channel: HR_CHANNEL,
      user: OUTSIDER,
      ts: "1760000003.000400",
      files: [csv],
    });
    const refusal = await until(
      () => fake.messages.find((m) => m.ephemeral && m.user === OUTSIDER),
      30_000,
      "the refusal",
    );
    expect(refusal.text).toContain("aren't allowed");
    expect(fake.messagesIn(HR_CHANNEL, "1760000003.000400")).toHaveLength(0);
    expect(fake.callsTo("files.download")).toHaveLength(0);
    const audit = await ctx.handle.db.select().from(auditLog);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: `slack:${OUTSIDER}`,
      action: "slack.refused",
      details: { event: "hr_upload" },
    });
    expect(fake.violations).toEqual([]);
  });

  it("a non-admin's /bulkusers create is refused ephemerally and audited; HR outside the HR channel too", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    const { fake } = h;
    expect((await h.command("create", { user: OUTSIDER })).status).toBe(200);
    expect((await h.command("delete", { user: HR_USER, channel: HR_CHANNEL })).status).toBe(200);
    expect((await h.command("create", { user: HR_USER, channel: GENERAL })).status).toBe(200);
    await until(() => fake.responses.length === 3, 30_000, "three answers");
    for (const r of fake.responses) {
      expect(r.body.response_type).toBe("ephemeral");
      expect(textOf(r.body)).toContain("aren't allowed");
    }
    expect(fake.callsTo("views.open")).toHaveLength(0);
    const rows = await queryRows<{ actor: string; action: string; command: string }>(
      ctx.handle.db,
      sql`select actor, action, details->>'command' as command from audit_log order by id`,
    );
    // The three commands are handled concurrently: their audit rows may land in any order.
    expect(rows).toHaveLength(3);
    expect(rows).toEqual(
      expect.arrayContaining([
        { actor: `slack:${OUTSIDER}`, action: "slack.refused", command: "/bulkusers create" },
        { actor: `slack:${HR_USER}`, action: "slack.refused", command: "/bulkusers delete" },
        { actor: `slack:${HR_USER}`, action: "slack.refused", command: "/bulkusers create" },
      ]),
    );

    // HR in the HR channel may start a create.
    await h.command("create", { user: HR_USER, channel: HR_CHANNEL });
    await until(() => viewWith(fake, OPERATION_VIEW_CALLBACK_ID), 30_000, "the HR operation modal");
    expect(fake.violations).toEqual([]);
  });

  it("help for unknown or empty input, never silence", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    const { fake } = h;
    await h.command("frobnicate the users", { user: OUTSIDER });
    await h.command("");
    await h.command("help");
    await until(() => fake.responses.length === 3, 30_000, "three answers");
    const [unknown, empty, help] = fake.responses.map((r) => textOf(r.body));
    expect(unknown).toContain("I didn't understand");
    expect(unknown).toContain("frobnicate the users");
    for (const text of [unknown, empty, help]) {
      expect(text).toContain("/bulkusers create");
      expect(text).toContain("select &lt;filter&gt;");
    }
    expect(fake.violations).toEqual([]);
  });

  it("jobs, status, template and export answer privately and by DM", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    const { fake } = h;
    await ctx.handle.db.insert(users).values([
      { email: "ana@example.com", displayName: "Ana", department: "Sales" },
      { email: "bo@example.com", displayName: "Bo", department: "Finance" },
    ]);
    await h.command("jobs");
    await until(() => fake.responses.length === 1);
    expect(textOf(fake.responses[0]?.body)).toContain("No jobs yet");
    await h.command("status job_nope");
    await until(() => fake.responses.length === 2);
    expect(textOf(fake.responses[1]?.body)).toContain("can't find a job");

    await h.command("template update");
    const template = await until(() => fake.files.find((f) => f.name === "template-update.csv"));
    expect(template.channel).toBe(`D${ADMIN.slice(1)}`);
    expect(csvRows(template.bytes)[0]?.[0]).toBe("UserPrincipalName");
    // The same template as a workbook, which reads back like the CSV.
    const workbook = await until(() => fake.files.find((f) => f.name === "template-update.xlsx"));
    expect(workbook.channel).toBe(`D${ADMIN.slice(1)}`);
    const read = await readUpload(new Uint8Array(workbook.bytes), { maxRows: 10, operation: "update" });
    expect(read.ok && read.table.header).toEqual(csvRows(template.bytes)[0]);
    expect(read.ok && read.table.sheet).toBe("update");

    await h.command("export department:Sales");
    const exported = await until(() => fake.files.find((f) => f.name.startsWith("users-")));
    expect(exported.channel).toBe(`D${ADMIN.slice(1)}`);
    const rows = csvRows(exported.bytes);
    expect(rows.slice(1).map((r) => r[0])).toEqual(["ana@example.com"]);
    await until(() => fake.responses.length === 4);
    expect(fake.violations).toEqual([]);
  });
});
