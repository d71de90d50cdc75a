import { describe, expect, it } from "vitest";
import { directoryOf, NOW, planOf, tableOf, userOf } from "./test-helpers.ts";

const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(Date.parse(NOW) - d * DAY).toISOString();

const dir = () =>
  directoryOf({
    users: [
      userOf("active@example.com"),
      userOf("off@example.com", { status: "disabled", disabledAt: daysAgo(40) }),
      userOf("gone@example.com", { status: "deleted", deletedAt: daysAgo(3) }),
      userOf("gone-off@example.com", { status: "deleted", disabledAt: daysAgo(10), deletedAt: daysAgo(5) }),
      userOf("edge@example.com", { status: "deleted", deletedAt: daysAgo(30) }),
      userOf("old@example.com", { status: "deleted", deletedAt: daysAgo(31) }),
    ],
  });

const KEYS = ["active", "off", "gone", "missing"].map((k) => [`${k}@example.com`]);

function outcomes(operation: "disable" | "enable" | "delete" | "restore", keys = KEYS) {
  const { plan } = planOf(operation, tableOf(["UserPrincipalName"], keys), dir());
  return plan.rows.map((r) => [r.outcome, r.reason]);
}

describe("disable", () => {
  it("active → change (Block sign-in); disabled → skip; deleted → error; missing → error", () => {
    expect(outcomes("disable")).toEqual([
      ["change", "Block sign-in"],
      ["skip", "Already disabled"],
      ["error", "This user is deleted; restore it first"],
      ["error", "User not found"],
    ]);
    const { row } = planOf("disable", tableOf(["UserPrincipalName"], KEYS), dir());
    expect(row(1).changes).toEqual([{ field: "status", from: "active", to: "disabled" }]);
    expect(row(1).action).toEqual({ kind: "disable", email: "active@example.com", status: "disabled" });
  });
});

describe("enable", () => {
  it("disabled → change; active → skip; deleted → error; missing → error", () => {
    expect(outcomes("enable")).toEqual([
      ["skip", "Already active"],
      ["change", "Allow sign-in"],
      ["error", "This user is deleted; restore it first"],
      ["error", "User not found"],
    ]);
  });
});

describe("delete", () => {
  it("active/disabled → change (soft delete); deleted → skip; missing → error", () => {
    expect(outcomes("delete")).toEqual([
      ["change", "Delete (restorable for 30 days)"],
      ["change", "Delete (restorable for 30 days)"],
      ["skip", "Already deleted"],
      ["error", "User not found"],
    ]);
  });
});

describe("restore", () => {
  it("restores within 30 days (inclusive) to the status before deletion; older → error; not deleted → skip", () => {
    const { row } = planOf(
      "restore",
      tableOf(
        ["UserPrincipalName"],
        ["gone", "gone-off", "edge", "old", "active", "missing"].map((k) => [`${k}@example.com`]),
      ),
      dir(),
    );
    expect(row(1)).toMatchObject({
      outcome: "change",
      changes: [{ field: "status", from: "deleted", to: "active" }],
    });
    expect(row(1).action).toEqual({ kind: "restore", email: "gone@example.com", status: "active" });
    expect(row(2).action).toMatchObject({ status: "disabled" });
    expect(row(3).outcome).toBe("change");
    expect(row(4).outcome).toBe("error");
    expect(row(4).reason).toContain("deleted more than 30 days ago; it can no longer be restored");
    expect(row(5)).toMatchObject({ outcome: "skip", reason: "Not deleted" });
    expect(row(6)).toMatchObject({ outcome: "error", reason: "User not found" });
  });

  it("measures the window against directory.now, not the clock", () => {
    const d = dir();
    d.now = new Date(Date.parse(NOW) + 40 * DAY).toISOString();
    const { row } = planOf("restore", tableOf(["UserPrincipalName"], [["gone@example.com"]]), d);
    expect(row(1).outcome).toBe("error");
  });
});
