import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { buildUndoFile } from "../src/core/undo.ts";
import { queryRows } from "../src/directory/client.ts";
import { users } from "../src/directory/schema.ts";
import { claimJob, executeJob } from "../src/jobs/executor.ts";
import { getJob, listJobItems } from "../src/jobs/job-store.ts";
import { claimNextJob } from "../src/jobs/queue.ts";
import { executorDeps, runUntilFinished } from "../src/jobs/service.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import { confirmedJob } from "./support/workers.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function hires(n: number, manager = ""): Uint8Array {
  const lines = ["UserPrincipalName,DisplayName,Department,Manager"];
  for (let i = 0; i < n; i++) lines.push(`hire${i}@example.com,Hire ${i},Sales,${manager}`);
  return bytes(`${lines.join("\n")}\n`);
}

describeEachDatabase("engine resilience", (ctx) => {
  async function plannedJob(
    engine: ReturnType<typeof testEngine>,
    operation: "create" | "update" | "delete" | "restore",
    data: Uint8Array,
  ) {
    return (await confirmedJob(engine, operation, data)).job;
  }

  it("a job interrupted after a batch is resumed by another worker once the lease expires: every row once", async () => {
    const engine = testEngine(ctx.handle, { leaseSeconds: 30 });
    const job = await plannedJob(engine, "create", hires(25));
    const claimed = await claimJob(ctx.handle.db, job.id, "worker-a", 30, engine.clock());
    expect(claimed).not.toBeNull();
    let batches = 0;
    // Worker A commits one batch of 10 and then "dies" (stops without releasing its lease).
    const stopped = await executeJob(executorDeps(engine), claimed!, {
      owner: "worker-a",
      leaseSeconds: 30,
      batchSize: 10,
      onProgress: () => {
        batches++;
      },
      shouldStop: () => batches >= 1,
    }).catch((e) => e);
    expect(stopped).toBeDefined();
    await ctx.handle.db.execute(
      sql`update jobs set lease_owner = 'worker-a', lease_expires_at = ${new Date(engine.clock().getTime() + 30_000).toISOString()}::timestamptz where id = ${job.id}`,
    );
    // While A's lease is live, B finds the head busy and takes nothing.
    expect((await claimNextJob(ctx.handle.db, "worker-b", 30, engine.clock())).kind).toBe("busy");
    // After the lease expires, B resumes with the pending rows only.
    engine.setNow(new Date(engine.clock().getTime() + 31_000).toISOString());
    await runUntilFinished(engine, job.id, { owner: "worker-b", batchSize: 10 });
    const finished = await getJob(ctx.handle.db, job.id);
    expect(finished).toMatchObject({ status: "succeeded", succeeded: 25, failed: 0, processed: 25 });
    const [counts] = await queryRows<{ users: number; audit: number; items: number }>(
      ctx.handle.db,
      sql`select (select count(*)::int from users) as users,
            (select count(*)::int from audit_log where job_id = ${job.id} and action = 'user.create') as audit,
            (select count(*)::int from job_items where job_id = ${job.id} and status = 'succeeded') as items`,
    );
    expect(counts).toEqual({ users: 25, audit: 25, items: 25 });
  });

  it("a manager removed between preview and run fails the row and everyone below it; nobody dangles", async () => {
    const engine = testEngine(ctx.handle);
    await ctx.handle.db.insert(users).values({ email: "boss@example.com", displayName: "Boss" });
    const job = await plannedJob(
      engine,
      "create",
      bytes(
        "UserPrincipalName,DisplayName,Manager\nlead@example.com,Lead,boss@example.com\nstaff@example.com,Staff,lead@example.com\nother@example.com,Other,\n",
      ),
    );
    await ctx.handle.db.update(users).set({ status: "deleted" }).where(eq(users.email, "boss@example.com"));
    await runUntilFinished(engine, job.id, { owner: "w" });
    const items = await listJobItems(ctx.handle.db, job.id);
    expect(items.map((i) => [i.key, i.status])).toEqual([
      ["lead@example.com", "failed"],
      ["staff@example.com", "failed"],
      ["other@example.com", "succeeded"],
    ]);
    expect(items[0]?.reason).toMatch(/boss@example.com/);
    const emails = (await ctx.handle.db.select().from(users)).map((u) => u.email).sort();
    expect(emails).toEqual(["boss@example.com", "other@example.com"]);
  });

  it("undo of an update restores the old values, including clearing values that were empty", async () => {
    const engine = testEngine(ctx.handle);
    await ctx.handle.db.insert(users).values([
      { email: "a@example.com", displayName: "A", department: "Sales", jobTitle: null },
      { email: "b@example.com", displayName: "B", department: "Finance", jobTitle: "Clerk" },
    ]);
    const job = await plannedJob(
      engine,
      "update",
      bytes("UserPrincipalName,Department,JobTitle\na@example.com,Legal,Counsel\nb@example.com,Legal,\n"),
    );
    await runUntilFinished(engine, job.id, { owner: "w" });
    const items = await listJobItems(ctx.handle.db, job.id);
    const undo = buildUndoFile("update", items);
    if (!undo.ok) throw new Error(undo.refusal.message);
    expect(undo.operation).toBe("update");
    const undoJob = await plannedJob(engine, "update", undo.bytes);
    await runUntilFinished(engine, undoJob.id, { owner: "w" });
    const rows = await ctx.handle.db.select().from(users).orderBy(users.email);
    expect(rows.map((u) => [u.email, u.department, u.jobTitle])).toEqual([
      ["a@example.com", "Sales", null],
      ["b@example.com", "Finance", "Clerk"],
    ]);
  });

  it("delete is soft and restore brings the user back as it was", async () => {
    const engine = testEngine(ctx.handle);
    await ctx.handle.db.insert(users).values([
      { email: "a@example.com", displayName: "A" },
      { email: "d@example.com", displayName: "D", status: "disabled", disabledAt: "2026-10-01T00:00:00Z" },
    ]);
    const del = await plannedJob(
      engine,
      "delete",
      bytes("UserPrincipalName\na@example.com\nd@example.com\n"),
    );
    await runUntilFinished(engine, del.id, { owner: "w" });
    expect((await ctx.handle.db.select().from(users)).map((u) => u.status).sort()).toEqual([
      "deleted",
      "deleted",
    ]);
    const undo = buildUndoFile("delete", await listJobItems(ctx.handle.db, del.id));
    if (!undo.ok) throw new Error(undo.refusal.message);
    expect(undo.operation).toBe("restore");
    const restore = await plannedJob(engine, "restore", undo.bytes);
    await runUntilFinished(engine, restore.id, { owner: "w" });
    const rows = await ctx.handle.db.select().from(users).orderBy(users.email);
    expect(rows.map((u) => [u.email, u.status])).toEqual([
      ["a@example.com", "active"],
      ["d@example.com", "disabled"],
    ]);
  });
});
