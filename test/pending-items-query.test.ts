// The executor reads each batch's rows with pendingItemsQuery. It must cost O(batch) however large the
// plan: it reads one range of execution positions, and checks each row's item by its key. Earlier forms
// let the planner — with no statistics for a plan stored a second ago — read (and sort) every remaining
// row of the plan for every batch, or join every item of the job to every candidate: time grew with
// rows². The plan shape is asserted, not a time.
import { type SQL, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { pendingItemsQuery } from "../src/jobs/executor.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import { explainNodes, rowsRead } from "./support/query-plan.ts";
import { confirmedJob } from "./support/workers.ts";

const ROWS = 3000;
const file = new TextEncoder().encode(
  `UserPrincipalName,DisplayName\n${Array.from({ length: ROWS }, (_, i) => `p${i}@example.com,P ${i}`).join("\n")}\n`,
);

describeEachDatabase("pending items query", (ctx) => {
  it("reads one range of positions, skips rows already run, keeps legacy pending ones", async () => {
    const engine = testEngine(ctx.handle, { maxRows: ROWS });
    const { job } = await confirmedJob(engine, "create", file);
    // Confirm wrote no item for a change row: each is written by the batch that runs it.
    const [before] = await queryRows<{ n: number }>(
      ctx.handle.db,
      sql`select count(*)::int as n from job_items where job_id = ${job.id}`,
    );
    expect(Number(before!.n)).toBe(0);
    // Rows at seq 1001–1050 already ran (a committed batch); the one at 1051 has a 'pending' item, as jobs
    // confirmed before items were written at commit have: it still runs.
    await ctx.handle.db.execute(sql`
      insert into job_items (job_id, row, line, seq, key, action, status)
      select ${job.id}, row, line, seq, key, 'create', case when seq <= 1050 then 'succeeded' else 'pending' end
      from plan_rows where plan_id = ${job.planId} and seq between 1001 and 1051`);
    // No statistics: the plan was stored a moment ago (the executor does not ANALYZE).
    const query: SQL = pendingItemsQuery(job, 1000, 200);

    const all = await explainNodes(ctx.handle.db, query);
    // Plan rows read: the range's 200 (the 51 at its start already have items), not the plan's 3,000.
    const planRowsRead = rowsRead(all.filter((n) => n["Relation Name"] === "plan_rows"));
    expect(planRowsRead).toBe(200);
    // Each candidate's item looked up by its key: one index probe per plan row read, never the job's
    // items joined to every candidate.
    const itemLookups = all.filter((n) => n["Relation Name"] === "job_items");
    expect(itemLookups.map((n) => n["Actual Loops"])).toEqual([200]);

    const items = await queryRows<{ row: number; seq: number; key: string }>(ctx.handle.db, query);
    // Positions 1001–1200 (the range), less the 50 that ran; the legacy pending one (1051) included.
    expect(items.map((i) => Number(i.seq))).toEqual(Array.from({ length: 150 }, (_, i) => 1051 + i));
    expect(items[0]!.key).toBe("p1051@example.com");
  });
});
