import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { users } from "../src/directory/schema.ts";
import { describeEachDatabase } from "./support/db.ts";

describeEachDatabase("database", (ctx) => {
  it("runs the migrations: every table exists", async () => {
    const rows = await queryRows<{ table_name: string }>(
      ctx.handle.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        "users",
        "groups",
        "licenses",
        "plans",
        "jobs",
        "job_items",
        "audit_log",
        "schedules",
        "cron_runs",
      ]),
    );
  });

  it("stores e-mails lower-case only and unique", async () => {
    await ctx.handle.db.insert(users).values({ email: "a@example.com", displayName: "A" });
    await expect(
      ctx.handle.db.insert(users).values({ email: "a@example.com", displayName: "B" }),
    ).rejects.toThrow();
    await expect(
      ctx.handle.db.insert(users).values({ email: "B@example.com", displayName: "B" }),
    ).rejects.toThrow();
  });

  it("keeps values as text: leading zeros survive", async () => {
    await ctx.handle.db
      .insert(users)
      .values({ email: "z@example.com", displayName: "Z", employeeId: "007", phone: "+4401234" });
    const [row] = await ctx.handle.db.select().from(users);
    expect(row?.employeeId).toBe("007");
    expect(row?.phone).toBe("+4401234");
  });
});
