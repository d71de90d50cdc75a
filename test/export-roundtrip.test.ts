import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { expect, it } from "vitest";
import { parseFilter } from "../src/core/filter.ts";
import { exportCsv, selectUsers } from "../src/directory/export.ts";
import { users } from "../src/directory/schema.ts";
import { planFile } from "../src/jobs/service.ts";
import { describeEachDatabase, truncateAll } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

// Values a directory can hold after an import: trimmed, never starting with = or @ (those rows fail),
// but free to start with + - or hold quotes, commas, semicolons, newlines and any script.
const value = fc
  .string({
    unit: fc.constantFrom(
      "a",
      "Z",
      "é",
      "ß",
      "漢",
      "'",
      '"',
      ",",
      ";",
      "\n",
      " ",
      "+",
      "-",
      "1",
      "0",
      "€",
      "\t",
    ),
    minLength: 1,
    maxLength: 12,
  })
  .map((s) => s.trim())
  .filter((s) => s.length > 0 && !/^[=@]/.test(s) && !/^[\t\r]/.test(s));
const optional = fc.option(value, { nil: null });

describeEachDatabase("export → re-import", (ctx) => {
  it("changes nothing (property)", async () => {
    const engine = testEngine(ctx.handle);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            displayName: value,
            department: optional,
            jobTitle: optional,
            phone: optional,
            office: optional,
            employeeId: optional,
            company: optional,
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (people) => {
          await truncateAll(ctx.handle);
          await ctx.handle.db.insert(users).values(
            people.map((p, i) => ({
              email: `user${i}@example.com`,
              displayName: p.displayName,
              department: p.department,
              jobTitle: p.jobTitle,
              phone: p.phone,
              office: p.office,
              employeeId: p.employeeId,
              attributes: (p.company ? { company: p.company } : {}) as Record<string, string>,
            })),
          );
          const selected = await selectUsers(ctx.handle.db, { clauses: [] }, engine.clock());
          const file = exportCsv(selected);
          // No cell of what we wrote can start a formula.
          for (const record of parse(Buffer.from(file), { bom: true }) as string[][]) {
            for (const cell of record) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
          }
          const planned = await planFile(engine, {
            operation: "update",
            bytes: file,
            source: "cli",
            actor: "t",
          });
          if (!planned.ok) throw new Error(planned.refusal.message);
          expect(planned.stored.plan.rows.filter((r) => r.outcome !== "skip")).toEqual([]);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("exports only the users a filter selects", async () => {
    const engine = testEngine(ctx.handle);
    await ctx.handle.db.insert(users).values([
      {
        email: "a@example.com",
        displayName: "Ann",
        department: "Sales",
        lastLoginAt: "2026-01-01T00:00:00Z",
      },
      {
        email: "b@example.com",
        displayName: "Bob",
        department: "Sales",
        lastLoginAt: "2026-11-01T00:00:00Z",
      },
      {
        email: "c@example.com",
        displayName: "Cat",
        department: "Legal",
        lastLoginAt: "2026-01-01T00:00:00Z",
      },
    ]);
    const parsed = parseFilter("department:sales inactive:>90d");
    if (!parsed.ok) throw new Error(parsed.refusal.message);
    const selected = await selectUsers(ctx.handle.db, parsed.filter, engine.clock());
    expect(selected.map((u) => u.email)).toEqual(["a@example.com"]);
  });
});
