// Policy runs against the real directory (PGlite, and PostgreSQL when TEST_DATABASE_URL is set), with an
// injected clock: candidates, exclusions, the cap, warnings before deactivation, idempotent second runs,
// the purge, and the CLI's one-off deactivation.
import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { buildUndoFile } from "../src/core/undo.ts";
import { auditLog, inactivityWarnings, jobs, users } from "../src/directory/schema.ts";
import { listJobItems } from "../src/jobs/job-store.ts";
import { confirm, planFile, runUntilFinished } from "../src/jobs/service.ts";
import {
  deactivateInactive,
  type InactivityNotifier,
  runPolicy,
  type WarnedUser,
} from "../src/scheduler/policy.ts";
import { loadPolicyUsers } from "../src/scheduler/policy-users.ts";
import { purgeDeletedUsers } from "../src/scheduler/purge.ts";
import {
  addSchedule,
  auditRows,
  count,
  daysAfter,
  daysBefore,
  seedUsers,
  statusOf,
  T0,
} from "./scheduler-support.ts";
import { describeEachDatabase, queryRows } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

const DIRECTORY = [
  { email: "active@x.com", signedIn: 3 },
  { email: "stale@x.com", signedIn: 120 },
  { email: "never.old@x.com", signedIn: null, created: 150 },
  { email: "never.new@x.com", signedIn: null, created: 10 },
  { email: "boss@x.com", signedIn: 300, accountType: "admin" as const },
  { email: "robot@x.com", signedIn: null, created: 800, accountType: "service" as const },
  { email: "vip@x.com", signedIn: 200, groups: ["Executives"] },
  { email: "gone@x.com", signedIn: 200, status: "disabled" as const },
];

function recordingNotifier(
  failFor: string[] = [],
): InactivityNotifier & { sent: Array<[WarnedUser, string]> } {
  const sent: Array<[WarnedUser, string]> = [];
  return {
    sent,
    async warnUser(user, deactivateAfter) {
      if (failFor.includes(user.email)) throw new Error("users_not_found");
      sent.push([user, deactivateAfter]);
    },
  };
}

describeEachDatabase("scheduler policy runs", (ctx) => {
  it("report mode: finds the right candidates and exclusions, stores a plan, changes nothing", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, DIRECTORY);
    const schedule = await addSchedule(db, { excludeGroups: ["executives"] });
    expect(schedule.excludeGroups).toEqual(["Executives"]);

    const run = await runPolicy(engine, schedule, { slot: new Date(T0) });
    expect(run.decision).toBe("report");
    expect(run.evaluation.candidates.map((c) => c.user.email)).toEqual(["never.old@x.com", "stale@x.com"]);
    expect(run.evaluation.candidates[0]?.lastActivitySource).toBe("created");
    expect(Object.fromEntries(run.evaluation.excluded.map((e) => [e.user.email, e.reason]))).toEqual({
      "boss@x.com": "admin",
      "robot@x.com": "service-account",
      "vip@x.com": "excluded-group",
      "gone@x.com": "disabled",
    });
    expect(run.plan?.summary).toEqual({ change: 2, skip: 0, error: 0 });
    expect(run.job).toBeNull();
    expect(run.rows.filter((r) => r.action === "would-deactivate").map((r) => r.email)).toEqual([
      "never.old@x.com",
      "stale@x.com",
    ]);
    // Nothing changed; the plan is an ordinary schedule plan; the run is audited as `schedule`.
    expect((await statusOf(db))["stale@x.com"]).toBe("active");
    const [plan] = await queryRows<{ source: string; actor: string; operation: string; status: string }>(
      db,
      sql`select source, actor, operation, status from plans where id = ${run.plan!.id}`,
    );
    expect(plan).toEqual({
      source: "schedule",
      actor: `schedule:${schedule.id}`,
      operation: "disable",
      status: "pending",
    });
    expect(await auditRows(db, "schedule.run")).toEqual([
      {
        actor: `schedule:${schedule.id}`,
        source: "schedule",
        action: "schedule.run",
        target: schedule.id,
        job_id: null,
      },
    ]);

    // "Deactivate these N" goes through the normal confirm: a job, results, audit, undo.
    const { job } = await confirm(engine, {
      planId: run.plan!.id,
      approvedBy: "slack:U0ADMIN",
      source: "slack",
      allowPartial: false,
    });
    await runUntilFinished(engine, job.id, { owner: "test" });
    expect((await statusOf(db))["stale@x.com"]).toBe("disabled");
  });

  it("deactivate mode: runs a normal job (audited as schedule, undoable); a second run does nothing", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, DIRECTORY);
    const schedule = await addSchedule(db, { mode: "deactivate", excludeGroups: ["Executives"] });

    const first = await runPolicy(engine, schedule, { slot: new Date(T0) });
    expect(first.decision).toBe("deactivate");
    expect(first.job?.status).toBe("succeeded");
    expect(first.job?.source).toBe("schedule");
    expect(first.summary).toMatchObject({ candidates: 2, deactivated: 2, failed: 0, excluded: 4 });
    const status = await statusOf(db);
    expect(status).toMatchObject({
      "stale@x.com": "disabled",
      "never.old@x.com": "disabled",
      "never.new@x.com": "active",
      "active@x.com": "active",
      "boss@x.com": "active",
      "robot@x.com": "active",
      "vip@x.com": "active",
    });
    const audits = await auditRows(db, "user.disable");
    expect(audits.map((a) => [a.target, a.source, a.actor])).toEqual([
      ["never.old@x.com", "schedule", `schedule:${schedule.id}`],
      ["stale@x.com", "schedule", `schedule:${schedule.id}`],
    ]);

    engine.setNow(daysAfter(1));
    const second = await runPolicy(engine, schedule, { slot: new Date(daysAfter(1)) });
    expect(second.decision).toBe("nothing");
    expect(second.plan).toBeNull();
    expect(second.job).toBeNull();
    expect(await count(db, "jobs")).toBe(1);

    // Undo of the scheduled job re-enables the users like any other undo.
    const undo = buildUndoFile("disable", await listJobItems(db, first.job!.id));
    expect(undo.ok).toBe(true);
    if (!undo.ok) return;
    const planned = await planFile(engine, {
      operation: undo.operation,
      bytes: undo.bytes,
      source: "cli",
      actor: "cli:t",
    });
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    const { job } = await confirm(engine, {
      planId: planned.stored.id,
      approvedBy: "cli:t",
      source: "cli",
      allowPartial: false,
    });
    await runUntilFinished(engine, job.id, { owner: "t" });
    expect((await statusOf(db))["stale@x.com"]).toBe("active");
    // Re-enabled by an admin: counts as activity, so the next run leaves them alone.
    engine.setNow(daysAfter(2));
    const third = await runPolicy(engine, schedule, { slot: new Date(daysAfter(2)) });
    expect(third.evaluation.candidates).toEqual([]);
    expect(third.decision).toBe("nothing");
  });

  it("the cap turns the run into an approval request: nothing is deactivated automatically", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, [
      ...Array.from({ length: 3 }, (_, i) => ({ email: `idle${i}@x.com`, signedIn: 200 })),
      ...Array.from({ length: 7 }, (_, i) => ({ email: `busy${i}@x.com`, signedIn: 1 })),
    ]);
    const byPercent = await addSchedule(db, { name: "share", mode: "deactivate", capPercent: 20 });
    const run = await runPolicy(engine, byPercent, { slot: new Date(T0) });
    expect(run.evaluation.activeUserCount).toBe(10);
    expect(run.evaluation.cap).toEqual({ limit: 2, exceeded: true });
    expect(run.decision).toBe("approval");
    expect(run.job).toBeNull();
    expect(run.plan?.summary.change).toBe(3);
    expect(run.rows.filter((r) => r.action === "needs-approval")).toHaveLength(3);
    expect(Object.values(await statusOf(db)).filter((s) => s === "disabled")).toHaveLength(0);

    const byCount = await addSchedule(db, { name: "count", mode: "deactivate", capCount: 3 });
    const within = await runPolicy(engine, byCount, { slot: new Date(T0) });
    expect(within.decision).toBe("deactivate");
    expect(Object.values(await statusOf(db)).filter((s) => s === "disabled")).toHaveLength(3);
  });

  it("warn-then-deactivate: warned → not yet deactivated → deactivated after the lead time; signing in spares", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, [
      { email: "idle@x.com", signedIn: 100 },
      { email: "returns@x.com", signedIn: 100 },
      { email: "unreachable@x.com", signedIn: null, created: 100 },
      { email: "fresh@x.com", signedIn: 5 },
    ]);
    const schedule = await addSchedule(db, { mode: "warn-then-deactivate", warnDays: 7 });
    const notifier = recordingNotifier(["unreachable@x.com"]);

    // Without a notifier (Slack off) nobody is warned, so the lead time never starts.
    const silent = await runPolicy(engine, schedule, { slot: new Date(T0) });
    expect(silent.warnings.recorded).toBe(0);
    expect(silent.rows.map((r) => r.action)).toEqual(["would-warn", "would-warn", "would-warn"]);
    expect(await count(db, "inactivity_warnings")).toBe(0);

    const day0 = await runPolicy(engine, schedule, { slot: new Date(T0), notifier });
    expect(day0.decision).toBe("nothing");
    expect(day0.warnings).toEqual({ recorded: 3, notified: 2, failed: 1, cleared: 0 });
    expect(notifier.sent.map(([u, after]) => [u.email, after])).toEqual([
      ["idle@x.com", daysAfter(7)],
      ["returns@x.com", daysAfter(7)],
    ]);
    expect(notifier.sent[0]?.[0]).toMatchObject({
      daysInactive: 100,
      policyName: "Policy",
      lastLoginAt: daysBefore(100),
    });
    expect(await count(db, "inactivity_warnings")).toBe(3);
    expect(Object.values(await statusOf(db)).every((s) => s === "active")).toBe(true);

    // Three days later: still waiting, no second DM.
    engine.setNow(daysAfter(3));
    const day3 = await runPolicy(engine, schedule, { slot: new Date(daysAfter(3)), notifier });
    expect(day3.decision).toBe("nothing");
    expect(day3.summary).toMatchObject({ warned: 0, waiting: 3, deactivated: 0 });
    expect(notifier.sent).toHaveLength(2);

    // One of them signs in; a week after the warning the others are deactivated.
    await db
      .update(users)
      .set({ lastLoginAt: daysAfter(4) })
      .where(eq(users.email, "returns@x.com"));
    engine.setNow(daysAfter(7));
    const day7 = await runPolicy(engine, schedule, { slot: new Date(daysAfter(7)), notifier });
    expect(day7.decision).toBe("deactivate");
    expect(day7.rows.filter((r) => r.action === "deactivated").map((r) => r.email)).toEqual([
      "idle@x.com",
      "unreachable@x.com",
    ]);
    expect(day7.warnings.cleared).toBe(1);
    expect(await statusOf(db)).toEqual({
      "idle@x.com": "disabled",
      "returns@x.com": "active",
      "unreachable@x.com": "disabled",
      "fresh@x.com": "active",
    });
    const left = await db.select().from(inactivityWarnings);
    expect(left.map((w) => w.userId).sort()).toHaveLength(2);

    // The next run clears the warnings of the deactivated users and does nothing else.
    engine.setNow(daysAfter(8));
    const day8 = await runPolicy(engine, schedule, { slot: new Date(daysAfter(8)), notifier });
    expect(day8.decision).toBe("nothing");
    expect(day8.warnings.cleared).toBe(2);
    expect(await count(db, "inactivity_warnings")).toBe(0);
    expect(await count(db, "jobs")).toBe(1);
  });

  it("a dry run warns nobody and deactivates nobody, but still offers the plan", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, DIRECTORY);
    const schedule = await addSchedule(db, { mode: "deactivate" });
    const notifier = recordingNotifier();
    const run = await runPolicy(engine, schedule, {
      dryRun: true,
      actor: "slack:U0ADMIN",
      source: "slack",
      notifier,
    });
    expect(run.decision).toBe("deactivate");
    expect(run.job).toBeNull();
    expect(run.plan?.summary.change).toBe(3);
    expect(notifier.sent).toEqual([]);
    expect(Object.values(await statusOf(db)).filter((s) => s === "disabled")).toEqual(["disabled"]);
    expect(await auditRows(db, "schedule.dry_run")).toEqual([
      {
        actor: "slack:U0ADMIN",
        source: "slack",
        action: "schedule.dry_run",
        target: schedule.id,
        job_id: null,
      },
    ]);
  });

  it("loads only inactive users (and warned ones) in a fixed number of queries", async () => {
    const db = ctx.handle.db;
    await seedUsers(db, DIRECTORY);
    const loaded = await loadPolicyUsers(db, { inactiveDays: 90, now: new Date(T0) });
    expect(loaded.users.map((u) => u.email).sort()).toEqual(
      ["boss@x.com", "gone@x.com", "never.old@x.com", "robot@x.com", "stale@x.com", "vip@x.com"].sort(),
    );
    expect(loaded.activeUserCount).toBe(7);
    expect(loaded.users.find((u) => u.email === "robot@x.com")?.accountType).toBe("service");
    expect(loaded.users.find((u) => u.email === "vip@x.com")?.groups).toEqual(["Executives"]);
  });

  it("purges users soft-deleted more than 30 days ago, with an audit row each; their memberships go too", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, [
      { email: "old.deleted@x.com", signedIn: 100, status: "deleted", deletedDaysAgo: 31, groups: ["Sales"] },
      { email: "recent.deleted@x.com", signedIn: 100, status: "deleted", deletedDaysAgo: 29 },
      { email: "alive@x.com", signedIn: 1, groups: ["Sales"] },
    ]);
    const result = await purgeDeletedUsers(db, { now: engine.clock() });
    expect(result).toEqual({ purged: 1, emails: ["old.deleted@x.com"] });
    expect(Object.keys(await statusOf(db)).sort()).toEqual(["alive@x.com", "recent.deleted@x.com"]);
    expect(await count(db, "group_members")).toBe(1);
    const [audit] = await db.select().from(auditLog).where(eq(auditLog.action, "user.purge"));
    expect(audit).toMatchObject({ source: "schedule", actor: "schedule:purge", target: "old.deleted@x.com" });
    expect(audit?.before).toMatchObject({ email: "old.deleted@x.com", status: "deleted" });
    expect(audit?.before).not.toHaveProperty("password_hash");
    // A second purge the same day finds nothing.
    expect(await purgeDeletedUsers(db, { now: engine.clock() })).toEqual({ purged: 0, emails: [] });
  });

  it("deactivate-inactive (CLI use case): no cap, no warnings, unknown groups refused", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, DIRECTORY);
    const refused = await deactivateInactive(engine, {
      days: 90,
      excludeGroups: ["Nope"],
      dryRun: true,
      actor: "cli:t",
    });
    expect(refused).toEqual({
      ok: false,
      refusal: expect.objectContaining({ code: "schedule.unknown_group" }),
    });

    const dry = await deactivateInactive(engine, {
      days: 90,
      excludeGroups: ["executives"],
      dryRun: true,
      actor: "cli:t",
    });
    expect(dry.ok && dry.summary).toEqual({ candidates: 2, deactivated: 0, excluded: 4 });
    expect(await count(db, "plans")).toBe(0);

    const done = await deactivateInactive(engine, { days: 90, dryRun: false, actor: "cli:t" });
    expect(done.ok && done.summary).toEqual({ candidates: 3, deactivated: 3, excluded: 3 });
    const [job] = await db.select().from(jobs);
    expect(job).toMatchObject({ source: "cli", approvedBy: "cli:t", operation: "disable", succeeded: 3 });
  });
});
