import { describe, expect, it } from "vitest";
import { directoryOf, planOf, tableOf, userOf } from "./test-helpers.ts";

const dir = () =>
  directoryOf({
    users: [
      userOf("a@example.com", { groups: ["Sales"] }),
      userOf("b@example.com"),
      userOf("gone@example.com", { status: "deleted", deletedAt: "2025-05-30T00:00:00Z" }),
    ],
    groups: ["Sales", "Engineering", "All Staff"],
  });

describe("add-to-group", () => {
  it("adds, skips members, fails unknown groups with the command to create them", () => {
    const { row } = planOf(
      "add-to-group",
      tableOf(
        ["UserPrincipalName", "Group"],
        [
          ["a@example.com", "sales; Engineering"],
          ["b@example.com", "Sales Team"],
          ["gone@example.com", "Sales"],
          ["x@example.com", "Sales"],
        ],
      ),
      dir(),
    );
    expect(row(1)).toMatchObject({ outcome: "change", reason: "Add to Engineering" });
    expect(row(1).changes).toEqual([{ field: "groups", from: "Sales", to: "Sales; Engineering" }]);
    expect(row(1).action).toEqual({
      kind: "add-to-group",
      email: "a@example.com",
      groups: { add: ["Engineering"] },
    });
    expect(row(2).reason).toBe(
      "Group 'Sales Team' does not exist; create it with `npx bulkusers group add \"Sales Team\"`",
    );
    expect(row(3).outcome).toBe("error");
    expect(row(4).reason).toBe("User not found");
  });

  it("skips when already a member of every group", () => {
    const { row } = planOf(
      "add-to-group",
      tableOf(["UserPrincipalName", "Group"], [["a@example.com", "SALES"]]),
      dir(),
    );
    expect(row(1)).toMatchObject({ outcome: "skip", reason: "Already a member of Sales" });
  });
});

describe("one row per membership", () => {
  it("add-to-group: a user on several rows joins each group; the same pair again is a duplicate", () => {
    const { row, plan } = planOf(
      "add-to-group",
      tableOf(
        ["UserPrincipalName", "Group"],
        [
          ["b@example.com", "Sales"],
          ["b@example.com", "Engineering"],
          ["b@example.com", "sales"],
          ["b@example.com", "All Staff; Engineering"],
        ],
      ),
      dir(),
    );
    expect(row(1).changes).toEqual([{ field: "groups", from: null, to: "Sales" }]);
    expect(row(2).changes).toEqual([{ field: "groups", from: "Sales", to: "Sales; Engineering" }]);
    expect(row(3)).toMatchObject({ outcome: "error", reason: "Duplicate of row 1 (same user and sales)" });
    expect(row(4)).toMatchObject({
      outcome: "error",
      reason: "Duplicate of row 2 (same user and engineering)",
    });
    expect(plan.summary).toEqual({ change: 2, skip: 0, error: 2 });
  });

  it("remove-from-group and remove-license: one row per pair, each seeing the rows before it", () => {
    const groups = planOf(
      "remove-from-group",
      tableOf(
        ["UserPrincipalName", "Group"],
        [
          ["a@example.com", "Sales"],
          ["a@example.com", "Engineering"],
        ],
      ),
      directoryOf({
        users: [userOf("a@example.com", { groups: ["Sales", "Engineering"] })],
        groups: ["Sales", "Engineering"],
      }),
    );
    expect(groups.row(2)).toMatchObject({ outcome: "change", reason: "Remove from Engineering" });
    expect(groups.row(2).changes).toEqual([{ field: "groups", from: "Engineering", to: null }]);
    const licenses = planOf(
      "remove-license",
      tableOf(
        ["UserPrincipalName", "License"],
        [
          ["a@example.com", "M365_E3"],
          ["a@example.com", "M365_E5"],
          ["a@example.com", "M365_E3"],
        ],
      ),
      directoryOf({
        users: [userOf("a@example.com", { licenses: ["M365_E3", "M365_E5"] })],
        licenses: [
          { sku: "M365_E3", totalSeats: 10, assignedSeats: 1 },
          { sku: "M365_E5", totalSeats: 10, assignedSeats: 1 },
        ],
      }),
    );
    expect(licenses.plan.rows.map((r) => [r.outcome, r.reason])).toEqual([
      ["change", "Remove M365_E3"],
      ["change", "Remove M365_E5"],
      ["error", "Duplicate of row 1 (same user and M365_E3)"],
    ]);
  });
});

describe("remove-from-group", () => {
  it("removes members, skips non-members", () => {
    const { row } = planOf(
      "remove-from-group",
      tableOf(
        ["UserPrincipalName", "Group"],
        [
          ["a@example.com", "Sales;Engineering"],
          ["b@example.com", "Sales"],
          ["gone@example.com", "Nope"],
        ],
      ),
      dir(),
    );
    expect(row(1)).toMatchObject({ outcome: "change", reason: "Remove from Sales" });
    expect(row(1).changes).toEqual([{ field: "groups", from: "Sales", to: null }]);
    expect(row(1).action).toEqual({
      kind: "remove-from-group",
      email: "a@example.com",
      groups: { remove: ["Sales"] },
    });
    expect(row(2)).toMatchObject({ outcome: "skip", reason: "Not a member of Sales" });
    expect(row(3).outcome).toBe("error");
  });
});
