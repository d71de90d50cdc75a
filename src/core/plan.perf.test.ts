// Sanity check at the benchmark's scale (no timing asserted: `npm run bench` measures speed).
import { describe, expect, it } from "vitest";
import { directoryOf, planOf, tableOf, userOf } from "./operations/test-helpers.ts";
import type { DirectoryUser } from "./types.ts";

describe("planning at scale", () => {
  it("plans a 50,000-row create file against a 100,000-user directory", () => {
    const users: DirectoryUser[] = [];
    for (let i = 0; i < 100_000; i++) {
      users.push(
        userOf(`existing${i}@example.com`, { manager: i > 0 ? `existing${i - 1}@example.com` : null }),
      );
    }
    const dir = directoryOf({
      users,
      licenses: [{ sku: "M365_E3", totalSeats: 30_000, assignedSeats: 5_000 }],
      groups: ["Sales", "All Staff"],
    });
    const header = [
      "UserPrincipalName",
      "FirstName",
      "LastName",
      "Department",
      "Manager",
      "License",
      "Groups",
    ];
    const rows: string[][] = [];
    for (let i = 0; i < 50_000; i++) {
      // Every tenth user reports to an existing user, the others to the next tenth row (a later row).
      const manager = i % 10 === 0 ? `existing${i}@example.com` : `new${i - (i % 10) + 10}@example.com`;
      rows.push([
        `new${i}@example.com`,
        "New",
        `User ${i}`,
        "Sales",
        i >= 49_990 && i % 10 ? "" : manager,
        i % 2 ? "M365_E3" : "",
        "Sales; All Staff",
      ]);
    }
    const { plan } = planOf("create", tableOf(header, rows), dir);
    // 25,000 rows want an E3 seat and 25,000 are free: all fit.
    expect(plan.summary).toEqual({ change: 50_000, skip: 0, error: 0 });
    expect(plan.executionOrder).toHaveLength(50_000);
    // The executor sees each manager before its reports.
    const position = new Map(plan.executionOrder.map((row, i) => [row, i]));
    for (const r of plan.rows) {
      const m = r.action?.set?.manager;
      if (m?.startsWith("new")) {
        const managerRow = Number(m.slice(3, m.indexOf("@"))) + 1;
        expect(position.get(managerRow)!).toBeLessThan(position.get(r.row)!);
      }
    }
  });
});
