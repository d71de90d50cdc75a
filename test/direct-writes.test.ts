// A batch writes its users, job items and audit rows straight into their tables with COPY when nothing in
// it conflicts, and takes the checked path (staging table, INSERT … ON CONFLICT) when something does. The
// two must leave the same rows behind; a conflict must cost only the rows it concerns; and an item another
// owner already wrote must stop the batch with nothing of it committed.
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { users } from "../src/directory/schema.ts";
import { claimJob, executeJob, LeaseLostError } from "../src/jobs/executor.ts";
import { getJob } from "../src/jobs/job-store.ts";
import { executorDeps, runUntilFinished } from "../src/jobs/service.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import { confirmedJob } from "./support/workers.ts";

/** Eight hires `<prefix>0…7@example.com`: a manager in the directory, one in the file, a custom attribute. */
function hires(prefix: string): Uint8Array {
  const lines = ["UserPrincipalName,DisplayName,FirstName,LastName,Department,JobTitle,Manager,Company"];
  for (let i = 0; i < 8; i++) {
    const manager = i === 0 ? "boss@example.com" : `${prefix}0@example.com`;
    lines.push(`${prefix}${i}@example.com,Hire ${i},First${i},,Sales,Tab\there ${i},${manager},Acme ${i}`);
  }
  return new TextEncoder().encode(`${lines.join("\n")}\n`);
}

describeEachDatabase("direct and checked batch writes", (ctx) => {
  /** What a job left behind, with the file's prefix taken out of every e-mail: comparable across jobs. */
  async function leftBehind(jobId: string, prefix: string) {
    const strip = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll(prefix, "X"));
    const people = await queryRows(
      ctx.handle.db,
      sql`select u.email, u.display_name, u.first_name, u.last_name, u.department, u.job_title,
            u.attributes, u.status, u.must_change_password, u.password_hash like 'sha256$%' as hashed,
            u.created_at = u.updated_at as fresh, u.disabled_at, m.email as manager
          from users u left join users m on m.id = u.manager_id
          where u.email like ${`${prefix}%`} order by u.email`,
    );
    const items = await queryRows(
      ctx.handle.db,
      sql`select i.row, i.line, i.seq, i.key, i.action, i.status, i.reason, i.before, i.after,
            i.user_id = u.id as user_matches, i.processed_at is not null as processed
          from job_items i left join users u on u.email = i.key
          where i.job_id = ${jobId} order by i.row`,
    );
    const audit = await queryRows(
      ctx.handle.db,
      sql`select actor, source, action, target, before, after, details from audit_log
          where job_id = ${jobId} and action = 'user.create' order by id`,
    );
    return strip({ people, items, audit });
  }

  it("a batch COPYed straight in and one that takes the checked path leave the same rows", async () => {
    const engine = testEngine(ctx.handle);
    await ctx.handle.db.insert(users).values({ email: "boss@example.com", displayName: "Boss" });

    const straight = await confirmedJob(engine, "create", hires("straight."));
    await runUntilFinished(engine, straight.job.id, { owner: "w" });

    // The same file under other names, its rows forced down the checked paths: checked.5 is created by hand after
    // the preview (the users COPY is refused), and every row already has a 'pending' item (a job confirmed
    // before items were written at commit; the items COPY is refused).
    const checked = await confirmedJob(engine, "create", hires("checked."));
    await ctx.handle.db.insert(users).values({ email: "checked.5@example.com", displayName: "By hand" });
    await ctx.handle.db.execute(sql`
      insert into job_items (job_id, row, line, seq, key, action, status)
      select ${checked.job.id}, row, line, seq, key, 'create', 'pending' from plan_rows
      where plan_id = ${checked.job.planId} and outcome = 'change'`);
    await runUntilFinished(engine, checked.job.id, { owner: "w" });

    const a = await leftBehind(straight.job.id, "straight.");
    expect(a.people).toHaveLength(8);
    expect(a.people[1]).toMatchObject({
      email: "X1@example.com",
      job_title: "Tab\there 1",
      manager: "X0@example.com",
      attributes: { company: "Acme 1" },
      hashed: true,
      fresh: true,
      last_name: null,
    });
    expect(a.audit).toHaveLength(8);
    const b = await leftBehind(checked.job.id, "checked.");
    expect(b.items[5]).toMatchObject({ key: "X5@example.com", status: "failed" });
    // Everything but row 6 (checked.5, which failed there) is the same, value for value.
    const without5 = (rows: Record<string, unknown>[]) =>
      rows.filter(
        (r) => r.email !== "X5@example.com" && r.key !== "X5@example.com" && r.target !== "X5@example.com",
      );
    expect({ people: without5(b.people), items: without5(b.items), audit: without5(b.audit) }).toEqual({
      people: without5(a.people),
      items: without5(a.items),
      audit: without5(a.audit),
    });
  });

  it("a user created since the preview fails only that row; the rest of the batch is created", async () => {
    const engine = testEngine(ctx.handle);
    await ctx.handle.db.insert(users).values({ email: "boss@example.com", displayName: "Boss" });
    const { job } = await confirmedJob(engine, "create", hires("c"));
    // Someone creates c5 by hand after the preview: the batch's COPY is refused for the duplicate.
    await ctx.handle.db.insert(users).values({ email: "c5@example.com", displayName: "By hand" });
    await runUntilFinished(engine, job.id, { owner: "w" });

    expect(await getJob(ctx.handle.db, job.id)).toMatchObject({ succeeded: 7, failed: 1 });
    const items = await queryRows<{ key: string; status: string; reason: string }>(
      ctx.handle.db,
      sql`select key, status, reason from job_items where job_id = ${job.id} and status <> 'succeeded'`,
    );
    expect(items).toEqual([
      {
        key: "c5@example.com",
        status: "failed",
        reason: "A user with this e-mail already exists (created after the preview); use update",
      },
    ]);
    const people = await queryRows<{ email: string; display_name: string }>(
      ctx.handle.db,
      sql`select email, display_name from users where email like 'c%' order by email`,
    );
    expect(people.map((p) => p.email)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `c${i}@example.com`));
    expect(people[5]?.display_name).toBe("By hand");
  });

  it("a row another owner ran after the batch was read stops the batch: nothing of it is committed", async () => {
    const engine = testEngine(ctx.handle);
    await ctx.handle.db.insert(users).values({ email: "boss@example.com", displayName: "Boss" });
    const { job } = await confirmedJob(engine, "create", hires("d"));
    // The batch is read; just before its transaction, another owner commits row 3's outcome (as it would
    // once this owner's lease had been lost to it).
    const db = ctx.handle.db;
    const racing = new Proxy(db, {
      get(target, name, receiver) {
        if (name !== "transaction") return Reflect.get(target, name, receiver);
        return async (...args: Parameters<typeof db.transaction>) => {
          await db.execute(sql`
            insert into job_items (job_id, row, line, seq, key, action, status)
            select ${job.id}, row, line, seq, key, 'create', 'succeeded' from plan_rows
            where plan_id = ${job.planId} and row = 3`);
          return target.transaction(...args);
        };
      },
    });
    const claimed = await claimJob(db, job.id, "w", 30, engine.clock());
    await expect(
      executeJob({ ...executorDeps(engine), db: racing }, claimed!, { owner: "w", leaseSeconds: 30 }),
    ).rejects.toBeInstanceOf(LeaseLostError);

    const [left] = await queryRows<{ people: number; items: number; audit: number }>(
      db,
      sql`select (select count(*)::int from users where email like 'd%') as people,
            (select count(*)::int from job_items where job_id = ${job.id}) as items,
            (select count(*)::int from audit_log where job_id = ${job.id} and action = 'user.create') as audit`,
    );
    expect(left).toEqual({ people: 0, items: 1, audit: 0 });
    expect(await getJob(db, job.id)).toMatchObject({ processed: 0 });
  });
});
