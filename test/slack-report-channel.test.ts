// A scheduled inactivity report whose channel refuses the bot goes to the schedule's creator by DM, opening
// with which channel refused, why, and how to invite the bot; the report and its CSV follow in that DM.
import { WebClient } from "@slack/web-api";
import { pino } from "pino";
import { afterEach, expect, it } from "vitest";
import { startScheduler } from "../src/scheduler/scheduler.ts";
import { saveSchedule } from "../src/scheduler/schedules.ts";
import { createSlackScheduleReporter } from "../src/slack/schedule-reporter.ts";
import { seedUsers, T0 } from "./scheduler-support.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import { type FakeSlack, startFakeSlack } from "./support/fake-slack.ts";
import { textOf } from "./support/slack-app.ts";

describeEachDatabase("inactivity report channel unreachable", (ctx) => {
  let fake: FakeSlack | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it("not_in_channel: the report, its note and its CSV go to the schedule's creator by DM", async () => {
    fake = await startFakeSlack();
    const engine = testEngine(ctx.handle);
    const client = new WebClient(fake.botToken, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    await seedUsers(ctx.handle.db, [{ email: "stale@x.com", signedIn: 120 }]);
    const saved = await saveSchedule(ctx.handle.db, {
      draft: {
        name: "Weekly review",
        cron: "0 9 * * 1",
        timezone: "UTC",
        inactiveDays: 90,
        reportChannel: "C0SECRET",
      },
      actor: "slack:U0OWNER",
      source: "slack",
      now: new Date(T0),
    });
    if (!saved.ok) throw new Error(JSON.stringify(saved.errors));
    const scheduler = startScheduler({
      engine,
      logger: pino({ level: "silent" }),
      instance: "test",
      timers: false,
      reporter: createSlackScheduleReporter({ client }),
    });
    try {
      fake.setFailure("chat.postMessage", { error: "not_in_channel" });
      expect((await scheduler.fire(saved.schedule.id, new Date(T0))).ran).toBe(true);
    } finally {
      await scheduler.stop();
    }
    const dm = "D0OWNER";
    const [note, report] = fake.messagesIn(dm);
    expect(textOf(note?.blocks)).toContain(
      "the inactivity report of *Weekly review* in <#C0SECRET>: I'm not a member of it",
    );
    expect(textOf(note?.blocks)).toContain("type `/invite` <@U0BOT> in <#C0SECRET>");
    expect(textOf(report?.blocks)).toContain("Inactive users: Weekly review");
    expect(fake.messagesIn("C0SECRET")).toHaveLength(0);
    const csv = fake.files.find((f) => f.name.startsWith("inactive-users-weekly-review"));
    expect(csv).toMatchObject({ channel: dm, thread_ts: report?.ts });
    expect(csv?.bytes.toString("utf8")).toContain("stale@x.com");
    expect(fake.violations).toEqual([]);
  });
});
