// A change row's job item is written by the batch that runs it, in the batch's own transaction, with its
// outcome: confirm writes only the rows that will not run. What people read about a job (results CSV,
// `job <id>`) still lists every row — the ones not run yet or never run as such — and a job confirmed
// before this (its items written as 'pending' at confirm) still runs every row exactly once.
import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { claimJob, executeJob, failJob } from "../src/jobs/executor.ts";
import { getJob, listJobItems, listJobOutcomes } from "../src/jobs/job-store.ts";
import { resultsCsv } from "../src/jobs/results.ts";
import { executorDeps, runUntilFinished } from "../src/jobs/service.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import { confirmedJob, exactly, jobCounts } from "./support/workers.ts";

/** 20 hires, then two rows that fail planning (rows 21 and 22). */
function hiresWithErrors(): Uint8Array {
  const lines = ["UserPrincipalName,DisplayName,Department"];
  for (let i = 0; i < 20; i++) lines.push(`hire${i}@example.com,Hire ${i},Sales`);
  lines.push("not-an-address,Broken,Sales", "hire0@example.com,Again,Sales");
  return new TextEncoder().encode(`${lines.join("\n")}\n`);
}

describeEachDatabase("job items written as batches commit", (ctx) => {
  const itemRows = async (jobId: string) =>
    (
      await queryRows<{ row: number; status: string }>(
        ctx.handle.db,
        sql`select row, status from job_items where job_id = ${jobId} order by row`,
      )
    ).map((r) => [Number(r.row), r.status]);

  it("confirm writes only the rows that will not run; each batch writes its own; reports list every row", async () => {
    const engine = testEngine(ctx.handle);
    const { job } = await confirmedJob(engine, "create", hiresWithErrors());
    expect(await itemRows(job.id)).toEqual([
      [21, "failed"],
      [22, "failed"],
    ]);

    // One batch of 10 commits, then the job fails (as when a worker hits an unexpected error).
    const claimed = await claimJob(ctx.handle.db, job.id, "w", 30, engine.clock());
    let batches = 0;
    await executeJob(executorDeps(engine), claimed!, {
      owner: "w",
      leaseSeconds: 30,
      batchSize: 10,
      onProgress: () => {
        batches++;
      },
      shouldStop: () => batches >= 1,
    });
    await claimJob(ctx.handle.db, job.id, "w", 30, engine.clock());
    await failJob(ctx.handle.db, job.id, "w", "database gone", engine.clock());
    expect((await itemRows(job.id)).map(([, status]) => status)).toEqual([
      ...Array(10).fill("succeeded"),
      "failed",
      "failed",
    ]);

    // Every row is still reported, in file order: the ten that ran, the ten never run, the two errors.
    const outcomes = await listJobOutcomes(ctx.handle.db, job.id);
    expect(outcomes.map((o) => [o.row, o.status])).toEqual(
      Array.from({ length: 22 }, (_, i) => [i + 1, i < 10 ? "succeeded" : i < 20 ? "pending" : "failed"]),
    );
    expect((await listJobItems(ctx.handle.db, job.id)).map((i) => i.key).slice(9, 12)).toEqual([
      "hire9@example.com",
      "hire10@example.com",
      "hire11@example.com",
    ]);
    const failed = (await getJob(ctx.handle.db, job.id))!;
    const csv = parse(Buffer.from(await resultsCsv(ctx.handle.db, failed)), {
      bom: true,
      columns: true,
    }) as Record<string, string>[];
    expect(csv).toHaveLength(22);
    expect(csv[10]).toMatchObject({
      Status: "Failed",
      Reason: "Not run: the job failed (database gone)",
      UserPrincipalName: "hire10@example.com",
    });
    expect(csv[0]).toMatchObject({ Status: "Succeeded", UserPrincipalName: "hire0@example.com" });
  });

  it("a job confirmed with 'pending' items (before items were written at commit) runs every row exactly once", async () => {
    const engine = testEngine(ctx.handle);
    const { job } = await confirmedJob(engine, "create", hiresWithErrors());
    // What the earlier confirm wrote for the change rows.
    await ctx.handle.db.execute(sql`
      insert into job_items (job_id, row, line, seq, key, action, status)
      select ${job.id}, row, line, seq, key, 'create', 'pending' from plan_rows
      where plan_id = ${job.planId} and outcome = 'change'`);

    await runUntilFinished(engine, job.id, { owner: "w", batchSize: 7 });
    expect(await getJob(ctx.handle.db, job.id)).toMatchObject({
      status: "completed_with_errors",
      succeeded: 20,
      failed: 2,
      processed: 22,
    });
    expect(await jobCounts(ctx.handle.db, job.id)).toEqual(exactly(20));
    expect((await itemRows(job.id)).filter(([, s]) => s === "succeeded")).toHaveLength(20);
  });
});
