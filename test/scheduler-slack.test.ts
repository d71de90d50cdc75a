// Schedules and inactivity reports in Slack, over signed HTTP: a real Bolt app (our schedule listeners plus
// the preview listener that confirms plans), the real WebClient against the fake Slack Web API, a real
// database and scheduler. Asserted: the report message and its CSV bytes reaching the fake, the buttons,
// the modal, admin-only actions (refusals audited), and no Block Kit violation anywhere.
import type { AddressInfo } from "node:net";
import { App, LogLevel } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { eq, sql } from "drizzle-orm";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { reportCsv } from "../src/core/inactivity-report.ts";
import { jobs, schedules, users } from "../src/directory/schema.ts";
import { runUntilFinished } from "../src/jobs/service.ts";
import { type Scheduler, startScheduler } from "../src/scheduler/scheduler.ts";
import { getSchedule } from "../src/scheduler/schedules.ts";
import { PREVIEW_VIEW_CALLBACK_ID } from "../src/slack/blocks/ids.ts";
import {
  INACTIVITY_APPROVE_ACTION_ID,
  INACTIVITY_DEACTIVATE_ACTION_ID,
  INACTIVITY_REACTIVATE_ACTION_ID,
} from "../src/slack/blocks/inactivity-report.ts";
import {
  SCHEDULE_BLOCKS,
  SCHEDULE_DELETE_ACTION_ID,
  SCHEDULE_PAUSE_ACTION_ID,
  SCHEDULE_RUN_NOW_ACTION_ID,
  SCHEDULE_VIEW_CALLBACK_ID,
  scheduleActionId,
} from "../src/slack/blocks/schedules.ts";
import type { SlackDeps } from "../src/slack/deps.ts";
import { parseCommandText } from "../src/slack/listeners/commands.ts";
import { registerScheduleListeners } from "../src/slack/listeners/schedules.ts";
import { registerViews } from "../src/slack/listeners/views.ts";
import { createSlackNotifier } from "../src/slack/notifier.ts";
import { createSlackReporter, type SlackReporter } from "../src/slack/reporter.ts";
import { createSlackScheduleReporter } from "../src/slack/schedule-reporter.ts";
import { addSchedule, auditRows, daysAfter, seedUsers, statusOf, T0 } from "./scheduler-support.ts";
import { validateMessage } from "./support/block-kit.ts";
import { describeEachDatabase, queryRows } from "./support/db.ts";
import { type TestEngine, testEngine } from "./support/engine.ts";
import { type FakeMessage, type FakeSlack, type FakeView, startFakeSlack } from "./support/fake-slack.ts";
import { textOf, viewWith } from "./support/slack-app.ts";
import {
  blockActionPayload,
  DEFAULTS,
  interactionRequest,
  postSigned,
  slashCommandRequest,
  viewSubmissionPayload,
} from "./support/slack-signing.ts";

const SECRET = "scheduler-test-signing-secret";
const ADMIN = DEFAULTS.userId;
const OUTSIDER = "U0NOBODY";
const REPORT = "C0REPORT";
const GENERAL = DEFAULTS.channelId;

type Block = {
  type: string;
  block_id?: string;
  elements?: Array<Record<string, unknown>>;
  accessory?: Record<string, unknown>;
};

function buttons(message: { blocks?: unknown[] }): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const b of (message.blocks ?? []) as Block[]) {
    for (const e of b.elements ?? []) if (e.type === "button") out.push(e);
    if (b.accessory?.type === "button") out.push(b.accessory);
  }
  return out;
}

describeEachDatabase("scheduler in Slack", (ctx) => {
  let fake: FakeSlack;
  let app: App;
  let engine: TestEngine;
  let endpoint: string;
  let jobReporter: SlackReporter;
  let scheduler: Scheduler;

  beforeEach(async () => {
    fake = await startFakeSlack();
    engine = testEngine(ctx.handle);
    const logger = pino({ level: "silent" });
    engine.logger = logger;
    const config = loadConfig({
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.url,
      BULKUSERS_ADMINS: ADMIN,
      BULKUSERS_REPORT_CHANNEL: REPORT,
    });
    app = new App({
      token: fake.botToken,
      signingSecret: SECRET,
      processBeforeResponse: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    jobReporter = createSlackReporter({ client: app.client, engine, logger, sweepMs: 0, throttleMs: 10 });
    scheduler = startScheduler({
      engine,
      logger,
      instance: "test",
      timers: false,
      reporter: createSlackScheduleReporter({ client: app.client, defaultChannel: REPORT, logger }),
    });
    const deps: SlackDeps = {
      config,
      engine,
      logger,
      reporter: jobReporter,
      botToken: fake.botToken,
      command: "/bulkusers",
    };
    const schedulesHandler = registerScheduleListeners(app, { ...deps, scheduler: () => scheduler });
    registerViews(app, deps);
    // The command router (the Slack app's) hands `schedule` / `schedules` to the schedule handler.
    app.command("/bulkusers", async ({ ack, command, respond, client }) => {
      await ack();
      const { sub, rest } = parseCommandText(command.text);
      if (schedulesHandler.words.includes(sub)) {
        await schedulesHandler.handleCommand({
          word: sub,
          rest,
          userId: command.user_id,
          channelId: command.channel_id,
          triggerId: command.trigger_id,
          client,
          respond,
        });
      }
    });
    const server = (await app.start(0)) as unknown as { address(): AddressInfo };
    endpoint = `http://127.0.0.1:${server.address().port}/slack/events`;
  });

  afterEach(async () => {
    await scheduler.stop();
    await jobReporter.stop();
    await app.stop();
    await fake.close();
  });

  const command = (text: string, user = ADMIN) =>
    postSigned(
      endpoint,
      slashCommandRequest(
        { text, user_id: user, channel_id: GENERAL, response_url: fake.responseUrl() },
        { signingSecret: SECRET },
      ),
    );

  const click = (input: { actionId: string; value: string; message?: FakeMessage; user?: string }) =>
    postSigned(
      endpoint,
      interactionRequest(
        {
          ...blockActionPayload({
            actionId: input.actionId,
            value: input.value,
            user: input.user ?? ADMIN,
            channelId: input.message?.channel ?? GENERAL,
            messageTs: input.message?.ts ?? "1750000000.000100",
          }),
          response_url: fake.responseUrl(),
        },
        { signingSecret: SECRET },
      ),
    );

  async function submit(view: FakeView, values: Record<string, Record<string, unknown>>, user = ADMIN) {
    const res = await postSigned(
      endpoint,
      interactionRequest(
        viewSubmissionPayload({
          callbackId: String(view.view.callback_id),
          values,
          privateMetadata: String(view.view.private_metadata ?? ""),
          user,
          viewId: view.id,
          hash: view.hash,
        }),
        { signingSecret: SECRET },
      ),
    );
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  }

  const reports = () => fake.messagesIn(REPORT).filter((m) => m.thread_ts === undefined && !m.ephemeral);

  it("a scheduled run posts its report with the first users, buttons and the full CSV in its thread", async () => {
    const db = ctx.handle.db;
    await seedUsers(db, [
      { email: "stale@x.com", signedIn: 120 },
      { email: "never@x.com", signedIn: null, created: 150 },
      { email: "admin@x.com", signedIn: 300, accountType: "admin" },
      { email: "fresh@x.com", signedIn: 2 },
    ]);
    const schedule = await addSchedule(db, { name: "Weekly review" });
    const fired = await scheduler.fire(schedule.id, new Date(T0));
    expect(fired.ran).toBe(true);
    const run = fired.ran && "result" in fired ? fired.result : null;

    expect(reports()).toHaveLength(1);
    const report = reports()[0]!;
    const text = textOf(report.blocks);
    expect(text).toContain("Inactive users: Weekly review");
    expect(text).toContain("*2 users* have not signed in for more than 90 days");
    expect(text).toContain("`stale@x.com`");
    expect(text).toContain("last sign-in 2026-07-05 (120 days ago)");
    expect(text).toContain("`never@x.com`");
    expect(text).toContain("never signed in (created 2026-06-05)");
    expect(text).toContain("1 admin");
    expect(text).not.toContain("fresh@x.com");
    const [deactivate] = buttons(report);
    expect(deactivate).toMatchObject({
      action_id: INACTIVITY_DEACTIVATE_ACTION_ID,
      value: run?.plan?.id,
      style: "primary",
    });
    expect(textOf(deactivate)).toContain("Deactivate these 2");

    // The full list, as the CSV bytes, uploaded to the report's thread.
    expect(fake.files).toHaveLength(1);
    const file = fake.files[0]!;
    expect(file).toMatchObject({
      channel: REPORT,
      thread_ts: report.ts,
      name: "inactive-users-weekly-review-2026-11-02.csv",
    });
    expect(Buffer.compare(file.bytes, Buffer.from(reportCsv(run!.rows)))).toBe(0);
    const lines = file.bytes
      .toString("utf8")
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toBe(
      "Email,Display Name,Last Sign-In,Last Activity,Days Inactive,Action,Reason,Deactivate After",
    );
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["never@x.com", "stale@x.com", "admin@x.com"]);
    expect(lines[1]).toContain(",would-deactivate,Never signed in; created 150 days ago");
    expect(lines[3]).toContain(",excluded,Admin account");
    expect(fake.violations).toEqual([]);
  });

  it("Deactivate these N: admins only; a fresh preview without users who signed in since; confirmed into a job in the thread", async () => {
    const db = ctx.handle.db;
    await seedUsers(db, [
      { email: "stale@x.com", signedIn: 120 },
      { email: "never@x.com", signedIn: null, created: 150 },
      { email: "back@x.com", signedIn: 200 },
    ]);
    const schedule = await addSchedule(db, { name: "Review" });
    await scheduler.fire(schedule.id, new Date(T0));
    const report = reports()[0]!;
    const planId = String(buttons(report)[0]?.value);

    // Someone who is not an admin: refused politely, audited, nothing opened.
    await click({
      actionId: INACTIVITY_DEACTIVATE_ACTION_ID,
      value: planId,
      message: report,
      user: OUTSIDER,
    });
    expect(fake.callsTo("views.open")).toHaveLength(0);
    const refusals = await auditRows(db, "slack.refused");
    expect(refusals).toEqual([
      expect.objectContaining({ actor: `slack:${OUTSIDER}`, target: INACTIVITY_DEACTIVATE_ACTION_ID }),
    ]);
    expect(
      fake.messages.some((m) => m.ephemeral && m.user === OUTSIDER && /aren't allowed/.test(m.text ?? "")),
    ).toBe(true);

    // back@x.com signs in after the report.
    engine.setNow(daysAfter(1));
    await db
      .update(users)
      .set({ lastLoginAt: daysAfter(1) })
      .where(eq(users.email, "back@x.com"));

    const res = await click({ actionId: INACTIVITY_DEACTIVATE_ACTION_ID, value: planId, message: report });
    expect(res.status).toBe(200);
    const preview = viewWith(fake, PREVIEW_VIEW_CALLBACK_ID);
    expect(preview).toBeDefined();
    expect(preview!.history[0]?.callback_id).toBe("bulkusers_loading");
    const shown = textOf(preview!.view);
    expect(shown).toContain("stale@x.com");
    expect(shown).toContain("never@x.com");
    expect(shown).not.toContain("back@x.com");
    expect(shown).toContain("*Will change*\n2");
    const freshPlan = JSON.parse(String(preview!.view.private_metadata)).planId as string;
    expect(freshPlan).not.toBe(planId);

    const ack = await submit(preview!, {});
    expect(ack.body?.response_action).toBe("clear");
    const [job] = await db.select().from(jobs);
    expect(job).toMatchObject({
      planId: freshPlan,
      operation: "disable",
      source: "slack",
      approvedBy: `slack:${ADMIN}`,
      requestedBy: `slack:${ADMIN}`,
      slackChannel: REPORT,
      slackThreadTs: report.ts,
    });
    await runUntilFinished(engine, job!.id, { owner: "test" });
    expect(await statusOf(db)).toEqual({
      "stale@x.com": "disabled",
      "never@x.com": "disabled",
      "back@x.com": "active",
    });
    await jobReporter.idle();
    expect(fake.messagesIn(REPORT, report.ts).length).toBeGreaterThanOrEqual(1);
    expect(fake.violations).toEqual([]);
  });

  it("deactivate mode reports who was deactivated with Reactivate buttons; Reactivate enables the user (audited)", async () => {
    const db = ctx.handle.db;
    await seedUsers(db, [
      { email: "a@x.com", signedIn: 120 },
      { email: "b@x.com", signedIn: 130 },
      { email: "fresh@x.com", signedIn: 1 },
    ]);
    const schedule = await addSchedule(db, { name: "Auto", mode: "deactivate", reportChannel: "C0AUTO" });
    await scheduler.fire(schedule.id, new Date(T0));
    const [report] = fake.messagesIn("C0AUTO");
    expect(report).toBeDefined();
    expect(textOf(report!.blocks)).toContain("Deactivated *2 users*");
    const reactivate = buttons(report!).filter((b) => b.action_id === INACTIVITY_REACTIVATE_ACTION_ID);
    expect(reactivate).toHaveLength(2);
    expect(buttons(report!).some((b) => b.action_id === INACTIVITY_DEACTIVATE_ACTION_ID)).toBe(false);
    expect(await statusOf(db)).toMatchObject({ "a@x.com": "disabled", "b@x.com": "disabled" });

    const forA = reactivate.find((b) => String(b.value).includes("a@x.com"))!;
    await click({
      actionId: INACTIVITY_REACTIVATE_ACTION_ID,
      value: String(forA.value),
      message: report,
      user: OUTSIDER,
    });
    expect(await db.select().from(jobs).where(eq(jobs.operation, "enable"))).toHaveLength(0);

    await click({ actionId: INACTIVITY_REACTIVATE_ACTION_ID, value: String(forA.value), message: report });
    const [job] = await db.select().from(jobs).where(eq(jobs.operation, "enable"));
    expect(job).toMatchObject({
      source: "slack",
      approvedBy: `slack:${ADMIN}`,
      slackChannel: "C0AUTO",
      slackThreadTs: report!.ts,
    });
    await runUntilFinished(engine, job!.id, { owner: "test" });
    expect((await statusOf(db))["a@x.com"]).toBe("active");
    expect(await auditRows(db, "user.enable")).toEqual([
      expect.objectContaining({ actor: `slack:${ADMIN}`, source: "slack", target: "a@x.com" }),
    ]);

    // The next run leaves the reactivated user alone (the re-enable counts as activity).
    engine.setNow(daysAfter(7));
    const next = await scheduler.fire(schedule.id, new Date(daysAfter(7)));
    expect(next.ran && "result" in next && next.result.decision).toBe("nothing");
    expect((await statusOf(db))["a@x.com"]).toBe("active");
    expect(fake.violations).toEqual([]);
  });

  it("over the cap the report asks for approval instead of deactivating", async () => {
    const db = ctx.handle.db;
    await seedUsers(db, [
      ...Array.from({ length: 4 }, (_, i) => ({ email: `idle${i}@x.com`, signedIn: 200 })),
      { email: "busy@x.com", signedIn: 1 },
    ]);
    const schedule = await addSchedule(db, { name: "Capped", mode: "deactivate", capCount: 3 });
    await scheduler.fire(schedule.id, new Date(T0));
    const report = reports()[0]!;
    expect(textOf(report.blocks)).toContain("*Nothing was deactivated*: an admin must approve");
    expect(buttons(report)).toEqual([
      expect.objectContaining({ action_id: INACTIVITY_APPROVE_ACTION_ID, style: "danger" }),
    ]);
    expect(textOf(buttons(report)[0])).toContain("Approve: deactivate 4");
    expect(Object.values(await statusOf(db)).every((s) => s === "active")).toBe(true);

    await click({
      actionId: INACTIVITY_APPROVE_ACTION_ID,
      value: String(buttons(report)[0]?.value),
      message: report,
    });
    const preview = viewWith(fake, PREVIEW_VIEW_CALLBACK_ID);
    expect(textOf(preview?.view)).toContain("*Will change*\n4");
    expect(fake.violations).toEqual([]);
  });

  it("/bulkusers schedule: the modal validates cron and time zone, saves the policy and reloads the scheduler", async () => {
    const db = ctx.handle.db;
    await seedUsers(db, [{ email: "ceo@x.com", signedIn: 1, groups: ["Executives", "Board"] }]);
    await command("schedule");
    const modal = viewWith(fake, SCHEDULE_VIEW_CALLBACK_ID)!;
    expect(modal).toBeDefined();
    const groupsBlock = (
      modal.view.blocks as Array<{
        block_id?: string;
        element?: { type: string; options?: Array<{ value: string; text: { text: string } }> };
      }>
    ).find((b) => b.block_id === SCHEDULE_BLOCKS.excludeGroups);
    expect(groupsBlock?.element?.type).toBe("multi_static_select");
    expect(groupsBlock?.element?.options?.map((o) => o.text.text)).toEqual(["Board", "Executives"]);
    const execId = groupsBlock!.element!.options!.find((o) => o.text.text === "Executives")!.value;

    const values = (over: Record<string, Record<string, unknown>> = {}) => ({
      [SCHEDULE_BLOCKS.name]: {
        [scheduleActionId("name")]: { type: "plain_text_input", value: "Quarterly" },
      },
      [SCHEDULE_BLOCKS.inactiveDays]: {
        [scheduleActionId("inactiveDays")]: { type: "number_input", value: "60" },
      },
      [SCHEDULE_BLOCKS.cron]: {
        [scheduleActionId("cron")]: { type: "plain_text_input", value: "0 9 * * 1" },
      },
      [SCHEDULE_BLOCKS.timezone]: {
        [scheduleActionId("timezone")]: { type: "plain_text_input", value: "Europe/Berlin" },
      },
      [SCHEDULE_BLOCKS.excludeGroups]: {
        [scheduleActionId("excludeGroups")]: {
          type: "multi_static_select",
          selected_options: [{ value: execId }],
        },
      },
      [SCHEDULE_BLOCKS.mode]: {
        [scheduleActionId("mode")]: {
          type: "radio_buttons",
          selected_option: { value: "warn-then-deactivate" },
        },
      },
      [SCHEDULE_BLOCKS.warnDays]: { [scheduleActionId("warnDays")]: { type: "number_input", value: "5" } },
      [SCHEDULE_BLOCKS.capCount]: { [scheduleActionId("capCount")]: { type: "number_input", value: null } },
      [SCHEDULE_BLOCKS.capPercent]: {
        [scheduleActionId("capPercent")]: { type: "number_input", value: "10" },
      },
      [SCHEDULE_BLOCKS.reportChannel]: {
        [scheduleActionId("reportChannel")]: {
          type: "conversations_select",
          selected_conversation: "C0SECOPS",
        },
      },
      ...over,
    });
    const bad = await submit(
      modal,
      values({
        [SCHEDULE_BLOCKS.cron]: {
          [scheduleActionId("cron")]: { type: "plain_text_input", value: "every monday" },
        },
        [SCHEDULE_BLOCKS.timezone]: {
          [scheduleActionId("timezone")]: { type: "plain_text_input", value: "Mars/Base" },
        },
      }),
    );
    expect(bad.body?.response_action).toBe("errors");
    expect(Object.keys(bad.body?.errors as object).sort()).toEqual(
      [SCHEDULE_BLOCKS.cron, SCHEDULE_BLOCKS.timezone].sort(),
    );
    expect(await db.select().from(schedules)).toEqual([]);

    const outsider = await submit(modal, values(), OUTSIDER);
    expect(outsider.body?.response_action).toBe("update");
    expect(await db.select().from(schedules)).toEqual([]);

    const ok = await submit(modal, values());
    expect(ok.status).toBe(200);
    const [saved] = await db.select().from(schedules);
    expect(saved).toMatchObject({
      name: "Quarterly",
      inactiveDays: 60,
      cron: "0 9 * * 1",
      timezone: "Europe/Berlin",
      excludeGroups: ["Executives"],
      mode: "warn-then-deactivate",
      warnDays: 5,
      capCount: null,
      capPercent: 10,
      reportChannel: "C0SECOPS",
      createdBy: `slack:${ADMIN}`,
      enabled: true,
    });
    expect(scheduler.scheduled().map((s) => s.scheduleId)).toEqual([saved!.id]);
    expect(await auditRows(db, "schedule.create")).toEqual([
      expect.objectContaining({ actor: `slack:${ADMIN}`, source: "slack", target: saved!.id }),
    ]);
    const confirmation = fake.messages.find(
      (m) => m.ephemeral && /Schedule \*Quarterly\* created/.test(textOf(m.blocks)),
    );
    expect(confirmation).toBeDefined();

    // Editing: the modal comes back filled in, with the excluded group selected.
    await command("schedule Quarterly");
    const edit = [...fake.views].reverse().find((v) => v.view.callback_id === SCHEDULE_VIEW_CALLBACK_ID)!;
    expect(JSON.parse(String(edit.view.private_metadata))).toMatchObject({ scheduleId: saved!.id });
    expect(textOf(edit.view)).toContain("Europe/Berlin");
    expect(fake.violations).toEqual([]);
  });

  it("the modal stores a remove-access action; the run removes the access and the report says so", async () => {
    const db = ctx.handle.db;
    await seedUsers(db, [
      { email: "stale@x.com", signedIn: 120, groups: ["Figma Users"] },
      { email: "fresh@x.com", signedIn: 2, groups: ["Figma Users"] },
    ]);
    await command("schedule");
    const modal = viewWith(fake, SCHEDULE_VIEW_CALLBACK_ID)!;
    const actionBlock = (modal.view.blocks as Array<{ block_id?: string; element?: { type: string } }>).find(
      (b) => b.block_id === SCHEDULE_BLOCKS.action,
    );
    expect(actionBlock?.element?.type).toBe("radio_buttons");
    const text = (field: "name" | "cron" | "timezone" | "removeSkus" | "removeGroups", value: string) => ({
      [SCHEDULE_BLOCKS[field]]: { [scheduleActionId(field)]: { type: "plain_text_input", value } },
    });
    const values = (groupsTyped: string) => ({
      ...text("name", "App seats"),
      [SCHEDULE_BLOCKS.inactiveDays]: {
        [scheduleActionId("inactiveDays")]: { type: "number_input", value: "90" },
      },
      ...text("cron", "0 9 * * 1"),
      ...text("timezone", "UTC"),
      [SCHEDULE_BLOCKS.mode]: {
        [scheduleActionId("mode")]: { type: "radio_buttons", selected_option: { value: "deactivate" } },
      },
      [SCHEDULE_BLOCKS.action]: {
        [scheduleActionId("action")]: { type: "radio_buttons", selected_option: { value: "remove-access" } },
      },
      ...text("removeSkus", ""),
      ...text("removeGroups", groupsTyped),
    });
    const bad = await submit(modal, values("Figma Users; Nope"));
    expect(bad.body?.response_action).toBe("errors");
    expect(bad.body?.errors).toEqual({ [SCHEDULE_BLOCKS.action]: "Unknown group: Nope." });

    const ok = await submit(modal, values("figma users"));
    expect(ok.status).toBe(200);
    const [saved] = await db.select().from(schedules);
    expect(saved?.action).toEqual({ kind: "remove-access", skus: [], groups: ["Figma Users"] });
    const confirmation = fake.messages.find((m) => m.ephemeral && /App seats/.test(textOf(m.blocks)));
    expect(textOf(confirmation?.blocks)).toContain(
      "remove access (groups Figma Users); the accounts stay active",
    );

    await scheduler.fire(saved!.id, new Date(T0));
    const report = reports()[0]!;
    expect(textOf(report.blocks)).toContain(
      "Removed the access of *1 user* inactive for more than 90 days (groups Figma Users); their accounts stay active.",
    );
    expect(buttons(report)).toEqual([]);
    expect(await statusOf(db)).toEqual({ "stale@x.com": "active", "fresh@x.com": "active" });
    const members = await queryRows<{ email: string }>(
      db,
      sql`select u.email from group_members m join users u on u.id = m.user_id`,
    );
    expect(members.map((m) => m.email)).toEqual(["fresh@x.com"]);

    // Editing brings the action back selected.
    await command("schedule App seats");
    const edit = [...fake.views].reverse().find((v) => v.view.callback_id === SCHEDULE_VIEW_CALLBACK_ID)!;
    expect(JSON.stringify(edit.view)).toContain(
      '"initial_option":{"text":{"type":"plain_text","text":"Remove access',
    );
    expect(fake.violations).toEqual([]);
  });

  it("/bulkusers schedules: list, pause, run now (dry run) and delete; not for non-admins", async () => {
    const db = ctx.handle.db;
    await seedUsers(db, [{ email: "idle@x.com", signedIn: 200 }]);
    const schedule = await addSchedule(db, { name: "Nightly", mode: "deactivate", cron: "0 2 * * *" });

    await command("schedules", OUTSIDER);
    expect(textOf(fake.responses.at(-1)?.body)).toContain("aren't allowed");
    expect(await auditRows(db, "slack.refused")).toHaveLength(1);

    await command("schedules");
    const list = fake.responses.at(-1)!.body;
    const listText = textOf(list);
    expect(listText).toContain("Nightly");
    expect(listText).toContain("0 2 * * * UTC");
    expect(validateMessage(list as { blocks?: unknown })).toEqual([]);
    const actionIds = buttons(list as { blocks?: unknown[] }).map((b) => b.action_id);
    expect(actionIds).toEqual(
      expect.arrayContaining([
        SCHEDULE_PAUSE_ACTION_ID,
        SCHEDULE_RUN_NOW_ACTION_ID,
        SCHEDULE_DELETE_ACTION_ID,
      ]),
    );
    const del = buttons(list as { blocks?: unknown[] }).find(
      (b) => b.action_id === SCHEDULE_DELETE_ACTION_ID,
    );
    expect(del?.confirm).toBeDefined();

    await click({ actionId: SCHEDULE_RUN_NOW_ACTION_ID, value: schedule.id });
    const [dry] = reports();
    expect(textOf(dry?.blocks)).toContain("Dry run:");
    expect(textOf(dry?.blocks)).toContain(`Run now by <@${ADMIN}>`);
    expect((await statusOf(db))["idle@x.com"]).toBe("active");
    expect(fake.files.filter((f) => f.channel === REPORT)).toHaveLength(1);
    expect(fake.files[0]?.name).toContain("dry-run");

    await click({ actionId: SCHEDULE_PAUSE_ACTION_ID, value: schedule.id });
    expect((await getSchedule(db, schedule.id))?.enabled).toBe(false);
    const replaced = fake.responses.at(-1)!.body;
    expect(replaced.replace_original).toBe(true);
    expect(textOf(replaced)).toContain("*Nightly* paused");
    expect(buttons(replaced as { blocks?: unknown[] }).some((b) => b.action_id === "schedule_resume")).toBe(
      true,
    );

    await click({ actionId: SCHEDULE_DELETE_ACTION_ID, value: schedule.id, user: OUTSIDER });
    expect(await getSchedule(db, schedule.id)).not.toBeNull();
    await click({ actionId: SCHEDULE_DELETE_ACTION_ID, value: schedule.id });
    expect(await getSchedule(db, schedule.id)).toBeNull();
    expect(textOf(fake.responses.at(-1)?.body)).toContain("No schedules yet");
    const actions = await queryRows<{ action: string }>(
      db,
      sql`select action from audit_log where action like 'schedule.%' order by id`,
    );
    expect(actions.map((a) => a.action)).toEqual([
      "schedule.create",
      "schedule.dry_run",
      "schedule.pause",
      "schedule.delete",
    ]);
    expect(fake.violations).toEqual([]);
  });
});

describe("Slack warning notifier", () => {
  it("the Slack notifier finds the user by e-mail and DMs them; an unknown user is an error the run counts", async () => {
    const sent: Array<Record<string, unknown>> = [];
    const stub = {
      users: {
        lookupByEmail: async ({ email }: { email: string }) => {
          if (email === "ghost@x.com")
            throw Object.assign(new Error("users_not_found"), { data: { error: "users_not_found" } });
          return { ok: true, user: { id: "U0IDLE" } };
        },
      },
      conversations: { open: async () => ({ ok: true, channel: { id: "D0IDLE" } }) },
      chat: {
        postMessage: async (args: Record<string, unknown>) => {
          sent.push(args);
          return { ok: true, ts: "1.1" };
        },
      },
    } as unknown as WebClient;
    const notifier = createSlackNotifier({ client: stub });
    const user = {
      email: "idle@x.com",
      displayName: "Idle <Person>",
      lastLoginAt: null,
      daysInactive: 95,
      policyName: "P",
    };
    await notifier.warnUser(user, daysAfter(7));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.channel).toBe("D0IDLE");
    expect(validateMessage(sent[0] as { text?: unknown; blocks?: unknown })).toEqual([]);
    expect(textOf(sent[0])).toContain("Idle &lt;Person&gt;");
    expect(textOf(sent[0])).toContain("since your account was created");
    await expect(notifier.warnUser({ ...user, email: "ghost@x.com" }, daysAfter(7))).rejects.toThrow(
      /users_not_found/,
    );
  });
});
