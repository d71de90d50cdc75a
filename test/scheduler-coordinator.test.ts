// The run coordinator and the node-cron wiring: each slot runs once (two instances racing on PostgreSQL:
// exactly one runs), paused/deleted policies never run, reload follows edits, the purge is coordinated too.
import { sql } from "drizzle-orm";
import cron from "node-cron";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../src/directory/client.ts";
import { claimSlot, recentRuns, slotOf } from "../src/scheduler/coordinator.ts";
import type { PolicyRunResult } from "../src/scheduler/policy.ts";
import { type ScheduleReporter, startScheduler } from "../src/scheduler/scheduler.ts";
import {
  canonicalTimeZone,
  cronProblem,
  deleteSchedule,
  nextRuns,
  setScheduleEnabled,
  validateScheduleDraft,
} from "../src/scheduler/schedules.ts";
import { addSchedule, count, daysAfter, seedUsers, statusOf, T0 } from "./scheduler-support.ts";
import { createPostgresDatabase, describeEachDatabase, queryRows } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

function recordingReporter(): ScheduleReporter & { runs: Array<{ run: PolicyRunResult; channel?: string }> } {
  const runs: Array<{ run: PolicyRunResult; channel?: string }> = [];
  return {
    runs,
    async report(run, options) {
      runs.push({ run, ...(options?.channel ? { channel: options.channel } : {}) });
    },
  };
}

describe("schedule validation", () => {
  it("checks cron expressions (five fields, node-cron) and time zones (Intl)", () => {
    expect(cronProblem("0 9 * * 1")).toBeNull();
    expect(cronProblem("*/15 8-18 * * mon-fri")).toBeNull();
    expect(cronProblem("0 0 9 * * 1")).toMatch(/5 fields/);
    expect(cronProblem("61 9 * * 1")).toMatch(/not a valid cron expression/);
    expect(cronProblem("")).toMatch(/Enter a cron expression/);
    expect(canonicalTimeZone("utc")).toBe("UTC");
    expect(canonicalTimeZone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(canonicalTimeZone("Mars/Olympus")).toBeNull();
    const bad = validateScheduleDraft({
      name: "",
      cron: "x",
      timezone: "Nowhere",
      inactiveDays: "0",
      mode: "nuke",
      capPercent: "150",
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(Object.keys(bad.errors).sort()).toEqual([
        "capPercent",
        "cron",
        "inactiveDays",
        "mode",
        "name",
        "timezone",
      ]);
    }
    const good = validateScheduleDraft({
      name: " Weekly ",
      inactiveDays: "90",
      cron: "0  9 * * 1",
      timezone: "utc",
    });
    expect(good).toEqual({
      ok: true,
      value: {
        name: "Weekly",
        cron: "0 9 * * 1",
        timezone: "UTC",
        inactiveDays: 90,
        excludeGroups: [],
        mode: "report",
        warnDays: 7,
        capCount: null,
        capPercent: null,
        reportChannel: null,
        enabled: true,
        // No action given: the policy deactivates (remove-access is chosen explicitly).
        action: { kind: "deactivate" },
      },
    });
  });

  it("computes the next runs in the policy's time zone", () => {
    // 2026-11-02 is a Monday; 09:00 in Berlin (CET) is 08:00 UTC, already past at 09:00 UTC.
    expect(nextRuns("0 9 * * 1", "Europe/Berlin", new Date(T0), 2).map((d) => d.toISOString())).toEqual([
      "2026-11-09T08:00:00.000Z",
      "2026-11-16T08:00:00.000Z",
    ]);
    expect(nextRuns("0 9 * * 1", "UTC", new Date("2026-11-02T08:59:00Z"), 1)[0]?.toISOString()).toBe(
      "2026-11-02T09:00:00.000Z",
    );
    expect(nextRuns("not cron", "UTC", new Date(T0))).toEqual([]);
  });

  it("slots are the scheduled minute", () => {
    expect(slotOf(new Date("2026-11-02T09:00:59.999Z")).toISOString()).toBe("2026-11-02T09:00:00.000Z");
  });
});

describeEachDatabase("scheduler coordination", (ctx) => {
  it("claims each (schedule, slot) once", async () => {
    const db = ctx.handle.db;
    const slot = new Date(T0);
    expect(await claimSlot(db, "sch_a", slot, "one")).toBe(true);
    expect(await claimSlot(db, "sch_a", new Date(Date.parse(T0) + 30_000), "two")).toBe(false);
    expect(await claimSlot(db, "sch_b", slot, "two")).toBe(true);
    expect(await claimSlot(db, "sch_a", new Date(Date.parse(T0) + 60_000), "two")).toBe(true);
    const [row] = await recentRuns(db, "sch_a", 5).then((r) => r.slice(-1));
    expect(row).toMatchObject({ instance: "one", status: "running" });
  });

  it("fire: runs the slot once, records it, reports it; paused and deleted policies do not run", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, [
      { email: "idle@x.com", signedIn: 200 },
      { email: "busy@x.com", signedIn: 1 },
    ]);
    const schedule = await addSchedule(db, { mode: "deactivate" });
    const reporter = recordingReporter();
    const scheduler = startScheduler({ engine, reporter, instance: "i1", timers: false });
    try {
      const first = await scheduler.fire(schedule.id, new Date("2026-11-02T09:00:02Z"));
      expect(first.ran).toBe(true);
      expect(reporter.runs).toHaveLength(1);
      expect(reporter.runs[0]?.run.decision).toBe("deactivate");
      expect((await statusOf(db))["idle@x.com"]).toBe("disabled");
      const [run] = await recentRuns(db, schedule.id);
      expect(run).toMatchObject({ instance: "i1", status: "succeeded" });
      expect(new Date(run!.slot).toISOString()).toBe("2026-11-02T09:00:00.000Z");
      expect(run?.result).toMatchObject({ decision: "deactivate", summary: { deactivated: 1 } });

      // The same slot again (a second tick, a retry): nothing.
      expect(await scheduler.fire(schedule.id, new Date("2026-11-02T09:00:40Z"))).toEqual({
        ran: false,
        reason: "claimed-elsewhere",
      });
      // Next week's slot: runs, changes nothing (the idle user is already disabled).
      engine.setNow(daysAfter(7));
      const next = await scheduler.fire(schedule.id, new Date(daysAfter(7)));
      expect(next.ran && "result" in next && next.result.decision).toBe("nothing");
      expect(await count(db, "jobs")).toBe(1);

      await setScheduleEnabled(db, schedule.id, false, { actor: "t", source: "cli", now: new Date(T0) });
      expect(await scheduler.fire(schedule.id, new Date(daysAfter(14)))).toEqual({
        ran: false,
        reason: "paused",
      });
      await deleteSchedule(db, schedule.id, { actor: "t", source: "cli", now: new Date(T0) });
      expect(await scheduler.fire(schedule.id, new Date(daysAfter(21)))).toEqual({
        ran: false,
        reason: "missing",
      });
      expect(await count(db, "cron_runs")).toBe(2);
    } finally {
      await scheduler.stop();
    }
  });

  it("reload follows the enabled policies; the purge runs once per slot; runNow reports to the given channel", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, [
      { email: "idle@x.com", signedIn: 200 },
      { email: "purge.me@x.com", signedIn: 200, status: "deleted", deletedDaysAgo: 40 },
    ]);
    const a = await addSchedule(db, { name: "A", cron: "0 9 * * 1", timezone: "Europe/Berlin" });
    const b = await addSchedule(db, { name: "B", cron: "30 6 1 * *", enabled: false });
    const reporter = recordingReporter();
    const scheduler = startScheduler({ engine, reporter, instance: "i1", reloadEveryMs: 0 });
    try {
      await scheduler.reload();
      expect(scheduler.scheduled()).toEqual([
        { scheduleId: a.id, name: "A", cron: "0 9 * * 1", timezone: "Europe/Berlin" },
      ]);
      await setScheduleEnabled(db, b.id, true, { actor: "t", source: "cli", now: new Date(T0) });
      await setScheduleEnabled(db, a.id, false, { actor: "t", source: "cli", now: new Date(T0) });
      await scheduler.reload();
      expect(scheduler.scheduled().map((s) => s.scheduleId)).toEqual([b.id]);

      const purge = await scheduler.firePurge(new Date(T0));
      expect(purge).toEqual({ ran: true, purge: { purged: 1, emails: ["purge.me@x.com"] } });
      expect(await scheduler.firePurge(new Date(T0))).toEqual({ ran: false, reason: "claimed-elsewhere" });

      const manual = await scheduler.runNow(b.id, {
        actor: "slack:U0ADMIN",
        dryRun: true,
        channel: "C0REPORT",
      });
      expect(manual?.dryRun).toBe(true);
      expect(manual?.decision).toBe("report");
      expect(reporter.runs.map((r) => r.channel)).toEqual(["C0REPORT"]);
      // Manual runs are not slots: the coordinator has only the purge's row.
      const rows = await queryRows<{ schedule_id: string }>(db, sql`select schedule_id from cron_runs`);
      expect(rows.map((r) => r.schedule_id)).toEqual(["purge"]);
    } finally {
      await scheduler.stop();
    }
    expect(scheduler.scheduled()).toEqual([]);
  });
});

describeEachDatabase("scheduler node-cron wiring", (ctx) => {
  it("each policy's node-cron task (in its time zone) fires through the coordinator; stop() removes the tasks", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, [{ email: "idle@x.com", signedIn: 200 }]);
    const schedule = await addSchedule(db, {
      name: "Wired",
      cron: "15 7 * * *",
      timezone: "America/New_York",
    });
    const reporter = recordingReporter();
    const scheduler = startScheduler({ engine, reporter, instance: "wired", reloadEveryMs: 0 });
    try {
      await scheduler.reload();
      const task = [...cron.getTasks().values()].find((t) => t.name === `bulkusers:${schedule.id}`);
      expect(task?.getPattern()).toBe("15 7 * * *");
      expect([...cron.getTasks().values()].some((t) => t.name === "bulkusers:purge")).toBe(true);
      // What a tick does, without waiting for one: node-cron runs our callback with the slot's date.
      const outcome = (await task!.execute()) as { ran: boolean };
      expect(outcome.ran).toBe(true);
      expect(reporter.runs).toHaveLength(1);
      const [run] = await recentRuns(db, schedule.id);
      expect(run).toMatchObject({ instance: "wired", status: "succeeded" });
    } finally {
      await scheduler.stop();
    }
    expect([...cron.getTasks().values()].filter((t) => t.name?.startsWith("bulkusers:"))).toEqual([]);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)("two instances on one PostgreSQL", () => {
  let drop: (() => Promise<void>) | undefined;
  let first: DatabaseHandle;
  let second: DatabaseHandle;
  beforeAll(async () => {
    const created = await createPostgresDatabase();
    drop = created.drop;
    [first, second] = await Promise.all([openDatabase(created.url), openDatabase(created.url)]);
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await drop?.();
  });

  it("fires each slot once: two schedulers on two connections race, exactly one runs it", async () => {
    await seedUsers(first.db, [
      ...Array.from({ length: 5 }, (_, i) => ({ email: `idle${i}@x.com`, signedIn: 200 })),
      { email: "busy@x.com", signedIn: 1 },
    ]);
    const schedule = await addSchedule(first.db, { mode: "deactivate" });
    const reporters = [recordingReporter(), recordingReporter()];
    const engines = [testEngine(first), testEngine(second)];
    const schedulers = [
      startScheduler({ engine: engines[0]!, reporter: reporters[0], instance: "a", timers: false }),
      startScheduler({ engine: engines[1]!, reporter: reporters[1], instance: "b", timers: false }),
    ];
    try {
      for (let week = 0; week < 5; week++) {
        const at = new Date(daysAfter(7 * week));
        for (const e of engines) e.setNow(at.toISOString());
        const outcomes = await Promise.all(schedulers.map((s) => s.fire(schedule.id, at)));
        expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
        expect(outcomes.filter((o) => !o.ran)).toEqual([{ ran: false, reason: "claimed-elsewhere" }]);
      }
      expect(reporters[0]!.runs.length + reporters[1]!.runs.length).toBe(5);
      const runs = await queryRows<{ n: number; instances: number }>(
        second.db,
        sql`select count(*)::int as n, count(distinct slot)::int as instances from cron_runs where schedule_id = ${schedule.id}`,
      );
      expect(runs[0]).toEqual({ n: 5, instances: 5 });
      // One deactivation job in all (the first slot); the later slots found nothing to do.
      expect(await count(first.db, "jobs")).toBe(1);
      const status = await statusOf(second.db);
      expect(Object.values(status).filter((s) => s === "disabled")).toHaveLength(5);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
  });
});
