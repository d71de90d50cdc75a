import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { describeEachDatabase, queryRows } from "../../test/support/db.ts";
import { generateDemoOrganisation } from "./demo-organisation.ts";
import { seedDemo } from "./seed-demo.ts";

const now = new Date("2026-06-01T00:00:00Z");

describe("generateDemoOrganisation", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = generateDemoOrganisation({ users: 120, seed: 5, now });
    const b = generateDemoOrganisation({ users: 120, seed: 5, now });
    const c = generateDemoOrganisation({ users: 120, seed: 6, now });
    expect(b).toEqual(a);
    expect(c.users.map((u) => u.email)).not.toEqual(a.users.map((u) => u.email));
  });

  for (const size of [1, 2, 9, 10, 11, 57, 1500]) {
    it(`builds a consistent organisation of ${size}`, () => {
      const org = generateDemoOrganisation({ users: size, now });
      const { users } = org;
      expect(users).toHaveLength(size);
      expect(new Set(users.map((u) => u.email)).size).toBe(size);
      expect(new Set(users.map((u) => u.id)).size).toBe(size);
      for (const u of users) expect(u.email).toMatch(/^[a-z0-9][a-z0-9.-]*@example\.com$/);

      // Managers always come first: the tree cannot have a cycle. One CEO at the top.
      const position = new Map(users.map((u, i) => [u.id, i]));
      users.forEach((u, i) => {
        if (u.managerId) expect(position.get(u.managerId)).toBeLessThan(i);
      });
      expect(users.filter((u) => u.level === "ceo")).toHaveLength(1);
      expect(users.filter((u) => !u.managerId && u.accountType !== "service")).toHaveLength(1);
      const byId = new Map(users.map((u) => [u.id, u]));
      for (const u of users.filter((x) => x.level === "vp"))
        expect(byId.get(u.managerId!)?.level).toBe("ceo");
      const managerIds = new Set(users.map((u) => u.managerId));
      for (const u of users.filter((x) => x.level === "staff")) expect(managerIds.has(u.id)).toBe(false);
      for (const u of users.filter((x) => x.level === "manager")) {
        expect(u.jobTitle).not.toBe("");
        expect(managerIds.has(u.id)).toBe(true);
      }

      const humans = users.filter((u) => u.accountType !== "service");
      for (const u of humans) expect(u.employeeId).toMatch(/^\d{6}$/);
      expect(new Set(humans.map((u) => u.employeeId)).size).toBe(humans.length);
      for (const u of users) {
        if (u.lastLoginAt) {
          expect(u.lastLoginAt >= u.createdAt).toBe(true);
          expect(Date.parse(u.lastLoginAt)).toBeGreaterThan(now.getTime() - 366 * 86_400_000);
        }
        expect(Date.parse(u.createdAt)).toBeLessThanOrEqual(now.getTime());
        if (u.status === "disabled") expect(u.disabledAt).not.toBeNull();
      }

      for (const license of org.licenses) {
        expect(license.totalSeats).toBeGreaterThanOrEqual(license.userIds.length);
        expect(new Set(license.userIds).size).toBe(license.userIds.length);
      }
      const licensed = new Set(org.licenses.flatMap((l) => l.userIds));
      for (const u of users.filter((x) => x.status === "disabled" || x.accountType === "service")) {
        expect(licensed.has(u.id)).toBe(false);
      }
    });
  }

  it("looks like a company at scale", () => {
    const { users, groups } = generateDemoOrganisation({ users: 5000, now });
    const never = users.filter((u) => u.lastLoginAt === null).length / users.length;
    expect(never).toBeGreaterThan(0.03);
    expect(never).toBeLessThan(0.07);
    const disabled = users.filter((u) => u.status === "disabled").length;
    expect(disabled).toBeGreaterThan(20);
    expect(disabled).toBeLessThan(250);
    expect(users.filter((u) => u.accountType === "admin").length).toBeGreaterThanOrEqual(2);
    expect(users.filter((u) => u.accountType === "service").length).toBeGreaterThanOrEqual(2);
    const idle = users.filter(
      (u) => u.lastLoginAt && Date.parse(u.lastLoginAt) < now.getTime() - 90 * 86_400_000,
    );
    expect(idle.length).toBeGreaterThan(100);
    const engineers = users.filter((u) => u.department === "Engineering" && u.level === "staff");
    expect(engineers.every((u) => /Engineer|Designer|Administrator/.test(u.jobTitle))).toBe(true);
    expect(users.filter((u) => u.level === "director").length).toBeGreaterThan(0);
    expect(groups.map((g) => g.name)).toEqual(
      expect.arrayContaining([
        "all-staff",
        "dept-sales",
        "dept-engineering",
        "people-managers",
        "project-apollo",
      ]),
    );
  });

  it("refuses nonsense sizes", () => {
    expect(() => generateDemoOrganisation({ users: 0, now })).toThrow(RangeError);
    expect(() => generateDemoOrganisation({ users: 1.5, now })).toThrow(RangeError);
  });
});

describeEachDatabase("seedDemo", (ctx) => {
  it("writes exactly what it generated, and refuses a second run", async () => {
    const result = await seedDemo(ctx.handle.db, { users: 80, seed: 3, now, actor: "cli:test" });
    expect(result.ok).toBe(true);
    const org = generateDemoOrganisation({ users: 80, seed: 3, now });
    const stored = await queryRows<{ email: string; employee_id: string | null; manager: string | null }>(
      ctx.handle.db,
      sql`select u.email, u.employee_id, m.email as manager from users u left join users m on m.id = u.manager_id`,
    );
    const emails = new Map(org.users.map((u) => [u.id, u.email]));
    expect(new Map(stored.map((r) => [r.email, r.manager]))).toEqual(
      new Map(org.users.map((u) => [u.email, u.managerId ? (emails.get(u.managerId) ?? null) : null])),
    );
    expect(stored.find((r) => r.employee_id === "000001")).toBeDefined();

    const again = await seedDemo(ctx.handle.db, { users: 5, now });
    expect(again).toEqual({ ok: false, refusal: expect.objectContaining({ code: "seed.not_empty" }) });
    const [audit] = await queryRows<{ n: number }>(
      ctx.handle.db,
      sql`select count(*)::int as n from audit_log where action = 'seed-demo' and actor = 'cli:test'`,
    );
    expect(audit?.n).toBe(1);
  });
});
