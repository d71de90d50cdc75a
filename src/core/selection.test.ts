import { describe, expect, it } from "vitest";
import { matchesFilter, parseFilter } from "./filter.ts";
import { directoryOf, NOW, planOf, userOf } from "./operations/test-helpers.ts";
import { tableFromSelection } from "./selection.ts";

describe("tableFromSelection", () => {
  const users = [
    userOf("a@example.com", { department: "Sales" }),
    userOf("b@example.com", { department: "Sales", licenses: ["M365_E5"] }),
    userOf("c@example.com", { department: "Ops" }),
  ];

  it("builds the CsvTable an uploaded file would produce", () => {
    const table = tableFromSelection("assign-license", users.slice(0, 2), { license: "M365_E5" });
    expect(table).toEqual({
      encoding: "utf-8",
      delimiter: ",",
      header: ["UserPrincipalName", "License"],
      columns: [
        { index: 0, header: "UserPrincipalName", field: "email" },
        { index: 1, header: "License", field: "license" },
      ],
      records: [
        {
          row: 1,
          line: 2,
          values: { email: "a@example.com", license: "M365_E5" },
          cells: ["a@example.com", "M365_E5"],
          extraCells: [],
        },
        {
          row: 2,
          line: 3,
          values: { email: "b@example.com", license: "M365_E5" },
          cells: ["b@example.com", "M365_E5"],
          extraCells: [],
        },
      ],
      warnings: [],
    });
  });

  it("select by filter, then apply an action: goes through the same planner", () => {
    const dir = directoryOf({ users, licenses: [{ sku: "M365_E5", totalSeats: 5, assignedSeats: 1 }] });
    const parsed = parseFilter("department:sales");
    if (!parsed.ok) throw new Error("filter");
    const selected = [...dir.users.values()].filter((u) => matchesFilter(parsed.filter, u, NOW));
    const { plan } = planOf(
      "assign-license",
      tableFromSelection("assign-license", selected, { license: "M365_E5" }),
      dir,
    );
    expect(plan.rows.map((r) => [r.key, r.outcome])).toEqual([
      ["a@example.com", "change"],
      ["b@example.com", "skip"],
    ]);
  });

  it("works for update with a value, and for operations without values", () => {
    const dir = directoryOf({ users });
    const upd = planOf(
      "update",
      tableFromSelection("update", users, { department: "Ops", email: "x@example.com" }),
      dir,
    );
    expect(upd.plan.summary).toEqual({ change: 2, skip: 1, error: 0 });
    expect(upd.plan.header).toEqual(["UserPrincipalName", "Department"]);
    const dis = planOf("disable", tableFromSelection("disable", users, {}), dir);
    expect(dis.plan.summary.change).toBe(3);
  });
});
