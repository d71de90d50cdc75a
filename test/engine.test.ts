import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { users } from "../src/directory/schema.ts";
import { getJob, listJobItems } from "../src/jobs/job-store.ts";
import { credentialsCsv, readCredentials, resultsCsv } from "../src/jobs/results.ts";
import { verifyPassword } from "../src/jobs/secrets.ts";
import { confirm, planFile, runUntilFinished } from "../src/jobs/service.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import { seedSampleLicenses } from "./support/sample-licenses.ts";
import { confirmedJob } from "./support/workers.ts";

const sample = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/csv/samples/${name}`, import.meta.url)));
const bytes = (text: string) => new TextEncoder().encode(text);
const csvRows = (data: Uint8Array) => parse(Buffer.from(data).toString("utf8"), { bom: true }) as string[][];

describeEachDatabase("engine", (ctx) => {
  async function runFile(
    engine: ReturnType<typeof testEngine>,
    operation: Parameters<typeof planFile>[1]["operation"],
    data: Uint8Array,
  ) {
    const { job, plan } = await confirmedJob(engine, operation, data);
    await runUntilFinished(engine, job.id, { owner: "test-worker" });
    return { plan, job: (await getJob(ctx.handle.db, job.id))! };
  }

  it("creates the new hires of the sample file with managers in any order, licenses and temp passwords", async () => {
    await seedSampleLicenses(ctx.handle.db);
    const engine = testEngine(ctx.handle);
    const { plan, job } = await runFile(engine, "create", sample("new-hires.csv"));
    expect(plan.plan.summary).toEqual({ change: 4, skip: 0, error: 0 });
    expect(job.status).toBe("succeeded");
    expect({ s: job.succeeded, f: job.failed, k: job.skipped }).toEqual({ s: 4, f: 0, k: 0 });

    const rows = await queryRows<{
      email: string;
      display_name: string;
      job_title: string;
      manager: string | null;
      password_hash: string;
    }>(
      ctx.handle.db,
      sql`select u.email, u.display_name, u.job_title, m.email as manager, u.password_hash
          from users u left join users m on m.id = u.manager_id order by u.email`,
    );
    expect(rows.map((r) => [r.email, r.manager])).toEqual([
      ["amara.obi@company.com", null],
      ["jane.smith@company.com", null],
      ["john.doe@company.com", "jane.smith@company.com"],
      ["lee.park@company.com", "amara.obi@company.com"],
    ]);
    expect(rows.find((r) => r.email === "lee.park@company.com")).toMatchObject({
      display_name: "Park, Lee",
      job_title: 'Engineer "II"',
    });

    const assigned = await queryRows<{ sku: string; n: number }>(
      ctx.handle.db,
      sql`select l.sku, count(*)::int as n from license_assignments la join licenses l on l.id = la.license_id group by l.sku order by 1`,
    );
    expect(assigned).toEqual([
      { sku: "M365_BUSINESS_PREMIUM", n: 2 },
      { sku: "M365_E5", n: 1 },
    ]);

    const credentials = await readCredentials(ctx.handle.db, engine.sealer, job.id);
    expect(credentials).toHaveLength(4);
    for (const c of credentials) {
      expect(c.password.length).toBeGreaterThanOrEqual(16);
      const hash = rows.find((r) => r.email === c.email)!.password_hash;
      expect(await verifyPassword(c.password, hash)).toBe(true);
      expect(hash).not.toContain(c.password);
    }
    const creds = Buffer.from(credentialsCsv(credentials)).toString("utf8");
    expect(creds.startsWith("\uFEFFUserPrincipalName,TemporaryPassword")).toBe(true);

    const results = await resultsCsv(ctx.handle.db, job);
    const parsed = csvRows(results);
    expect(parsed[0]).toEqual([
      "Status",
      "Reason",
      "UserPrincipalName",
      "DisplayName",
      "FirstName",
      "LastName",
      "Department",
      "JobTitle",
      "Manager",
      "License",
    ]);
    expect(parsed.slice(1).map((r) => r[0])).toEqual(["Succeeded", "Succeeded", "Succeeded", "Succeeded"]);
    const text = Buffer.from(results).toString("utf8");
    for (const c of credentials) expect(text).not.toContain(c.password);

    const audit = await queryRows<{ n: number }>(
      ctx.handle.db,
      sql`select count(*)::int as n from audit_log where job_id = ${job.id} and action = 'user.create'`,
    );
    expect(audit[0]?.n).toBe(4);
    const items = await listJobItems(ctx.handle.db, job.id);
    expect(JSON.stringify(items)).not.toMatch(/password"?\s*:\s*"[^"]/i);
  });

  it("a second run of the same file skips everything; plan counts equal run counts", async () => {
    await seedSampleLicenses(ctx.handle.db);
    const engine = testEngine(ctx.handle);
    await runFile(engine, "create", sample("new-hires.csv"));
    const { plan, job } = await runFile(engine, "create", sample("new-hires.csv"));
    expect(plan.plan.summary).toEqual({ change: 0, skip: 4, error: 0 });
    expect({ s: job.succeeded, f: job.failed, k: job.skipped }).toEqual({ s: 0, f: 0, k: 4 });
  });

  it("updates (reorg), disables and reports rows that fail, with reasons, in input order", async () => {
    await seedSampleLicenses(ctx.handle.db);
    const engine = testEngine(ctx.handle);
    await runFile(engine, "create", sample("new-hires.csv"));
    const { plan, job } = await runFile(engine, "update", sample("reorg-update.csv"));
    expect(plan.plan.summary).toEqual({ change: 2, skip: 0, error: 0 });
    expect(job.succeeded).toBe(2);
    const [john] = await ctx.handle.db.select().from(users).where(eq(users.email, "john.doe@company.com"));
    expect(john).toMatchObject({ department: "Partnerships", jobTitle: "Partner Manager" });

    const disable = await runFile(
      engine,
      "disable",
      bytes("UserPrincipalName\njohn.doe@company.com\nnobody@company.com\nJOHN.DOE@company.com\n"),
    );
    expect(disable.plan.plan.summary).toEqual({ change: 1, skip: 0, error: 2 });
    expect({ s: disable.job.succeeded, f: disable.job.failed, k: disable.job.skipped }).toEqual({
      s: 1,
      f: 2,
      k: 0,
    });
    const parsed = csvRows(await resultsCsv(ctx.handle.db, disable.job));
    expect(parsed.map((r) => r.slice(0, 1).concat(r.slice(2)))).toEqual([
      ["Status", "UserPrincipalName"],
      ["Succeeded", "john.doe@company.com"],
      ["Failed", "nobody@company.com"],
      ["Failed", "JOHN.DOE@company.com"],
    ]);
    expect(parsed[2]?.[1]).toMatch(/not found/i);
    expect(parsed[3]?.[1]).toMatch(/row 1/i);
    const [disabled] = await ctx.handle.db
      .select()
      .from(users)
      .where(eq(users.email, "john.doe@company.com"));
    expect(disabled?.status).toBe("disabled");
  });

  it("confirming the same plan twice creates one job and runs it once", async () => {
    const engine = testEngine(ctx.handle);
    const planned = await planFile(engine, {
      operation: "create",
      bytes: sample("create-template.csv"),
      source: "cli",
      actor: "a",
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    expect(planned.stored.plan.summary.error).toBe(1); // manager jane.smith does not exist
    await expect(
      confirm(engine, { planId: planned.stored.id, approvedBy: "a", source: "cli", allowPartial: false }),
    ).rejects.toThrow(/errors/);
    const [a, b] = await Promise.all([
      confirm(engine, { planId: planned.stored.id, approvedBy: "a", source: "cli", allowPartial: true }),
      confirm(engine, { planId: planned.stored.id, approvedBy: "b", source: "cli", allowPartial: true }),
    ]);
    expect(a.job.id).toBe(b.job.id);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
  });
});

describeEachDatabase("engine logging", (ctx) => {
  it("never writes a password to the logs, even at trace level", async () => {
    const { pino } = await import("pino");
    const lines: string[] = [];
    const logger = pino({ level: "trace" }, { write: (line: string) => void lines.push(line) });
    const engine = { ...testEngine(ctx.handle), logger };
    const file = bytes(
      "UserPrincipalName,DisplayName,Password\nsecret.keeper@example.com,Secret Keeper,Sup3rSecret!Pass\nnew.one@example.com,New One,\n",
    );
    const planned = await planFile(engine, { operation: "create", bytes: file, source: "cli", actor: "t" });
    if (!planned.ok) throw new Error(planned.refusal.message);
    const { job } = await confirm(engine, {
      planId: planned.stored.id,
      approvedBy: "t",
      source: "cli",
      allowPartial: true,
    });
    await runUntilFinished(engine, job.id, { owner: "w" });
    const generated = await readCredentials(ctx.handle.db, engine.sealer, job.id);
    expect(generated).toHaveLength(1);
    expect(lines.length).toBeGreaterThan(0);
    const logText = lines.join("\n");
    expect(logText).not.toContain("Sup3rSecret!Pass");
    expect(logText).not.toContain(generated[0]!.password);
    const stored = await queryRows<{ t: string }>(
      ctx.handle.db,
      sql`select (select coalesce(string_agg(rows::text, ''), '') from (select row_to_json(p)::text as rows from plans p) a)
        || (select coalesce(string_agg(row_to_json(r)::text, ''), '') from plan_rows r)
        || (select coalesce(string_agg(row_to_json(j)::text, ''), '') from job_items j)
        || (select coalesce(string_agg(row_to_json(a)::text, ''), '') from audit_log a) as t`,
    );
    expect(stored[0]?.t).not.toContain("Sup3rSecret!Pass");
    expect(stored[0]?.t).not.toContain(generated[0]!.password);
  });
});
