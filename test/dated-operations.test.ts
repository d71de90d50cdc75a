// Dated operations with an injected clock: a leavers file with three last days disables each group on its
// day only (end of day in the organisation's time zone); a cancelled row never runs; two instances ticking at
// once start each date once; a user who changed meanwhile is re-checked at run time; the CLI and the HTTP API
// show and cancel what waits.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc, eq, sql } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import type { CliIo } from "../src/cli/context.ts";
import { runCli } from "../src/cli/run-cli.ts";
import type { DatabaseHandle } from "../src/directory/client.ts";
import { auditLog, cronRuns, jobItems, jobs, scheduledBatches, users } from "../src/directory/schema.ts";
import { cancelScheduled, listScheduled } from "../src/jobs/scheduled-rows.ts";
import {
  type Engine,
  planFile,
  runDueScheduledWork,
  runUntilFinished,
  submitPlan,
} from "../src/jobs/service.ts";
import { startDatedRunner } from "../src/scheduler/dated.ts";
import { type RunningApi, startApi } from "./support/api.ts";
import { describeEachDatabase, queryRows } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

const PARIS = "Europe/Paris";
// Three groups of leavers, last days 10, 17 and 24 November 2026 (Paris: UTC+1 in November).
const LEAVERS = [
  ["ana@example.com", "2026-11-10"],
  ["ben@example.com", "2026-11-10"],
  ["cy@example.com", "2026-11-10"],
  ["dee@example.com", "2026-11-17"],
  ["eve@example.com", "2026-11-17"],
  ["fay@example.com", "2026-11-17"],
  ["gus@example.com", "2026-11-24"],
  ["hal@example.com", "2026-11-24"],
  ["ivy@example.com", "2026-11-24"],
] as const;
const FILE = `UserPrincipalName,Last Working Day\r\n${LEAVERS.map(([e, d]) => `${e},${d}\r\n`).join("")}`;

async function seed(handle: DatabaseHandle) {
  await handle.db
    .insert(users)
    .values([
      ...LEAVERS.map(([email]) => ({ email, displayName: email.split("@")[0]! })),
      { email: "stay@example.com", displayName: "Stay" },
    ]);
}

async function disabled(handle: DatabaseHandle): Promise<string[]> {
  const rows = await handle.db
    .select({ email: users.email })
    .from(users)
    .where(eq(users.status, "disabled"))
    .orderBy(asc(users.email));
  return rows.map((r) => r.email);
}

describeEachDatabase("dated operations", (ctx) => {
  let api: RunningApi | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Two instances sharing the database: same data, their own clock (the test moves both). */
  function instances(): { a: Engine; b: Engine; setNow(iso: string): void } {
    const base = testEngine(ctx.handle);
    const a = { ...base, timeZone: PARIS, clock: () => base.clock() };
    const b = { ...base, timeZone: PARIS, clock: () => base.clock() };
    return { a, b, setNow: (iso) => base.setNow(iso) };
  }

  it("a leavers file with three last days disables each group on its day only; a cancelled row never runs; two instances run each date once", async () => {
    await seed(ctx.handle);
    const { a, b, setNow } = instances();
    setNow("2026-11-02T09:00:00.000Z");
    const planned = await planFile(a, {
      operation: "disable",
      bytes: new TextEncoder().encode(FILE),
      fileName: "leavers.csv",
      source: "cli",
      actor: "cli:hr",
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    // The plan says today what happens on each date: the end of each last day in Paris.
    expect(planned.stored.options.schedule).toEqual([
      { at: "2026-11-10T23:00:00.000Z", rows: [1, 2, 3] },
      { at: "2026-11-17T23:00:00.000Z", rows: [4, 5, 6] },
      { at: "2026-11-24T23:00:00.000Z", rows: [7, 8, 9] },
    ]);
    expect(planned.stored.plan.warnings).toEqual([]); // the date column is understood, not "ignored"

    const submitted = await submitPlan(a, {
      planId: planned.stored.id,
      approvedBy: "cli:hr",
      source: "cli",
      allowPartial: true,
    });
    expect(submitted.kind).toBe("scheduled");
    if (submitted.kind !== "scheduled") return;
    expect(submitted.batches.map((x) => x.runAt).map((t) => new Date(t).toISOString())).toEqual([
      "2026-11-10T23:00:00.000Z",
      "2026-11-17T23:00:00.000Z",
      "2026-11-24T23:00:00.000Z",
    ]);
    expect(submitted.jobs).toEqual([]);
    // Confirming again schedules nothing new.
    expect(
      await submitPlan(a, {
        planId: planned.stored.id,
        approvedBy: "cli:hr",
        source: "cli",
        allowPartial: true,
      }),
    ).toMatchObject({
      kind: "scheduled",
      created: false,
    });
    expect(await disabled(ctx.handle)).toEqual([]);

    // Eve's departure is called off before her day.
    await cancelScheduled(ctx.handle.db, {
      target: "eve@example.com",
      actor: "cli:hr",
      source: "cli",
      now: a.clock(),
    });

    // The last minute of 10 November in Paris: nothing yet.
    setNow("2026-11-10T22:59:00.000Z");
    expect(await runDueScheduledWork(a, { instance: "a" })).toEqual([]);

    // Midnight after the last day: both instances tick at once; one job, for the first group only.
    setNow("2026-11-10T23:00:30.000Z");
    const [fromA, fromB] = await Promise.all([
      runDueScheduledWork(a, { instance: "a" }),
      runDueScheduledWork(b, { instance: "b" }),
    ]);
    const day1 = [...fromA, ...fromB];
    expect(day1).toHaveLength(1);
    expect(day1[0]).toMatchObject({
      source: "schedule",
      requestedBy: "cli:hr",
      approvedBy: "cli:hr",
      total: 3,
    });
    await runUntilFinished(a, day1[0]!.id, { owner: "a" });
    expect(await disabled(ctx.handle)).toEqual(["ana@example.com", "ben@example.com", "cy@example.com"]);
    // Ticking again the same night starts nothing.
    expect(await runDueScheduledWork(b, { instance: "b" })).toEqual([]);

    // Before her date Ivy is disabled by hand: her row is re-checked when it runs.
    await ctx.handle.db.update(users).set({ status: "disabled" }).where(eq(users.email, "ivy@example.com"));

    // The second date, after a restart: a fresh runner (new process) finds the work in the database.
    setNow("2026-11-18T06:00:00.000Z");
    const restarted = startDatedRunner({ engine: b, instance: "b2", timers: false });
    const day2 = await restarted.tick();
    await restarted.stop();
    expect(day2).toHaveLength(1);
    await runUntilFinished(b, day2[0]!.id, { owner: "b" });
    expect(day2[0]).toMatchObject({ total: 2 });
    expect(await disabled(ctx.handle)).toEqual([
      "ana@example.com",
      "ben@example.com",
      "cy@example.com",
      "dee@example.com",
      "fay@example.com",
      "ivy@example.com",
    ]);

    setNow("2026-11-25T00:00:00.000Z");
    const [c1, c2] = await Promise.all([
      runDueScheduledWork(a, { instance: "a" }),
      runDueScheduledWork(b, { instance: "b" }),
    ]);
    const day3 = [...c1, ...c2];
    expect(day3).toHaveLength(1);
    await runUntilFinished(a, day3[0]!.id, { owner: "a" });
    const items = await ctx.handle.db
      .select()
      .from(jobItems)
      .where(eq(jobItems.jobId, day3[0]!.id))
      .orderBy(asc(jobItems.row));
    // Row numbers are the file's; Ivy, changed meanwhile, was re-checked: skipped, not disabled twice.
    expect(items.map((i) => [i.row, i.key, i.status])).toEqual([
      [7, "gus@example.com", "succeeded"],
      [8, "hal@example.com", "succeeded"],
      [9, "ivy@example.com", "skipped"],
    ]);
    expect(await disabled(ctx.handle)).not.toContain("eve@example.com");
    expect(await disabled(ctx.handle)).not.toContain("stay@example.com");
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(3);
    const runs = await ctx.handle.db.select().from(cronRuns);
    expect(runs.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(await listScheduled(ctx.handle.db)).toEqual([]);
    const audit = await ctx.handle.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(sql`${auditLog.action} like 'dated.%'`)
      .orderBy(asc(auditLog.id));
    expect(audit.map((x) => x.action)).toEqual(["dated.scheduled", "dated.cancelled"]);
  });

  it("a cancelled batch never runs; rows due now run at once; a date that cannot be read fails its row", async () => {
    await seed(ctx.handle);
    const { a, setNow } = instances();
    setNow("2026-11-12T09:00:00.000Z");
    const file = `UserPrincipalName,LastDay\r\nana@example.com,2026-11-10\r\nben@example.com,2026-11-20\r\ncy@example.com,next friday\r\ndee@example.com,\r\n`;
    const planned = await planFile(a, {
      operation: "disable",
      bytes: new TextEncoder().encode(file),
      source: "slack",
      actor: "slack:UHR",
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    expect(planned.stored.plan.summary).toEqual({ change: 3, skip: 0, error: 1 });
    expect(planned.stored.plan.rows[2]?.reason).toContain("LastDay: 'next friday' is not a date");
    const submitted = await submitPlan(a, {
      planId: planned.stored.id,
      approvedBy: "slack:UHR",
      source: "slack",
      allowPartial: true,
    });
    if (submitted.kind !== "scheduled") throw new Error(submitted.kind);
    // Ana (last day already past), Dee (no date) and the failed row: a job now; Ben waits.
    expect(submitted.jobs).toHaveLength(1);
    await runUntilFinished(a, submitted.jobs[0]!.id, { owner: "a" });
    expect(await disabled(ctx.handle)).toEqual(["ana@example.com", "dee@example.com"]);
    const waiting = submitted.batches.find((x) => x.status === "pending")!;
    await cancelScheduled(ctx.handle.db, {
      target: waiting.id,
      actor: "slack:UADMIN",
      source: "slack",
      now: a.clock(),
    });
    const [batch] = await ctx.handle.db
      .select()
      .from(scheduledBatches)
      .where(eq(scheduledBatches.id, waiting.id));
    expect(batch?.status).toBe("cancelled");
    setNow("2026-12-01T00:00:00.000Z");
    expect(await runDueScheduledWork(a, { instance: "a" })).toEqual([]);
    expect(await disabled(ctx.handle)).toEqual(["ana@example.com", "dee@example.com"]);
    await expect(
      cancelScheduled(ctx.handle.db, { target: waiting.id, actor: "x", source: "cli", now: a.clock() }),
    ).rejects.toMatchObject({ code: "scheduled.not_found" });
  });

  it("CLI: plan --at previews the date; run schedules; scheduled lists; scheduled cancel; API: ?at= and GET/DELETE scheduled", async () => {
    await seed(ctx.handle);
    dir = await mkdtemp(join(tmpdir(), "bulkusers-dated-"));
    await writeFile(join(dir, "leavers.csv"), "UserPrincipalName\nana@example.com\nben@example.com\n");
    const cli = async (...argv: string[]) => {
      let stdout = "";
      let stderr = "";
      const io: CliIo = {
        stdout: (t) => {
          stdout += t;
        },
        stderr: (t) => {
          stderr += t;
        },
        env: { USER: "hr", BULKUSERS_TIME_ZONE: PARIS },
        cwd: dir!,
        now: () => new Date("2026-11-02T09:00:00Z"),
        openDb: async () => ({ ...ctx.handle, close: async () => {} }),
      };
      return { status: await runCli(argv, io), stdout, stderr };
    };
    const plan = await cli("plan", "disable", "leavers.csv", "--at", "2026-12-31T18:00", "--json");
    expect(plan.status).toBe(0);
    expect(JSON.parse(plan.stdout).schedule).toEqual([{ at: "2026-12-31T17:00:00.000Z", rows: [1, 2] }]);
    const text = await cli("plan", "disable", "leavers.csv", "--at", "2026-12-31T18:00");
    expect(text.stdout).toContain("2026-12-31 18:00 (Europe/Paris): 2 row(s)");
    expect((await cli("plan", "disable", "leavers.csv", "--at", "31/12")).status).toBe(2);

    const run = await cli("run", "disable", "leavers.csv", "--at", "2026-12-31T18:00", "--json");
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      status: "scheduled",
      timeZone: PARIS,
      batches: [{ runAt: "2026-12-31T17:00:00.000Z", status: "pending" }],
    });
    expect(await disabled(ctx.handle)).toEqual([]);
    const list = JSON.parse((await cli("scheduled", "--json")).stdout);
    expect(list.scheduled).toMatchObject([
      { batchId: doc.batches[0].batchId, pending: 2, keys: ["ana@example.com", "ben@example.com"] },
    ]);
    const cancelled = await cli("scheduled", "cancel", "ben@example.com");
    expect(cancelled.status).toBe(0);
    expect(cancelled.stdout).toContain("ben@example.com");
    expect((await cli("scheduled", "cancel", "ben@example.com")).status).toBe(2);

    // The HTTP API: ?at= schedules, GET lists, DELETE cancels.
    const engine = { ...testEngine(ctx.handle), timeZone: PARIS };
    api = await startApi(ctx.handle, engine);
    const post = await api.call("/api/automation/bulk-users/disable?at=2026-12-24", {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "UserPrincipalName\ncy@example.com\n",
    });
    expect(post.status).toBe(202);
    const body = await post.json();
    expect(body).toMatchObject({
      status: "scheduled",
      batches: [{ runAt: "2026-12-23T23:00:00.000Z", status: "pending" }],
    });
    const got = await (await api.call("/api/automation/bulk-users/scheduled")).json();
    expect(got.scheduled.map((s: { keys: string[] }) => s.keys)).toEqual([
      ["cy@example.com"],
      ["ana@example.com"],
    ]);
    expect(got.timeZone).toBe(PARIS);
    const reader = await api.call(`/api/automation/bulk-users/scheduled/${body.batches[0].batchId}`, {
      method: "DELETE",
      as: "reader",
    });
    expect(reader.status).toBe(403);
    expect(
      await queryRows(
        ctx.handle.db,
        sql`select 1 from scheduled_rows where status = 'cancelled' and key = 'cy@example.com'`,
      ),
    ).toHaveLength(0);
  });
});
