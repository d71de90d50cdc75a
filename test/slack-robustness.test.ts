// Robustness over signed HTTP: forged/stale signatures, retried events, double submits, Slack failing while
// a job reports, and the Slack call budget of a many-batch job (constant + one edit per throttle interval).
import { readFileSync } from "node:fs";
import { eq } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import { jobItems, jobs, plans, users } from "../src/directory/schema.ts";
import { getJob } from "../src/jobs/job-store.ts";
import { confirm, planFile } from "../src/jobs/service.ts";
import type { JobReporter } from "../src/jobs/worker.ts";
import {
  OPERATION_VIEW_CALLBACK_ID,
  PREVIEW_VIEW_CALLBACK_ID,
  REVIEW_PLAN_ACTION_ID,
} from "../src/slack/blocks/ids.ts";
import { describeEachDatabase } from "./support/db.ts";
import { seedSampleLicenses } from "./support/sample-licenses.ts";
import {
  ADMIN,
  fileInputValues,
  GENERAL,
  HR_CHANNEL,
  HR_USER,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackHarness,
  textOf,
  until,
  viewWith,
  virtualTime,
} from "./support/slack-app.ts";
import { eventRequest, postSigned, slashCommandRequest } from "./support/slack-signing.ts";

const SAMPLE = readFileSync(new URL("./fixtures/csv/samples/new-hires.csv", import.meta.url));

function hires(n: number): Buffer {
  const lines = ["UserPrincipalName,DisplayName,Department"];
  for (let i = 0; i < n; i++) lines.push(`hire${i}@example.com,Hire ${i},Sales`);
  return Buffer.from(`${lines.join("\n")}\n`);
}

describeEachDatabase("slack robustness", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  /** A plan confirmed as if approved in Slack, reporting to `channel`; returns the job. */
  async function slackJob(data: Buffer, channel = "C0OPS") {
    const engine = h!.engine;
    const planned = await planFile(engine, {
      operation: "create",
      bytes: new Uint8Array(data),
      source: "slack",
      actor: `slack:${ADMIN}`,
      context: { channel },
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    const { job } = await confirm(engine, {
      planId: planned.stored.id,
      approvedBy: `slack:${ADMIN}`,
      source: "slack",
      allowPartial: true,
      slack: { channel },
    });
    return job;
  }

  it("forged signatures and stale timestamps get 401 and reach no listener", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    const forged = await postSigned(
      h.eventsUrl,
      slashCommandRequest({ text: "create" }, { signingSecret: SIGNING_SECRET, wrongSecret: true }),
    );
    expect(forged.status).toBe(401);
    const stale = await postSigned(
      h.eventsUrl,
      slashCommandRequest({ text: "create" }, { signingSecret: SIGNING_SECRET, stale: true }),
    );
    expect(stale.status).toBe(401);
    const staleEvent = await postSigned(
      h.eventsUrl,
      eventRequest(
        { type: "app_home_opened", user: ADMIN, tab: "home" },
        { signingSecret: SIGNING_SECRET, stale: true },
      ),
    );
    expect(staleEvent.status).toBe(401);
    const tampered = slashCommandRequest({ text: "help" }, { signingSecret: SIGNING_SECRET });
    const altered = await postSigned(h.eventsUrl, {
      ...tampered,
      body: tampered.body.replace("help", "jobs"),
    });
    expect(altered.status).toBe(401);
    // A correctly signed request to the same endpoint works; /healthz shares the server.
    expect((await h.command("help")).status).toBe(200);
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    await until(() => h!.fake.responses.length === 1);
    expect(h.fake.calls.filter((c) => c.method.startsWith("views.") || c.method.startsWith("chat."))).toEqual(
      [],
    );
    expect(h.fake.violations).toEqual([]);
  });

  it("a retried event (same event_id, X-Slack-Retry-Num: 1) is processed once", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    await seedSampleLicenses(ctx.handle.db);
    const file = h.fake.addFile({
      name: "new-hires.csv",
      content: SAMPLE,
      channel: HR_CHANNEL,
      user: HR_USER,
    });
    const event = {
      type: "message",
      subtype: "file_share",
      channel: HR_CHANNEL,
      user: HR_USER,
      ts: "1760000001.000200",
      text: "",
      files: [file],
    };
    const [first, retry] = await Promise.all([
      h.event(event, { eventId: "Ev0RETRY01" }),
      h.event(event, { eventId: "Ev0RETRY01", retryNum: 1, retryReason: "http_timeout" }),
    ]);
    expect([first.status, retry.status]).toEqual([200, 200]);
    await h.event(event, { eventId: "Ev0RETRY01", retryNum: 2 });
    await until(() => h!.fake.messagesIn(HR_CHANNEL, event.ts).length >= 1, 30_000, "the HR reply");
    // Give a duplicate every chance to show up, then count.
    await h.command("help");
    await until(() => h!.fake.responses.length === 1);
    await h.slack.reporter.idle();
    expect(await ctx.handle.db.select().from(plans)).toHaveLength(1);
    expect(h.fake.messagesIn(HR_CHANNEL, event.ts)).toHaveLength(1);
    expect(h.fake.callsTo("files.download")).toHaveLength(1);
    expect(h.fake.violations).toEqual([]);
  });

  it("a double preview submission runs one job and posts one finished message", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    await seedSampleLicenses(ctx.handle.db);
    const { fake } = h;
    await h.command("create");
    const modal = await until(() => viewWith(fake, OPERATION_VIEW_CALLBACK_ID));
    const file = fake.addFile({ name: "new-hires.csv", content: SAMPLE, user: ADMIN });
    await h.submitView(modal, fileInputValues(file));
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    const [a, b] = await Promise.all([h.submitView(modal, {}), h.submitView(modal, {})]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await h.submitView(modal, {}); // a third, late click
    const job = await until(
      async () => {
        const [row] = await ctx.handle.db.select().from(jobs);
        return row?.reportedAt ? row : null;
      },
      30_000,
      "the report",
    );
    await h.slack.reporter.idle();
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(1);
    expect((await ctx.handle.db.select().from(users)).length).toBe(4);
    const items = await ctx.handle.db.select().from(jobItems).where(eq(jobItems.jobId, job.id));
    expect(items.map((i) => i.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    const finished = fake.messages.filter((m) => m.text?.includes("Create users done"));
    expect(finished).toHaveLength(1);
    expect(fake.messagesIn(GENERAL).filter((m) => !m.thread_ts)).toHaveLength(1);
    expect(fake.files.filter((f) => f.name.startsWith("results-"))).toHaveLength(1);
    expect(fake.files.filter((f) => f.name.startsWith("credentials-"))).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it("Slack failing while reporting (429 on chat.update, 500 on chat.postMessage): the job completes once and the report lands after a retry", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const { fake } = h;
    const job = await slackJob(hires(30));
    await h.slack.reporter.announce(job);
    expect(fake.messagesIn("C0OPS")).toHaveLength(1);

    fake.setFailure("chat.update", { status: 429, retryAfter: 1 });
    fake.setFailure("chat.postMessage", { status: 500 });
    const { startWorker } = await import("../src/jobs/worker.ts");
    const worker = startWorker(h.engine, {
      owner: "w-fail",
      reporter: h.slack.reporter,
      pollMs: 25,
      batchSize: 10,
    });
    try {
      worker.wake();
      const done = await until(
        async () => {
          const row = await getJob(ctx.handle.db, job.id);
          return row?.reportedAt ? row : null;
        },
        30_000,
        "the final report after retries",
      );
      expect(done.status).toBe("succeeded");
      expect(done.succeeded).toBe(30);
      expect((done.report as { attempts?: number }).attempts).toBeGreaterThanOrEqual(1);
    } finally {
      await worker.stop();
    }
    await h.slack.reporter.idle();
    // Both failures happened, and each step landed exactly once.
    expect(fake.calls.some((c) => c.method === "chat.update" && c.error === "ratelimited")).toBe(true);
    expect(fake.calls.some((c) => c.method === "chat.postMessage" && c.error === "internal_error")).toBe(
      true,
    );
    const thread = fake.messagesIn(
      "C0OPS",
      job.id ? ((await getJob(ctx.handle.db, job.id))?.slackThreadTs ?? "") : "",
    );
    expect(thread.filter((m) => m.text?.includes("Create users done"))).toHaveLength(1);
    expect(fake.files.filter((f) => f.name === `results-${job.id}.csv`)).toHaveLength(1);
    expect(fake.files.filter((f) => f.name === `credentials-${job.id}.csv`)).toHaveLength(1);
    const progress = fake.messagesIn("C0OPS").find((m) => !m.thread_ts);
    expect(progress?.text).toContain("done");
    expect((await ctx.handle.db.select().from(users)).length).toBe(30);
    expect(h.logs.some((l) => l.includes("final report to Slack failed"))).toBe(true);
    expect(fake.violations).toEqual([]);
  });

  it("a finished job whose report never landed (process died) is reported by the sweep", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const job = await slackJob(hires(3));
    const { runUntilFinished } = await import("../src/jobs/service.ts");
    await runUntilFinished(h.engine, job.id, { owner: "w-crash" }); // no reporter: as if Slack was never told
    expect((await getJob(ctx.handle.db, job.id))?.reportedAt).toBeNull();
    expect(await h.slack.reporter.retryPendingReports({ graceMs: 0 })).toBe(1);
    const done = await until(
      async () => {
        const row = await getJob(ctx.handle.db, job.id);
        return row?.reportedAt ? row : null;
      },
      30_000,
      "the swept report",
    );
    expect(done.slackThreadTs).not.toBeNull();
    expect(h.fake.messagesIn("C0OPS").some((m) => m.text?.includes("Create users done"))).toBe(true);
    expect(h.fake.files.filter((f) => f.name === `results-${job.id}.csv`)).toHaveLength(1);
    // Nothing left to do: a second sweep finds nothing.
    expect(await h.slack.reporter.retryPendingReports({ graceMs: 0 })).toBe(0);
    expect(h.fake.violations).toEqual([]);
  });

  it("not_in_channel moves the job's report to the approver's DM", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    const { fake } = h;
    fake.setFailure("chat.postMessage", { error: "not_in_channel" });
    const job = await slackJob(hires(3), "C0PRIVATE");
    await h.slack.reporter.announce(job);
    h.worker?.wake();
    const done = await until(
      async () => {
        const row = await getJob(ctx.handle.db, job.id);
        return row?.reportedAt ? row : null;
      },
      30_000,
      "the report",
    );
    const dm = `D${ADMIN.slice(1)}`;
    expect(done.slackChannel).toBe(dm);
    expect(done.report).toMatchObject({ relocatedFrom: "C0PRIVATE" });
    expect(fake.messagesIn("C0PRIVATE")).toHaveLength(0);
    expect(fake.messagesIn(dm).some((m) => m.text?.includes("Create users done"))).toBe(true);
    expect(fake.files.find((f) => f.name === `results-${job.id}.csv`)?.channel).toBe(dm);
    // The DM opens by saying which channel refused, why, and how to invite the bot.
    const note = fake.messagesIn(dm)[0];
    const said = textOf(note?.blocks);
    expect(said).toContain(`job \`${job.id}\` in <#C0PRIVATE>: I'm not a member of it`);
    expect(said).toContain("type `/invite` <@U0BOT> in <#C0PRIVATE>");
    expect(fake.messagesIn(dm).filter((m) => textOf(m.blocks).includes("<#C0PRIVATE>"))).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it("a many-batch job costs a constant number of Slack calls plus one edit per 2 s, whatever its size", async () => {
    const vt = virtualTime();
    let batches = 0;
    const wrap = (inner: JobReporter): JobReporter => ({
      onProgress(job) {
        batches++;
        // 2 s of (virtual) time pass every 5 batches.
        if (batches % 5 === 0) vt.advance(2000);
        return inner.onProgress(job);
      },
      onFinished: (job) => inner.onFinished(job),
    });
    h = await startSlackHarness({
      handle: ctx.handle,
      batchSize: 10,
      wrapReporter: wrap,
      reporterOptions: { throttleMs: 2000, clock: vt.clock, sleep: vt.sleep },
    });
    const { fake } = h;
    const job = await slackJob(hires(400));
    await h.slack.reporter.announce(job);
    h.worker?.wake();
    // Time moves only with the batches while the job runs…
    await until(async () => (await getJob(ctx.handle.db, job.id))?.finishedAt, 60_000, "the job");
    // …then on, until the final edit (which keeps the 2 s spacing too) and the report are out.
    await until(
      async () => {
        vt.advance(2000);
        const row = await getJob(ctx.handle.db, job.id);
        return row?.reportedAt ? row : null;
      },
      60_000,
      "the report",
    );
    await h.slack.reporter.idle();
    expect(batches).toBeGreaterThanOrEqual(40);
    const updates = fake.callsTo("chat.update").length;
    // One edit per 2 s at most (40 batches = 16 s of virtual time → ≤ 8), plus the final edit.
    expect(updates).toBeLessThanOrEqual(batches / 5 + 2);
    expect(updates).toBeGreaterThanOrEqual(1);
    // The rest is constant: the progress message, the summary, the passwords note; two uploads.
    expect(fake.callsTo("chat.postMessage")).toHaveLength(3);
    expect(fake.callsTo("files.completeUploadExternal")).toHaveLength(2);
    const progress = fake.messagesIn("C0OPS").find((m) => !m.thread_ts);
    expect(progress?.text).toContain("400 of 400 rows");
    expect(fake.violations).toEqual([]);
  });

  it("App Home: published on app_home_opened with recent jobs and quick actions", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    await slackJob(hires(2));
    await h.event({ type: "app_home_opened", user: ADMIN, channel: "D0ADMIN", tab: "home" });
    const home = await until(() => h!.fake.views.find((v) => v.user_id === ADMIN));
    const text = textOf(home.view);
    expect(home.view.type).toBe("home");
    expect(text).toContain("Recent jobs");
    expect(text).toContain("Create users");
    expect(text).toContain("Download create template");
    await h.event({ type: "app_home_opened", user: "U0NOBODY", channel: "D0NOBODY", tab: "home" });
    const other = await until(() => h!.fake.views.find((v) => v.user_id === "U0NOBODY"));
    expect(textOf(other.view)).toContain("don't have access");
    expect(textOf(other.view)).not.toContain("Create users");
    expect(h.fake.violations).toEqual([]);
  });

  it("review button on an HR reply survives an unknown plan id", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    await h.clickInMessage({
      actionId: REVIEW_PLAN_ACTION_ID,
      value: "plan_missing",
      channelId: HR_CHANNEL,
      messageTs: "1.2",
    });
    // Answered privately where the button was; no modal opened for a plan that is not there.
    const answer = await until(() => h!.fake.messages.find((m) => m.ephemeral && m.channel === HR_CHANNEL));
    expect(textOf(answer.blocks)).toContain("no longer exists");
    expect(h.fake.callsTo("views.open")).toHaveLength(0);
    expect(h.fake.violations).toEqual([]);
  });
});
