// Every real-world file of the corpus goes through plan and run on both databases: the plan's counts
// equal the run's, refused files change nothing, and results never carry a password.
import { readdirSync, readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import type { Operation } from "../src/core/types.ts";
import { queryRows } from "../src/directory/client.ts";
import { groups, licenses } from "../src/directory/schema.ts";
import { getJob } from "../src/jobs/job-store.ts";
import { resultsCsv } from "../src/jobs/results.ts";
import { confirm, planFile, runUntilFinished } from "../src/jobs/service.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

const DIR = new URL("./fixtures/csv/", import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

const REFUSED: Record<string, string> = {
  "empty.csv": "csv.empty",
  "whitespace-only.csv": "csv.empty",
  "header-only.csv": "csv.no_rows",
  "xlsx-renamed.csv": "xlsx.unreadable",
  "unterminated-quote.csv": "csv.malformed",
};

const OPERATION_OF: Record<string, Operation> = {
  "samples/leavers-disable.csv": "disable",
  "samples/license-migration.csv": "assign-license",
  "samples/reorg-update.csv": "update",
};

const files = [
  ...readdirSync(DIR).filter((f) => f.endsWith(".csv")),
  ...readdirSync(new URL("samples/", DIR)).map((f) => `samples/${f}`),
];

describeEachDatabase("corpus", (ctx) => {
  async function prepareDirectory() {
    await ctx.handle.db.insert(licenses).values([
      { sku: "M365_E5", name: "Microsoft 365 E5", totalSeats: 3 },
      { sku: "M365_E3", name: "Microsoft 365 E3", totalSeats: 50 },
      { sku: "M365_BUSINESS_PREMIUM", name: "Business Premium", totalSeats: 50 },
    ]);
    await ctx.handle.db.insert(groups).values([{ name: "Sales" }, { name: "Engineering" }]);
    // Some people the update/disable/license files name, created the normal way.
    const engine = testEngine(ctx.handle);
    const planned = await planFile(engine, {
      operation: "create",
      bytes: read("samples/new-hires.csv"),
      source: "cli",
      actor: "t",
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    const { job } = await confirm(engine, {
      planId: planned.stored.id,
      approvedBy: "t",
      source: "cli",
      allowPartial: true,
    });
    await runUntilFinished(engine, job.id, { owner: "setup" });
  }

  for (const file of files) {
    it(`${file}: ${REFUSED[file] ? `refused as ${REFUSED[file]}, nothing stored` : "plan counts equal run counts"}`, async () => {
      await prepareDirectory();
      const engine = testEngine(ctx.handle);
      const operation = OPERATION_OF[file] ?? "create";
      const before = await queryRows<{ users: number; plans: number }>(
        ctx.handle.db,
        sql`select (select count(*)::int from users) as users, (select count(*)::int from plans) as plans`,
      );
      const planned = await planFile(engine, { operation, bytes: read(file), source: "cli", actor: "t" });
      if (REFUSED[file]) {
        expect(planned.ok).toBe(false);
        if (!planned.ok) expect(planned.refusal.code).toBe(REFUSED[file]);
        const after = await queryRows(
          ctx.handle.db,
          sql`select (select count(*)::int from users) as users, (select count(*)::int from plans) as plans`,
        );
        expect(after).toEqual(before);
        return;
      }
      if (!planned.ok) throw new Error(`${file}: ${planned.refusal.code} ${planned.refusal.message}`);
      const { summary } = planned.stored.plan;
      expect(summary.change + summary.skip + summary.error).toBeGreaterThan(0);
      const { job } = await confirm(engine, {
        planId: planned.stored.id,
        approvedBy: "t",
        source: "cli",
        allowPartial: true,
      });
      await runUntilFinished(engine, job.id, { owner: "w" });
      const finished = (await getJob(ctx.handle.db, job.id))!;
      expect({ succeeded: finished.succeeded, skipped: finished.skipped, failed: finished.failed }).toEqual({
        succeeded: summary.change,
        skipped: summary.skip,
        failed: summary.error,
      });
      const results = Buffer.from(await resultsCsv(ctx.handle.db, finished)).toString("utf8");
      // One results line per data row (plus the header), and no supplied password echoed back.
      expect(results.startsWith("\uFEFFStatus,Reason")).toBe(true);
      expect(results).not.toMatch(/Password1!|TempPass123!/);
    });
  }
});
