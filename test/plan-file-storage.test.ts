// The uploaded file kept with a plan (for results CSVs, approvals re-checks and dated batches) is stored
// gzipped, comes back byte for byte, and is only read by the steps that need it.
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { loadPlan } from "../src/jobs/plan-store.ts";
import { planFile } from "../src/jobs/service.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

const csv = (rows: number) =>
  new TextEncoder().encode(
    `UserPrincipalName,DisplayName,Department\n${Array.from(
      { length: rows },
      (_, i) => `person${i}@example.com,Person ${i},Sales`,
    ).join("\n")}\n`,
  );

describeEachDatabase("plan file storage", (ctx) => {
  it("stores the file gzipped and loads the same bytes back", async () => {
    const engine = testEngine(ctx.handle);
    const bytes = csv(2000);
    const planned = await planFile(engine, { operation: "create", bytes, source: "cli", actor: "t" });
    if (!planned.ok) throw new Error(planned.refusal.message);
    const [stored] = await queryRows<{ size: number; head: string }>(
      ctx.handle.db,
      sql`select octet_length(file) as size, encode(substr(file, 1, 2), 'hex') as head from plans
          where id = ${planned.stored.id}`,
    );
    expect(stored!.head).toBe("1f8b");
    expect(Number(stored!.size)).toBeLessThan(bytes.length / 4);

    const loaded = await loadPlan(ctx.handle.db, planned.stored.id, { rows: false });
    expect(Buffer.from(loaded!.file!).equals(Buffer.from(bytes))).toBe(true);
    const withoutFile = await loadPlan(ctx.handle.db, planned.stored.id, { rows: false, file: false });
    expect(withoutFile!.file).toBeNull();
    expect(withoutFile!.plan.summary).toEqual(loaded!.plan.summary);
  });

  it("still reads a file stored before compression (plain bytes)", async () => {
    const engine = testEngine(ctx.handle);
    const bytes = csv(3);
    const planned = await planFile(engine, { operation: "create", bytes, source: "cli", actor: "t" });
    if (!planned.ok) throw new Error(planned.refusal.message);
    await ctx.handle.db.execute(
      sql`update plans set file = decode(${Buffer.from(bytes).toString("hex")}, 'hex')
          where id = ${planned.stored.id}`,
    );
    const loaded = await loadPlan(ctx.handle.db, planned.stored.id, { rows: false });
    expect(new TextDecoder().decode(loaded!.file!)).toBe(new TextDecoder().decode(bytes));
  });
});
