// Every real-world file of the corpus goes through plan and run on both databases: the plan's counts
// equal the run's, refused files change nothing, and results never carry a password.
import { readdirSync, readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import type { Operation } from "../src/core/types.ts";
import { queryRows } from "../src/directory/client.ts";
import { groups, licenses, users } from "../src/directory/schema.ts";
import { parseSignInsFile, recordSignIns } from "../src/directory/sign-ins.ts";
import { getJob } from "../src/jobs/job-store.ts";
import { readCredentials, resultsCsv } from "../src/jobs/results.ts";
import { confirm, planFile, previewFile, runUntilFinished } from "../src/jobs/service.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

const DIR = new URL("./fixtures/csv/", import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
const XLSX_DIR = new URL("./fixtures/xlsx/", import.meta.url);

const REFUSED: Record<string, string> = {
  "empty.csv": "csv.empty",
  "whitespace-only.csv": "csv.empty",
  "header-only.csv": "csv.no_rows",
  "xlsx-renamed.csv": "xlsx.unreadable",
  "unterminated-quote.csv": "csv.malformed",
  "../xlsx/macro-enabled.xlsm": "xlsx.macro_enabled",
  "../xlsx/encrypted.xlsx": "xlsx.encrypted",
  "../xlsx/legacy.xls": "xlsx.legacy_xls",
};

const OPERATION_OF: Record<string, Operation> = {
  "samples/leavers-disable.csv": "disable",
  "samples/license-migration.csv": "assign-license",
  "samples/reorg-update.csv": "update",
  "../xlsx/assign-license-per-row.xlsx": "assign-license",
  "../xlsx/add-to-group-per-row.xlsx": "add-to-group",
};

/** Workbooks (and the hire list's CSV twin), named relative to the CSV folder like the rest. */
const WORKBOOKS = readdirSync(XLSX_DIR)
  .filter((f) => /\.(xlsx|xlsm|xls|csv)$/.test(f) && !f.startsWith("sign-ins"))
  .map((f) => `../xlsx/${f}`);

const files = [
  ...readdirSync(DIR).filter((f) => f.endsWith(".csv")),
  ...readdirSync(new URL("samples/", DIR)).map((f) => `samples/${f}`),
  ...WORKBOOKS,
];

describeEachDatabase("corpus", (ctx) => {
  async function prepareDirectory() {
    await ctx.handle.db.insert(licenses).values([
      { sku: "M365_E5", name: "Microsoft 365 E5", totalSeats: 3 },
      { sku: "M365_E3", name: "Microsoft 365 E3", totalSeats: 50 },
      { sku: "M365_BUSINESS_PREMIUM", name: "Business Premium", totalSeats: 50 },
      { sku: "POWER_BI_PRO", name: "Power BI Pro", totalSeats: 10 },
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

const workbook = (name: string) => new Uint8Array(readFileSync(new URL(name, XLSX_DIR)));

/** Plans, confirms and runs a file; returns the plan's and the job's counts and the plan rows. */
async function planAndRun(
  engine: ReturnType<typeof testEngine>,
  operation: Operation,
  bytes: Uint8Array,
  fileName: string,
) {
  const planned = await planFile(engine, { operation, bytes, fileName, source: "cli", actor: "t" });
  if (!planned.ok) throw new Error(`${planned.refusal.code} ${planned.refusal.message}`);
  const { plan } = planned.stored;
  const { job } = await confirm(engine, {
    planId: planned.stored.id,
    approvedBy: "t",
    source: "cli",
    allowPartial: true,
  });
  await runUntilFinished(engine, job.id, { owner: "w" });
  const finished = (await getJob(engine.db, job.id))!;
  expect({ succeeded: finished.succeeded, skipped: finished.skipped, failed: finished.failed }).toEqual({
    succeeded: plan.summary.change,
    skipped: plan.summary.skip,
    failed: plan.summary.error,
  });
  return { plan, job: finished };
}

describeEachDatabase("corpus: files as people have them", (ctx) => {
  it("an Excel-saved hire list reads like its CSV twin: leading zeros, ZIP codes and phones stored as shown", async () => {
    const engine = testEngine(ctx.handle);
    const fromCsv = await previewFile(engine, {
      operation: "create",
      bytes: workbook("hire-list-excel.csv"),
    });
    const { plan } = await planAndRun(engine, "create", workbook("hire-list-excel.xlsx"), "hires.xlsx");
    if (!fromCsv.ok) throw new Error(fromCsv.refusal.message);
    const shape = (rows: typeof plan.rows) =>
      rows.map((r) => ({ key: r.key, outcome: r.outcome, reason: r.reason, changes: r.changes }));
    expect(shape(plan.rows)).toEqual(shape(fromCsv.plan.rows));
    expect(plan.summary).toEqual({ change: 3, skip: 0, error: 0 });
    const stored = await queryRows<{
      email: string;
      employee_id: string;
      mobile: string;
      zip: string;
      department: string;
    }>(
      ctx.handle.db,
      sql`select email, employee_id, mobile, attributes->>'postalCode' as zip, department from users order by employee_id`,
    );
    expect(stored).toEqual([
      {
        email: "maria.lopez@example.com",
        employee_id: "000042",
        mobile: "4155550101",
        zip: "02108",
        department: "Sales",
      },
      {
        email: "tom.becker@example.com",
        employee_id: "000043",
        mobile: "4155550102",
        zip: "02110",
        department: "Sales",
      },
      {
        email: "aiko.tanaka@example.com",
        employee_id: "001007",
        mobile: "4155550103",
        zip: "94105",
        department: "Engineering",
      },
    ]);
    // The same workbook again: every row is already there, so nothing changes.
    const again = await planAndRun(engine, "create", workbook("hire-list-excel.xlsx"), "hires.xlsx");
    expect(again.plan.summary).toEqual({ change: 0, skip: 3, error: 0 });
  });

  it("a Google Workspace export as it is: masked passwords are generated, existing users say use update", async () => {
    const engine = testEngine(ctx.handle);
    await ctx.handle.db.insert(users).values({ email: "ola.nordmann@example.org", displayName: "Ola N." });
    const { plan, job } = await planAndRun(
      engine,
      "create",
      workbook("google-workspace-export.xlsx"),
      "users.xlsx",
    );
    expect(plan.rows.map((r) => [r.key, r.outcome, r.reason])).toEqual([
      ["jane.smith@example.org", "change", "Create user"],
      ["wei.chen@example.org", "change", "Create user"],
      ["ola.nordmann@example.org", "error", expect.stringMatching(/already exists.*use update/)],
    ]);
    const credentials = await readCredentials(ctx.handle.db, engine.sealer, job.id);
    expect(credentials.map((c) => c.email).sort()).toEqual([
      "jane.smith@example.org",
      "wei.chen@example.org",
    ]);
    expect(credentials.every((c) => c.password.length >= 16 && !c.password.includes("*"))).toBe(true);
  });

  it("record-sign-ins reads the Google export's Last Sign In as it is ('Never logged in' records nothing)", async () => {
    await ctx.handle.db.insert(users).values([
      { email: "jane.smith@example.org", displayName: "Jane" },
      { email: "wei.chen@example.org", displayName: "Wei" },
      { email: "ola.nordmann@example.org", displayName: "Ola" },
    ]);
    const parsed = await parseSignInsFile(workbook("google-workspace-export.xlsx"));
    if (!parsed.ok) throw new Error(parsed.refusal.message);
    expect(parsed.never).toBe(1);
    const result = await recordSignIns(ctx.handle.db, parsed.entries, new Date("2026-03-02T00:00:00Z"));
    expect(result).toMatchObject({ updated: 2, unknown: [], invalid: [] });
    const rows = await queryRows<{ email: string; at: string | null }>(
      ctx.handle.db,
      sql`select email, to_char(last_login_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') as at from users order by email`,
    );
    expect(rows).toEqual([
      { email: "jane.smith@example.org", at: "2026-02-27T14:03:11" },
      { email: "ola.nordmann@example.org", at: "2025-11-03T08:45:00" },
      { email: "wei.chen@example.org", at: null },
    ]);
  });

  it("one row per assignment: a user's licenses and groups on several rows, a repeated pair fails, seats in file order", async () => {
    const engine = testEngine(ctx.handle);
    await ctx.handle.db.insert(licenses).values([
      { sku: "M365_E3", name: "Microsoft 365 E3", totalSeats: 2 },
      { sku: "POWER_BI_PRO", name: "Power BI Pro", totalSeats: 5 },
      { sku: "M365_E5", name: "Microsoft 365 E5", totalSeats: 5 },
    ]);
    await ctx.handle.db.insert(groups).values([{ name: "Sales" }, { name: "Engineering" }]);
    await ctx.handle.db.insert(users).values([
      { email: "john.doe@company.com", displayName: "John" },
      { email: "amara.obi@company.com", displayName: "Amara" },
      { email: "jane.smith@company.com", displayName: "Jane" },
      { email: "lee.park@company.com", displayName: "Lee" },
    ]);
    await planAndRun(
      engine,
      "assign-license",
      new TextEncoder().encode("Email,License\njane.smith@company.com,M365_E5\n"),
      "e5.csv",
    );
    const assigned = await planAndRun(
      engine,
      "assign-license",
      workbook("assign-license-per-row.xlsx"),
      "per-row.xlsx",
    );
    expect(assigned.plan.rows.map((r) => [r.key, r.outcome, r.reason])).toEqual([
      ["john.doe@company.com", "change", "Assign M365_E3"],
      ["john.doe@company.com", "change", "Assign POWER_BI_PRO"],
      ["amara.obi@company.com", "change", "Assign M365_E3"],
      ["john.doe@company.com", "error", "Duplicate of row 1 (same user and M365_E3)"],
      ["jane.smith@company.com", "skip", "Already assigned: M365_E5"],
    ]);
    const memberships = await planAndRun(
      engine,
      "add-to-group",
      workbook("add-to-group-per-row.xlsx"),
      "groups.xlsx",
    );
    expect(memberships.plan.summary).toEqual({ change: 3, skip: 0, error: 1 });
    const held = await queryRows<{ email: string; what: string }>(
      ctx.handle.db,
      sql`select u.email, l.sku as what from license_assignments la join users u on u.id = la.user_id join licenses l on l.id = la.license_id
          union all
          select u.email, g.name from group_members gm join users u on u.id = gm.user_id join groups g on g.id = gm.group_id
          order by 1, 2`,
    );
    expect(held).toEqual([
      { email: "amara.obi@company.com", what: "M365_E3" },
      { email: "jane.smith@company.com", what: "M365_E5" },
      { email: "john.doe@company.com", what: "Engineering" },
      { email: "john.doe@company.com", what: "M365_E3" },
      { email: "john.doe@company.com", what: "POWER_BI_PRO" },
      { email: "john.doe@company.com", what: "Sales" },
      { email: "lee.park@company.com", what: "Sales" },
    ]);
    // Seats are still counted in file order: both E3 seats are taken, a third E3 row fails.
    const third = await planAndRun(
      engine,
      "assign-license",
      new TextEncoder().encode(
        "Email,License\njane.smith@company.com,POWER_BI_PRO\njane.smith@company.com,M365_E3\n",
      ),
      "more.csv",
    );
    expect(third.plan.rows.map((r) => r.outcome)).toEqual(["change", "error"]);
    expect(third.plan.rows[1]!.reason).toMatch(/^No free seats for M365_E3/);
  });

  it("BULKUSERS_DOMAINS: a typo'd domain fails with a suggestion; unset, the preview warns", async () => {
    const file = new TextEncoder().encode(
      `UserPrincipalName,DisplayName\n${Array.from({ length: 10 }, (_, i) => `user${i}@example.com,User ${i}`).join("\n")}\ndan.ross@exmaple.com,Dan Ross\n`,
    );
    const unchecked = await previewFile(testEngine(ctx.handle), { operation: "create", bytes: file });
    if (!unchecked.ok) throw new Error(unchecked.refusal.message);
    expect(unchecked.plan.summary).toEqual({ change: 11, skip: 0, error: 0 });
    expect(unchecked.plan.warnings).toContain(
      "1 row (11) uses exmaple.com while 10 rows use example.com: did you mean example.com? Set BULKUSERS_DOMAINS to refuse other domains.",
    );
    const engine = testEngine(ctx.handle, { domains: ["example.com"] });
    const { plan } = await planAndRun(engine, "create", file, "hires.csv");
    expect(plan.summary).toEqual({ change: 10, skip: 0, error: 1 });
    expect(plan.rows[10]).toMatchObject({
      key: "dan.ross@exmaple.com",
      reason: "Domain exmaple.com is not one of the organisation's domains: did you mean example.com?",
    });
    const stored = await queryRows<{ n: number }>(
      ctx.handle.db,
      sql`select count(*)::int as n from users where email like '%exmaple%'`,
    );
    expect(stored[0]!.n).toBe(0);
  });
});
