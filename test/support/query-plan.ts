// The database's own account of a statement (EXPLAIN ANALYZE, JSON): tests that a query costs O(batch)
// assert the plan's shape — which relations it read, how many rows, how often — never a time.
import { type SQL, sql } from "drizzle-orm";
import { type Executor, queryRows } from "../../src/directory/client.ts";

export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

/** Runs `query` under EXPLAIN (ANALYZE) and returns every node of its plan, the root first. */
export async function explainNodes(ex: Executor, query: SQL): Promise<PlanNode[]> {
  const [explained] = await queryRows<{ "QUERY PLAN": unknown }>(
    ex,
    sql`explain (analyze, format json) ${query}`,
  );
  const raw = explained!["QUERY PLAN"];
  const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as [{ Plan: PlanNode }];
  const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
  return nodes(plan[0].Plan);
}

/** Rows the nodes read (returned or filtered out), over all their loops. */
export function rowsRead(nodes: PlanNode[]): number {
  return nodes.reduce(
    (sum, n) =>
      sum + ((n["Actual Rows"] ?? 0) + (n["Rows Removed by Filter"] ?? 0)) * (n["Actual Loops"] ?? 1),
    0,
  );
}
