// Service plans: a license has plans (license add, seed-demo); assign-license reads DisabledPlans;
// set-service-plans switches plans of an assigned license (file or selection), previewed old → new, skipped
// when already so, undone; the export shows each user's disabled plans.
import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { parseFilter } from "../src/core/filter.ts";
import { buildUndoFile } from "../src/core/undo.ts";
import { addLicense } from "../src/directory/admin.ts";
import { queryRows } from "../src/directory/client.ts";
import { exportCsv, selectUsers } from "../src/directory/export.ts";
import { users } from "../src/directory/schema.ts";
import { seedDemo } from "../src/directory/seed-demo.ts";
import { getJob, listJobItems } from "../src/jobs/job-store.ts";
import { confirm, planFile, planSelection, runUntilFinished } from "../src/jobs/service.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const E3_PLANS = "EXCHANGE_S_ENTERPRISE;TEAMS1;SHAREPOINTENTERPRISE;YAMMER_ENTERPRISE;SWAY";

describeEachDatabase("service plans", (ctx) => {
  const by = { actor: "cli:it", source: "cli" as const };

  async function disabledPlans(): Promise<Record<string, string[]>> {
    const rows = await queryRows<{ email: string; sku: string; disabled: string[] | string }>(
      ctx.handle.db,
      sql`select u.email, l.sku, la.disabled_plans as disabled from license_assignments la
          join users u on u.id = la.user_id join licenses l on l.id = la.license_id order by u.email, l.sku`,
    );
    return Object.fromEntries(
      rows.map((r) => [
        `${r.email} ${r.sku}`,
        typeof r.disabled === "string" ? (JSON.parse(r.disabled) as string[]) : r.disabled,
      ]),
    );
  }

  async function setUp() {
    const engine = testEngine(ctx.handle);
    const added = await addLicense(
      ctx.handle.db,
      { sku: "M365_E3", seats: 10, servicePlans: E3_PLANS.split(";") },
      by,
    );
    expect(added).toMatchObject({ ok: true, license: { servicePlans: E3_PLANS.split(";") } });
    await ctx.handle.db.insert(users).values([
      { email: "ada@corp.example", displayName: "Ada", department: "Sales" },
      { email: "bob@corp.example", displayName: "Bob", department: "Sales" },
      { email: "cy@corp.example", displayName: "Cy", department: "IT" },
    ]);
    return engine;
  }

  async function run(
    engine: ReturnType<typeof testEngine>,
    operation: "assign-license" | "set-service-plans",
    text: string,
  ) {
    const planned = await planFile(engine, { operation, bytes: bytes(text), source: "cli", actor: "cli:it" });
    if (!planned.ok) throw new Error(planned.refusal.message);
    const { job } = await confirm(engine, {
      planId: planned.stored.id,
      approvedBy: "cli:it",
      source: "cli",
      allowPartial: true,
    });
    await runUntilFinished(engine, job.id, { owner: "test" });
    return { plan: planned.stored.plan, job: (await getJob(ctx.handle.db, job.id))! };
  }

  it("assigns licenses with the DisabledPlans column, switches plans, previews old → new, skips, undoes and exports", async () => {
    const engine = await setUp();
    // As Entra / M365 exports write it: plans separated by ';', any case.
    const assigned = await run(
      engine,
      "assign-license",
      "UserPrincipalName,License,DisabledPlans\nada@corp.example,M365_E3,yammer_enterprise;SWAY\nbob@corp.example,M365_E3,\ncy@corp.example,M365_E3,KAIZALA\n",
    );
    expect(assigned.plan.rows.map((r) => [r.outcome, r.reason])).toEqual([
      ["change", "Assign M365_E3"],
      ["change", "Assign M365_E3"],
      [
        "error",
        "Unknown service plan 'KAIZALA' for M365_E3 (plans: EXCHANGE_S_ENTERPRISE, TEAMS1, SHAREPOINTENTERPRISE, YAMMER_ENTERPRISE, SWAY)",
      ],
    ]);
    expect(assigned.plan.rows[0]!.changes[1]).toEqual({
      field: "M365_E3 disabled plans",
      from: null,
      to: "YAMMER_ENTERPRISE; SWAY",
    });
    expect(await disabledPlans()).toEqual({
      "ada@corp.example M365_E3": ["YAMMER_ENTERPRISE", "SWAY"],
      "bob@corp.example M365_E3": [],
    });

    const toggled = await run(
      engine,
      "set-service-plans",
      [
        "UserPrincipalName,License,DisabledPlans,EnablePlans,DisablePlans",
        "ada@corp.example,M365_E3,,SWAY,TEAMS1", // switch Sway on, Teams off
        "bob@corp.example,M365_E3,[clear],,", // already all on
        "cy@corp.example,M365_E3,,,TEAMS1", // no E3
        "ada@corp.example,M365_E3,,,SWAY",
      ].join("\n"),
    );
    expect(toggled.plan.rows.map((r) => [r.outcome, r.reason, r.changes])).toEqual([
      [
        "change",
        "M365_E3: disable TEAMS1; enable SWAY",
        [
          {
            field: "M365_E3 disabled plans",
            from: "YAMMER_ENTERPRISE; SWAY",
            to: "TEAMS1; YAMMER_ENTERPRISE",
          },
        ],
      ],
      ["skip", "M365_E3 plans already so (disabled: none)", []],
      ["error", "M365_E3 is not assigned to this user; assign it first", []],
      ["error", "Duplicate of row 1", []],
    ]);
    expect(toggled.job).toMatchObject({ succeeded: 1, skipped: 1, failed: 2 });
    expect(await disabledPlans()).toEqual({
      "ada@corp.example M365_E3": ["TEAMS1", "YAMMER_ENTERPRISE"],
      "bob@corp.example M365_E3": [],
    });

    // The export shows the disabled plans per license.
    const filter = parseFilter("");
    if (!filter.ok) throw new Error("filter");
    const exported = parse(
      Buffer.from(exportCsv(await selectUsers(ctx.handle.db, filter.filter, engine.clock()))).toString(
        "utf8",
      ),
      { bom: true, columns: true },
    ) as Record<string, string>[];
    expect(exported.map((r) => [r.UserPrincipalName, r["Disabled Plans by License"]])).toEqual([
      ["ada@corp.example", "M365_E3: TEAMS1, YAMMER_ENTERPRISE"],
      ["bob@corp.example", ""],
      ["cy@corp.example", ""],
    ]);

    // Undo puts the old list back.
    const undo = buildUndoFile("set-service-plans", await listJobItems(ctx.handle.db, toggled.job.id));
    if (!undo.ok) throw new Error(undo.refusal.message);
    expect(undo.operation).toBe("set-service-plans");
    const undone = await run(engine, "set-service-plans", Buffer.from(undo.bytes).toString("utf8"));
    expect(undone.plan.rows[0]!.changes).toEqual([
      { field: "M365_E3 disabled plans", from: "TEAMS1; YAMMER_ENTERPRISE", to: "YAMMER_ENTERPRISE; SWAY" },
    ]);
    expect(await disabledPlans()).toMatchObject({
      "ada@corp.example M365_E3": ["YAMMER_ENTERPRISE", "SWAY"],
    });
  });

  it("switches plans for a selection of users, like a file", async () => {
    const engine = await setUp();
    await run(
      engine,
      "assign-license",
      "UserPrincipalName,License\nada@corp.example,M365_E3\nbob@corp.example,M365_E3\n",
    );
    const filter = parseFilter("department:Sales");
    if (!filter.ok) throw new Error("filter");
    const selected = await selectUsers(ctx.handle.db, filter.filter, engine.clock());
    const planned = await planSelection(engine, {
      operation: "set-service-plans",
      users: selected,
      values: { license: "M365_E3", disablePlans: "YAMMER_ENTERPRISE, SWAY" },
      source: "slack",
      actor: "slack:U1",
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    expect(planned.stored.plan.summary).toEqual({ change: 2, skip: 0, error: 0 });
    const { job } = await confirm(engine, {
      planId: planned.stored.id,
      approvedBy: "slack:U1",
      source: "slack",
      allowPartial: false,
    });
    await runUntilFinished(engine, job.id, { owner: "test" });
    expect(await disabledPlans()).toEqual({
      "ada@corp.example M365_E3": ["YAMMER_ENTERPRISE", "SWAY"],
      "bob@corp.example M365_E3": ["YAMMER_ENTERPRISE", "SWAY"],
    });
  });

  it("license add knows the plans of well-known SKUs; seed-demo gives its licenses realistic plans", async () => {
    const e5 = await addLicense(ctx.handle.db, { sku: "M365_E5", seats: 5 }, by);
    expect(e5.ok && e5.license.servicePlans).toContain("MCOEV");
    const renamed = await addLicense(
      ctx.handle.db,
      { sku: "m365_e5", seats: 5, servicePlans: ["TEAMS1", "MCOEV"] },
      by,
    );
    expect(renamed).toMatchObject({
      ok: true,
      action: "updated",
      license: { servicePlans: ["TEAMS1", "MCOEV"] },
    });

    await ctx.handle.db.execute(sql`truncate licenses cascade`);
    await seedDemo(ctx.handle.db, { users: 60, now: new Date("2026-11-02T09:00:00Z") });
    const plans = await queryRows<{ sku: string; plans: number; disabled: number }>(
      ctx.handle.db,
      sql`select l.sku, jsonb_array_length(l.service_plans)::int as plans,
            (select count(*)::int from license_assignments la where la.license_id = l.id and la.disabled_plans <> '[]'::jsonb) as disabled
          from licenses l order by l.sku`,
    );
    expect(plans.every((p) => p.plans > 0)).toBe(true);
    expect(plans.find((p) => p.sku === "M365_E3")?.disabled).toBeGreaterThan(0);
  });
});
