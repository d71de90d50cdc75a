import { describe, expect, it } from "vitest";
import { directoryOf, planOf, tableOf, userOf } from "./test-helpers.ts";

const dir = () =>
  directoryOf({
    users: [
      userOf("a@example.com", { licenses: ["M365_E3"] }),
      userOf("b@example.com"),
      userOf("off@example.com", { status: "disabled" }),
      userOf("gone@example.com", { status: "deleted", deletedAt: "2025-05-30T00:00:00Z" }),
    ],
    licenses: [
      { sku: "M365_E3", totalSeats: 10, assignedSeats: 5, name: "Microsoft 365 E3" },
      { sku: "M365_E5", totalSeats: 10, assignedSeats: 0, name: "Microsoft 365 E5" },
    ],
  });

describe("assign-license", () => {
  it("assigns, skips when already assigned, fails unknown SKUs and users", () => {
    const { row } = planOf(
      "assign-license",
      tableOf(
        ["UserPrincipalName", "License"],
        [
          ["a@example.com", "M365_E5"],
          ["b@example.com", "m365_e3"],
          ["off@example.com", "Microsoft 365 E5"],
          ["a@example.com", "M365_E3"],
          ["gone@example.com", "M365_E3"],
          ["nobody@example.com", "M365_E3"],
          ["b@example.com", ""],
        ],
      ),
      dir(),
    );
    expect(row(1)).toMatchObject({ outcome: "change", reason: "Assign M365_E5" });
    expect(row(1).changes).toEqual([{ field: "licenses", from: "M365_E3", to: "M365_E3; M365_E5" }]);
    expect(row(1).action).toEqual({
      kind: "assign-license",
      email: "a@example.com",
      licenses: { assign: ["M365_E5"], remove: [] },
    });
    expect(row(2).changes).toEqual([{ field: "licenses", from: null, to: "M365_E3" }]);
    expect(row(3).action?.licenses?.assign).toEqual(["M365_E5"]);
    // One row per assignment: a's second row is its own (user, license) pair.
    expect(row(4)).toMatchObject({ outcome: "skip", reason: "Already assigned: M365_E3" });
    expect(row(5).outcome).toBe("error");
    expect(row(6).reason).toBe("User not found");
    expect(row(7)).toMatchObject({ outcome: "error", reason: "License is required" });
  });

  it("reads one row per assignment: several SKUs per user in file order, a repeated pair is a duplicate", () => {
    const { row, plan } = planOf(
      "assign-license",
      tableOf(
        ["UserPrincipalName", "License"],
        [
          ["b@example.com", "M365_E3"],
          ["b@example.com", "M365_E5"],
          ["B@example.com", "Microsoft 365 E3"],
          ["a@example.com", "M365_E5; M365_E3"],
          ["b@example.com", "m365_e5"],
        ],
      ),
      directoryOf({
        users: [userOf("a@example.com", { licenses: ["M365_E3"] }), userOf("b@example.com")],
        licenses: [
          { sku: "M365_E3", totalSeats: 10, assignedSeats: 5, name: "Microsoft 365 E3" },
          { sku: "M365_E5", totalSeats: 1, assignedSeats: 0, name: "Microsoft 365 E5" },
        ],
      }),
    );
    expect(row(1).changes).toEqual([{ field: "licenses", from: null, to: "M365_E3" }]);
    // The second row sees what the first one assigns.
    expect(row(2)).toMatchObject({ outcome: "change", reason: "Assign M365_E5" });
    expect(row(2).changes).toEqual([{ field: "licenses", from: "M365_E3", to: "M365_E3; M365_E5" }]);
    // By name or by SKU, in any case: the same license for the same user again.
    expect(row(3)).toMatchObject({ outcome: "error", reason: "Duplicate of row 1 (same user and M365_E3)" });
    // Seats in file order: the one free E5 seat went to row 2.
    expect(row(4)).toMatchObject({
      outcome: "error",
      reason: expect.stringMatching(/^No free seats for M365_E5/),
    });
    expect(row(5)).toMatchObject({ outcome: "error", reason: "Duplicate of row 2 (same user and M365_E5)" });
    expect(plan.summary).toEqual({ change: 2, skip: 0, error: 3 });
  });

  it("skips when every SKU is already assigned; several SKUs per cell", () => {
    const d = dir();
    d.users.get("a@example.com")!.licenses = ["M365_E3", "M365_E5"];
    const { row } = planOf(
      "assign-license",
      tableOf(
        ["UserPrincipalName", "License"],
        [
          ["a@example.com", "M365_E3; M365_E5"],
          ["b@example.com", "M365_E3,M365_E5"],
        ],
      ),
      d,
    );
    expect(row(1)).toMatchObject({ outcome: "skip", reason: "Already assigned: M365_E3, M365_E5" });
    expect(row(2).action?.licenses?.assign).toEqual(["M365_E3", "M365_E5"]);
  });

  it("requires a License value and unknown SKUs are named", () => {
    const { row } = planOf(
      "assign-license",
      tableOf(
        ["UserPrincipalName", "License"],
        [
          ["a@example.com", ""],
          ["b@example.com", "M365_E7"],
        ],
      ),
      dir(),
    );
    expect(row(1).reason).toBe("License is required");
    expect(row(2).reason).toBe("License 'M365_E7' does not exist (known: M365_E3, M365_E5)");
  });

  it("replace: RemoveLicense on the same row swaps E3 for E5 in one change", () => {
    const { row } = planOf(
      "assign-license",
      tableOf(
        ["UserPrincipalName", "License", "RemoveLicense"],
        [
          ["a@example.com", "M365_E5", "M365_E3"],
          ["b@example.com", "M365_E5", "M365_E3"],
          ["off@example.com", "M365_E5", "M365_E5"],
        ],
      ),
      dir(),
    );
    expect(row(1)).toMatchObject({ outcome: "change", reason: "Replace M365_E3 with M365_E5" });
    expect(row(1).changes).toEqual([{ field: "licenses", from: "M365_E3", to: "M365_E5" }]);
    expect(row(1).action?.licenses).toEqual({ assign: ["M365_E5"], remove: ["M365_E3"] });
    // b has no E3: nothing to remove, E5 is assigned.
    expect(row(2).action?.licenses).toEqual({ assign: ["M365_E5"], remove: [] });
    expect(row(3).reason).toBe("License M365_E5 is both assigned and removed");
  });

  it("replace with no free seat of the new license succeeds only where a seat is left", () => {
    const d = directoryOf({
      users: [
        userOf("a@example.com", { licenses: ["M365_E3"] }),
        userOf("b@example.com", { licenses: ["M365_E3"] }),
      ],
      licenses: [
        { sku: "M365_E3", totalSeats: 2, assignedSeats: 2 },
        { sku: "M365_E5", totalSeats: 1, assignedSeats: 0 },
      ],
    });
    const { row } = planOf(
      "assign-license",
      tableOf(
        ["UserPrincipalName", "License", "RemoveLicense"],
        [
          ["a@example.com", "M365_E5", "M365_E3"],
          ["b@example.com", "M365_E5", "M365_E3"],
        ],
      ),
      d,
    );
    expect(row(1).outcome).toBe("change");
    expect(row(2).reason).toBe("No free seats for M365_E5 (1 of 1 assigned)");
  });
});

describe("remove-license", () => {
  it("removes assigned SKUs, skips unassigned, fails unknown", () => {
    const { row } = planOf(
      "remove-license",
      tableOf(
        ["UserPrincipalName", "License"],
        [
          ["a@example.com", "M365_E3;M365_E5"],
          ["b@example.com", "M365_E3"],
          ["off@example.com", "NOPE"],
          ["gone@example.com", "M365_E3"],
        ],
      ),
      dir(),
    );
    expect(row(1)).toMatchObject({ outcome: "change", reason: "Remove M365_E3" });
    expect(row(1).changes).toEqual([{ field: "licenses", from: "M365_E3", to: null }]);
    expect(row(1).action).toEqual({
      kind: "remove-license",
      email: "a@example.com",
      licenses: { remove: ["M365_E3"] },
    });
    expect(row(2)).toMatchObject({ outcome: "skip", reason: "Not assigned: M365_E3" });
    expect(row(3).reason).toMatch(/^License 'NOPE' does not exist/);
    expect(row(4).outcome).toBe("error");
  });
});
