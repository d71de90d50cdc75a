// Inactivity policies whose action is remove-access (PGlite, and PostgreSQL when TEST_DATABASE_URL is set),
// with an injected clock: the run frees the inactive users' seats and removes their app-group memberships
// through ordinary jobs (audited as `schedule`), leaves the accounts active, and undo gives the access back.
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { buildUndoFile } from "../src/core/undo.ts";
import type { Database } from "../src/directory/client.ts";
import { groups, licenseAssignments, licenses, users } from "../src/directory/schema.ts";
import { listJobItems } from "../src/jobs/job-store.ts";
import { confirm, type Engine, planFile, runUntilFinished } from "../src/jobs/service.ts";
import { deactivateInactive, runPolicy } from "../src/scheduler/policy.ts";
import { addSchedule, auditRows, seedUsers, statusOf, T0 } from "./scheduler-support.ts";
import { describeEachDatabase, queryRows } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

const DIRECTORY = [
  { email: "active@x.com", signedIn: 3, groups: ["Figma Users"] },
  { email: "stale@x.com", signedIn: 120, groups: ["Figma Users", "Sales"] },
  { email: "never.old@x.com", signedIn: null, created: 150 },
  { email: "boss@x.com", signedIn: 300, accountType: "admin" as const, groups: ["Figma Users"] },
];

async function seedLicenses(db: Database): Promise<void> {
  const [e3] = await db.insert(licenses).values({ sku: "M365_E3", name: "E3", totalSeats: 10 }).returning();
  const [vis] = await db.insert(licenses).values({ sku: "VISIO", name: "Visio", totalSeats: 5 }).returning();
  const ids = new Map((await db.select().from(users)).map((u) => [u.email, u.id]));
  await db.insert(licenseAssignments).values([
    { licenseId: e3!.id, userId: ids.get("active@x.com")! },
    { licenseId: e3!.id, userId: ids.get("stale@x.com")! },
    { licenseId: vis!.id, userId: ids.get("stale@x.com")! },
    { licenseId: e3!.id, userId: ids.get("never.old@x.com")! },
    { licenseId: e3!.id, userId: ids.get("boss@x.com")! },
  ]);
}

/** Every user's access: "SKU…" and "group:Name…", sorted. */
async function accessOf(db: Database): Promise<Record<string, string[]>> {
  const rows = await queryRows<{ email: string; item: string }>(
    db,
    sql`select u.email, l.sku as item from license_assignments a join users u on u.id = a.user_id
          join licenses l on l.id = a.license_id
        union all
        select u.email, 'group:' || g.name from group_members m join users u on u.id = m.user_id
          join groups g on g.id = m.group_id`,
  );
  const out: Record<string, string[]> = {};
  for (const r of rows) out[r.email] = [...(out[r.email] ?? []), r.item];
  for (const list of Object.values(out)) list.sort();
  return out;
}

async function undoJob(engine: Engine, operation: "remove-license" | "remove-from-group", jobId: string) {
  const undo = buildUndoFile(operation, await listJobItems(engine.db, jobId));
  if (!undo.ok) throw new Error(JSON.stringify(undo));
  const planned = await planFile(engine, {
    operation: undo.operation,
    bytes: undo.bytes,
    source: "cli",
    actor: "cli:t",
  });
  if (!planned.ok) throw new Error(JSON.stringify(planned.refusal));
  const { job } = await confirm(engine, {
    planId: planned.stored.id,
    approvedBy: "cli:t",
    source: "cli",
    allowPartial: false,
  });
  await runUntilFinished(engine, job.id, { owner: "t" });
}

describeEachDatabase("inactivity policy: remove access", (ctx) => {
  it("frees the seats and removes the group memberships, keeps the users active; undo restores", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, DIRECTORY);
    await seedLicenses(db);
    const schedule = await addSchedule(db, {
      mode: "deactivate",
      action: "remove-access",
      removeSkus: ["all"],
      removeGroups: ["figma users"],
    });
    expect(schedule.action).toEqual({ kind: "remove-access", skus: null, groups: ["Figma Users"] });

    const run = await runPolicy(engine, schedule, { slot: new Date(T0) });
    expect(run.decision).toBe("deactivate");
    expect(run.jobs.map((j) => [j.operation, j.status, j.source])).toEqual([
      ["remove-license", "succeeded", "schedule"],
      ["remove-from-group", "succeeded", "schedule"],
    ]);
    expect(run.summary).toMatchObject({ candidates: 2, deactivated: 2, failed: 0 });
    expect(run.rows.filter((r) => r.action === "access-removed").map((r) => r.email)).toEqual([
      "never.old@x.com",
      "stale@x.com",
    ]);
    expect(await accessOf(db)).toEqual({
      "active@x.com": ["M365_E3", "group:Figma Users"],
      "stale@x.com": ["group:Sales"],
      "boss@x.com": ["M365_E3", "group:Figma Users"],
    });
    expect(await statusOf(db)).toMatchObject({ "stale@x.com": "active", "never.old@x.com": "active" });
    const removed = await auditRows(db, "user.remove-license");
    const grouped = await auditRows(db, "user.remove-from-group");
    for (const a of [...removed, ...grouped]) {
      expect([a.source, a.actor]).toEqual(["schedule", `schedule:${schedule.id}`]);
    }
    expect(removed.map((a) => a.target).sort()).toEqual(["never.old@x.com", "stale@x.com"]);
    expect(grouped.map((a) => a.target)).toEqual(["stale@x.com"]);

    await undoJob(engine, "remove-license", run.jobs[0]!.id);
    await undoJob(engine, "remove-from-group", run.jobs[1]!.id);
    expect(await accessOf(db)).toEqual({
      "active@x.com": ["M365_E3", "group:Figma Users"],
      "stale@x.com": ["M365_E3", "VISIO", "group:Figma Users", "group:Sales"],
      "never.old@x.com": ["M365_E3"],
      "boss@x.com": ["M365_E3", "group:Figma Users"],
    });
  });

  it("above the cap removes nothing and asks for approval; listed SKUs only", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, DIRECTORY);
    await seedLicenses(db);
    const capped = await addSchedule(db, {
      mode: "deactivate",
      action: "remove-access",
      removeSkus: ["visio"],
      capCount: 1,
    });
    const run = await runPolicy(engine, capped, { slot: new Date(T0) });
    expect(run.decision).toBe("approval");
    expect(run.jobs).toEqual([]);
    expect(run.plan?.summary.change).toBe(1);
    expect(run.rows.filter((r) => r.action === "needs-approval")).toHaveLength(2);
    expect((await accessOf(db))["stale@x.com"]).toContain("VISIO");

    const saved = await addSchedule(db, { name: "Bad", action: "remove-access", removeSkus: ["NOPE"] }).catch(
      (e: Error) => e.message,
    );
    expect(saved).toContain("Unknown license: NOPE");
  });

  it("deactivate-inactive with remove-access: only the listed SKU, users stay active", async () => {
    const engine = testEngine(ctx.handle);
    const db = ctx.handle.db;
    await seedUsers(db, DIRECTORY);
    await seedLicenses(db);
    const result = await deactivateInactive(engine, {
      days: 90,
      dryRun: false,
      actor: "cli:t",
      action: { kind: "remove-access", skus: ["VISIO"], groups: [] },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.summary).toEqual({ candidates: 2, deactivated: 1, excluded: 1 });
    expect(result.rows.map((r) => [r.email, r.action])).toEqual([
      ["never.old@x.com", "no-access"],
      ["stale@x.com", "access-removed"],
      ["boss@x.com", "excluded"],
    ]);
    expect((await accessOf(db))["stale@x.com"]).toEqual(["M365_E3", "group:Figma Users", "group:Sales"]);
    expect(await statusOf(db)).toMatchObject({ "stale@x.com": "active" });
    expect(await db.select().from(groups)).toHaveLength(2);
  });
});
