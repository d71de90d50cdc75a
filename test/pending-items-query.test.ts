// The executor reads each batch's items with pendingItemsQuery. It must cost O(batch) however large the
// plan: the database picks the batch from the pending index and fetches each item's plan row by its key.
// A plain join once let the planner — with no statistics for a plan stored a second ago — read every row
// of the plan for every batch (time grew with rows²). The plan shape is asserted, not a time.
import { type SQL, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { pendingItemsQuery } from "../src/jobs/executor.ts";
import { confirm, planFile } from "../src/jobs/service.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

const ROWS = 3000;
const file = new TextEncoder().encode(
  `UserPrincipalName,DisplayName\n${Array.from({ length: ROWS }, (_, i) => `p${i}@example.com,P ${i}`).join("\n")}\n`,
);

describeEachDatabase("pending items query", (ctx) => {
  it("reads plan rows by key for the batch only, and returns the next items in order", async () => {
    const engine = testEngine(ctx.handle, { maxRows: ROWS });
    const planned = await planFile(engine, { operation: "create", bytes: file, source: "cli", actor: "t" });
    if (!planned.ok) throw new Error(planned.refusal.message);
    const { job } = await confirm(engine, {
      planId: planned.stored.id,
      approvedBy: "t",
      source: "cli",
      allowPartial: false,
    });
    // As in a real run: the executor analyzes a big job's items as it starts; the plan, stored a moment
    // ago, has no statistics yet.
    await ctx.handle.db.execute(sql`analyze job_items`);
    const query: SQL = pendingItemsQuery(job, 1000, 200);

    const [explained] = await queryRows<{ "QUERY PLAN": unknown }>(
      ctx.handle.db,
      sql`explain (analyze, format json) ${query}`,
    );
    const raw = explained!["QUERY PLAN"];
    const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as [{ Plan: PlanNode }];
    // Plan rows read: the batch's 200, not the plan's 3,000.
    const planRowsRead = nodes(plan[0].Plan)
      .filter((n) => n["Relation Name"] === "plan_rows")
      .reduce((sum, n) => sum + (n["Actual Rows"] ?? 0) * (n["Actual Loops"] ?? 1), 0);
    expect(planRowsRead).toBe(200);

    const items = await queryRows<{ row: number; seq: number; key: string }>(ctx.handle.db, query);
    expect(items.map((i) => Number(i.seq))).toEqual(Array.from({ length: 200 }, (_, i) => 1001 + i));
    expect(items[0]!.key).toBe("p1001@example.com");
  });
});
