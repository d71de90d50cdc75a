// Dated operations in Slack, end to end over signed HTTP against the fake Slack (Block Kit validated): the
// preview shows what runs on each date; confirming posts the "scheduled" message whose thread every batch
// reports into; `/bulkusers scheduled` lists with a Cancel button; the App Home shows what waits; when the
// (injected) clock reaches a date, that batch runs as a normal job with its results in the same thread.
import { asc, eq } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import { jobs, scheduledBatches, scheduledRows, users } from "../src/directory/schema.ts";
import { runDueScheduledWork } from "../src/jobs/service.ts";
import { OPERATION_VIEW_CALLBACK_ID, PREVIEW_VIEW_CALLBACK_ID } from "../src/slack/blocks/ids.ts";
import { EFFECTIVE_AT_ACTION_ID, EFFECTIVE_AT_BLOCK_ID } from "../src/slack/blocks/operation.ts";
import { SCHEDULED_CANCEL_ACTION_ID } from "../src/slack/blocks/scheduled.ts";
import { describeEachDatabase } from "./support/db.ts";
import {
  ADMIN,
  fileInputValues,
  GENERAL,
  type SlackHarness,
  startSlackHarness,
  textOf,
  until,
  viewWith,
} from "./support/slack-app.ts";

const FILE =
  "UserPrincipalName,LastDay\r\nana@example.com,2026-11-10\r\nben@example.com,2026-11-10\r\ncy@example.com,2026-11-17\r\ndee@example.com,2026-11-17\r\n";

describeEachDatabase("slack dated operations", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("leavers file: preview by date, scheduled message, /bulkusers scheduled with Cancel, App Home, the batch runs in the thread", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    const { fake } = h;
    await ctx.handle.db
      .insert(users)
      .values(["ana", "ben", "cy", "dee"].map((n) => ({ email: `${n}@example.com`, displayName: n })));

    await h.command("disable");
    const modal = await until(() => viewWith(fake, OPERATION_VIEW_CALLBACK_ID), 30_000, "the modal");
    const file = fake.addFile({ name: "leavers.csv", content: Buffer.from(FILE), user: ADMIN });
    await h.submitView(modal, fileInputValues(file));
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    const preview = textOf(modal.view);
    expect(preview).toContain("Dated rows");
    expect(preview).toContain("*2026-11-11 00:00 (UTC)*: 2 rows");
    expect(preview).toContain("*2026-11-18 00:00 (UTC)*: 2 rows");
    expect(preview).not.toContain("ignored");

    expect((await h.submitView(modal, {})).body?.response_action).toBe("clear");
    const scheduled = await until(
      () => fake.messagesIn(GENERAL).find((m) => !m.ephemeral && textOf(m.blocks).includes("dated")),
      30_000,
      "the scheduled message",
    );
    const batches = await until(
      async () => {
        const rows = await ctx.handle.db.select().from(scheduledBatches).orderBy(asc(scheduledBatches.runAt));
        return rows.every((b) => b.slackThreadTs === scheduled.ts) && rows.length === 2 ? rows : null;
      },
      30_000,
      "batches pointing at the thread",
    );
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);

    // /bulkusers scheduled: the list, answered privately, with a Cancel button per batch.
    await h.command("scheduled");
    const listed = await until(
      () => fake.responses.find((r) => textOf(r.body).includes("Scheduled")),
      30_000,
      "the list",
    );
    expect(textOf(listed.body)).toContain("cy@example.com");
    expect(JSON.stringify(listed.body)).toContain(SCHEDULED_CANCEL_ACTION_ID);

    // The App Home shows what waits.
    await h.event({ type: "app_home_opened", user: ADMIN, channel: "D0ADMIN", tab: "home" });
    const home = await until(() => fake.views.find((v) => v.user_id === ADMIN), 30_000, "the home tab");
    expect(textOf(home.view)).toContain("ana@example.com");

    // Cancel the second date's batch.
    await h.clickInMessage({
      actionId: SCHEDULED_CANCEL_ACTION_ID,
      value: batches[1]!.id,
      channelId: GENERAL,
      messageTs: scheduled.ts,
    });
    await until(
      async () => {
        const rows = await ctx.handle.db
          .select()
          .from(scheduledRows)
          .where(eq(scheduledRows.status, "cancelled"));
        return rows.length === 2;
      },
      30_000,
      "the cancelled rows",
    );

    // The first date comes: its batch runs as a job reporting in the scheduled message's thread.
    h.engine.setNow("2026-11-11T00:00:30.000Z");
    const made = await runDueScheduledWork(h.engine, { instance: "test" });
    expect(made).toHaveLength(1);
    h.worker?.wake();
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
      succeeded: 2,
      slackChannel: GENERAL,
      slackThreadTs: scheduled.ts,
    });
    expect(fake.files.find((f) => f.name === `results-${job.id}.csv`)).toMatchObject({
      channel: GENERAL,
      thread_ts: scheduled.ts,
    });

    h.engine.setNow("2026-11-18T00:00:30.000Z");
    expect(await runDueScheduledWork(h.engine, { instance: "test" })).toEqual([]);
    const statuses = await ctx.handle.db
      .select({ email: users.email, status: users.status })
      .from(users)
      .orderBy(asc(users.email));
    expect(statuses.map((s) => s.status)).toEqual(["disabled", "disabled", "active", "active"]);
    expect(fake.violations).toEqual([]);
  });

  it("the modal's Run at picker gives one time to every row of a file without dates", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    const { fake } = h;
    await ctx.handle.db.insert(users).values([{ email: "ana@example.com", displayName: "Ana" }]);
    await h.command("disable");
    const modal = await until(() => viewWith(fake, OPERATION_VIEW_CALLBACK_ID), 30_000, "the modal");
    expect(JSON.stringify(modal.view)).toContain(EFFECTIVE_AT_ACTION_ID);
    const file = fake.addFile({
      name: "one.csv",
      content: Buffer.from("UserPrincipalName\nana@example.com\n"),
      user: ADMIN,
    });
    await h.submitView(modal, {
      ...fileInputValues(file),
      [EFFECTIVE_AT_BLOCK_ID]: {
        [EFFECTIVE_AT_ACTION_ID]: {
          type: "datetimepicker",
          selected_date_time: Date.parse("2026-12-31T17:00:00Z") / 1000,
        },
      },
    });
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    expect(textOf(modal.view)).toContain("*2026-12-31 17:00 (UTC)*: 1 row");
    await h.submitView(modal, {});
    const [batch] = await until(
      async () => {
        const rows = await ctx.handle.db.select().from(scheduledBatches);
        return rows.length ? rows : null;
      },
      30_000,
      "the batch",
    );
    expect(new Date(batch!.runAt).toISOString()).toBe("2026-12-31T17:00:00.000Z");
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);
    expect(fake.violations).toEqual([]);
  });
});
