// A batch writes its users with one set-based statement per operation, reading the batch from a staging
// table that was filled a moment ago and has no statistics. Each must cost O(batch) whatever the size of
// the directory: its users found through the e-mail index, never by hashing (or scanning) every user for
// every batch. The first forms did exactly that — a create's manager join and the update/status joins
// read all 100,000 users of the bench directory per 5,000-row batch (70–100 ms each), so a job's time grew
// with the directory. The plan shape is asserted, not a time.
import { type SQL, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { type Database, queryRows } from "../src/directory/client.ts";
import { type CopyValue, type StagingTable, stage } from "../src/directory/copy.ts";
import { insertUsersStatement } from "../src/jobs/apply/create.ts";
import { CREATE_STAGE, STATUS_STAGE, UPDATE_STAGE } from "../src/jobs/apply/shared.ts";
import { statusStatement } from "../src/jobs/apply/status.ts";
import { updateUsersStatement } from "../src/jobs/apply/update.ts";
import { describeEachDatabase } from "./support/db.ts";
import { explainNodes, type PlanNode, rowsRead } from "./support/query-plan.ts";

const DIRECTORY = 20_000;
const BATCH = 300;
const NOW = "2026-12-02T10:00:00.000Z";

class RolledBack extends Error {}

/**
 * Stages `rows`, then runs `statement` under EXPLAIN ANALYZE in a transaction that is rolled back.
 * Returns the scan nodes of `users` (the written relation's own ModifyTable node left out).
 */
async function usersScans(
  db: Database,
  table: StagingTable,
  rows: CopyValue[][],
  statement: SQL,
): Promise<PlanNode[]> {
  let scans: PlanNode[] = [];
  await db
    .transaction(async (tx) => {
      await stage(tx, table, rows);
      scans = (await explainNodes(tx, statement)).filter(
        (n) => n["Relation Name"] === "users" && n["Node Type"] !== "ModifyTable",
      );
      throw new RolledBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  return scans;
}

describeEachDatabase("batch statements", (ctx) => {
  const seed = () =>
    ctx.handle.db.execute(sql`
      insert into users (email, display_name, department)
      select 'u' || g || '@example.com', 'User ' || g, 'Sales' from generate_series(1, ${DIRECTORY}) g`);
  const existing = (i: number) => `u${i * 7 + 1}@example.com`;

  it("a status change reads only the batch's users, through the index", async () => {
    await seed();
    const scans = await usersScans(
      ctx.handle.db,
      STATUS_STAGE,
      Array.from({ length: BATCH }, (_, i) => [existing(i), "disabled", NOW, null]),
      statusStatement(NOW),
    );
    expect(scans.map((n) => n["Node Type"])).not.toContain("Seq Scan");
    expect(rowsRead(scans)).toBe(BATCH);
  });

  it("an update reads only the batch's users and their new managers, through the index", async () => {
    await seed();
    const scans = await usersScans(
      ctx.handle.db,
      UPDATE_STAGE,
      Array.from({ length: BATCH }, (_, i) => [
        existing(i),
        JSON.stringify({ department: "Finance" }),
        "{}",
        "[]",
        i % 2 ? existing(i + 1000) : null,
        i % 2 === 1,
      ]),
      updateUsersStatement(NOW),
    );
    expect(scans.map((n) => n["Node Type"])).not.toContain("Seq Scan");
    // The batch's users, and one manager lookup for each row that changes its manager.
    expect(rowsRead(scans)).toBe(BATCH + BATCH / 2);
  });

  it("a create reads each of the batch's managers once, by its e-mail, never hashing the directory", async () => {
    await seed();
    const profile = CREATE_STAGE.columns.length - 7;
    const scans = await usersScans(
      ctx.handle.db,
      CREATE_STAGE,
      Array.from({ length: BATCH }, (_, i) => [
        `new${i}@example.com`,
        `New ${i}`,
        ...Array.from({ length: profile }, () => null),
        "{}",
        "active",
        true,
        null,
        existing(i % 50),
      ]),
      insertUsersStatement(NOW),
    );
    expect(scans.map((n) => n["Node Type"])).not.toContain("Seq Scan");
    // 50 distinct managers for the 300 rows.
    expect(rowsRead(scans)).toBe(50);
    const [count] = await queryRows<{ n: number }>(ctx.handle.db, sql`select count(*)::int as n from users`);
    expect(Number(count!.n)).toBe(DIRECTORY);
  });
});
