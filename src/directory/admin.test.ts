import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { describeEachDatabase, queryRows } from "../../test/support/db.ts";
import { addGroup, addLicense } from "./admin.ts";

const by = { actor: "U123", source: "slack" as const };

describeEachDatabase("admin", (ctx) => {
  it("addGroup trims, creates, audits and refuses duplicates case-insensitively", async () => {
    const created = await addGroup(ctx.handle.db, { name: "  Finance Team ", description: " " }, by);
    expect(created).toMatchObject({ ok: true, group: { name: "Finance Team", description: null } });
    const duplicate = await addGroup(ctx.handle.db, { name: "finance team" }, by);
    expect(duplicate).toEqual({
      ok: false,
      refusal: { code: "group.exists", message: "A group named 'Finance Team' already exists." },
    });
    for (const name of ["", "   ", "@everyone", "=1+1", "a\u0007b", "x".repeat(257)]) {
      const result = await addGroup(ctx.handle.db, { name }, by);
      expect(result.ok ? "" : result.refusal.code).toBe("group.invalid_name");
    }
    const audit = await queryRows(ctx.handle.db, sql`select actor, source, action, target from audit_log`);
    expect(audit).toEqual([{ actor: "U123", source: "slack", action: "group.add", target: "Finance Team" }]);
  });

  it("addLicense creates with a known name, updates seats and name, refuses going below the assigned seats", async () => {
    const created = await addLicense(ctx.handle.db, { sku: "POWER_BI_PRO", seats: 2 }, by);
    expect(created).toMatchObject({
      ok: true,
      action: "created",
      license: { name: "Power BI Pro", totalSeats: 2 },
    });

    await ctx.handle.db.execute(sql`insert into users (email, display_name) values ('a@example.com', 'A')`);
    await ctx.handle.db.execute(
      sql`insert into license_assignments (license_id, user_id) select l.id, u.id from licenses l, users u`,
    );

    const renamed = await addLicense(ctx.handle.db, { sku: "power_bi_pro", seats: 2, name: "BI" }, by);
    expect(renamed).toMatchObject({
      ok: true,
      action: "updated",
      previousSeats: 2,
      license: { sku: "POWER_BI_PRO", name: "BI", totalSeats: 2, assignedSeats: 1, freeSeats: 1 },
    });
    const toOne = await addLicense(ctx.handle.db, { sku: "POWER_BI_PRO", seats: 1 }, by);
    expect(toOne).toMatchObject({ ok: true, action: "updated", license: { freeSeats: 0, name: "BI" } });
    const toZero = await addLicense(ctx.handle.db, { sku: "POWER_BI_PRO", seats: 0 }, by);
    expect(toZero.ok ? "" : toZero.refusal.code).toBe("license.seats_below_assigned");

    for (const [input, code] of [
      [{ sku: "", seats: 1 }, "license.invalid_sku"],
      [{ sku: "E3 E5", seats: 1 }, "license.invalid_sku"],
      [{ sku: "E3", seats: -1 }, "license.invalid_seats"],
      [{ sku: "E3", seats: 1.5 }, "license.invalid_seats"],
      [{ sku: "E3", seats: 1, name: "=HYPERLINK()" }, "license.invalid_name"],
    ] as const) {
      const result = await addLicense(ctx.handle.db, input, by);
      expect(result.ok ? "" : result.refusal.code).toBe(code);
    }

    const rows = await queryRows(ctx.handle.db, sql`select sku, name, total_seats from licenses`);
    expect(rows).toEqual([{ sku: "POWER_BI_PRO", name: "BI", total_seats: 1 }]);
    const actions = await queryRows<{ action: string }>(
      ctx.handle.db,
      sql`select action from audit_log order by id`,
    );
    expect(actions.map((a) => a.action)).toEqual(["license.add", "license.update", "license.update"]);
  });
});
