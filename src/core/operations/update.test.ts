import { describe, expect, it } from "vitest";
import { CLEAR_TOKEN } from "./index.ts";
import { directoryOf, planOf, tableOf, userOf } from "./test-helpers.ts";

const dir = () =>
  directoryOf({
    users: [
      userOf("a@example.com", {
        displayName: "Ann",
        department: "Sales",
        jobTitle: "Rep",
        phone: "+1 555 0100",
        attributes: { costCenter: "CC1" },
        manager: "boss@example.com",
      }),
      userOf("boss@example.com"),
      userOf("other@example.com"),
      userOf("off@example.com", { status: "disabled", disabledAt: "2025-01-01T00:00:00Z" }),
      userOf("gone@example.com", { status: "deleted", deletedAt: "2025-05-30T00:00:00Z" }),
    ],
  });

describe("update", () => {
  it("exports the clear token", () => {
    expect(CLEAR_TOKEN).toBe("[clear]");
  });

  it("changes only the fields that differ; blank leaves unchanged; [clear] clears", () => {
    const { row } = planOf(
      "update",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Department", "JobTitle", "Phone", "CostCenter"],
        [["a@example.com", "Ann", "Marketing", "", "[Clear]", "CC2"]],
      ),
      dir(),
    );
    const r = row(1);
    expect(r.outcome).toBe("change");
    expect(r.changes).toEqual([
      { field: "department", from: "Sales", to: "Marketing" },
      { field: "phone", from: "+1 555 0100", to: null },
      { field: "costCenter", from: "CC1", to: "CC2" },
    ]);
    expect(r.action).toEqual({
      kind: "update",
      email: "a@example.com",
      set: { department: "Marketing", phone: null, costCenter: "CC2" },
    });
    expect(r.reason).toBe("Update Department, Phone, CostCenter");
  });

  it("skips a row whose values are current (and a clear of an empty value)", () => {
    const { row } = planOf(
      "update",
      tableOf(["UserPrincipalName", "Department", "Office"], [["a@example.com", "Sales", "[clear]"]]),
      dir(),
    );
    expect(row(1)).toMatchObject({ outcome: "skip", reason: "Already up to date" });
  });

  it("fails unknown and deleted users; updates disabled users", () => {
    const { row } = planOf(
      "update",
      tableOf(
        ["UserPrincipalName", "Department"],
        [
          ["nobody@example.com", "X"],
          ["gone@example.com", "X"],
          ["off@example.com", "X"],
        ],
      ),
      dir(),
    );
    expect(row(1)).toMatchObject({ outcome: "error", reason: "User not found" });
    expect(row(2).outcome).toBe("error");
    expect(row(2).reason).toContain("user is deleted; restore it first");
    expect(row(3).outcome).toBe("change");
  });

  it("refuses to clear DisplayName", () => {
    const { row } = planOf(
      "update",
      tableOf(["UserPrincipalName", "DisplayName"], [["a@example.com", "[clear]"]]),
      dir(),
    );
    expect(row(1)).toMatchObject({ outcome: "error", reason: "DisplayName cannot be cleared" });
  });

  it("changes, clears and validates the manager", () => {
    const { row } = planOf(
      "update",
      tableOf(
        ["UserPrincipalName", "Manager"],
        [
          ["a@example.com", "other@example.com"],
          ["other@example.com", "nobody@example.com"],
          ["boss@example.com", "gone@example.com"],
          ["off@example.com", "off@example.com"],
        ],
      ),
      dir(),
    );
    expect(row(1).changes).toEqual([{ field: "manager", from: "boss@example.com", to: "other@example.com" }]);
    expect(row(2).reason).toBe("Manager nobody@example.com does not exist");
    expect(row(3).reason).toBe("Manager gone@example.com is deleted");
    expect(row(4).reason).toBe("A user cannot be their own manager");

    const cleared = planOf(
      "update",
      tableOf(["UserPrincipalName", "Manager"], [["a@example.com", "[clear]"]]),
      dir(),
    );
    expect(cleared.row(1).action?.set).toEqual({ manager: null });
  });

  it("BlockSignIn and ForceChangePassword change status and must-change", () => {
    const { row } = planOf(
      "update",
      tableOf(
        ["UserPrincipalName", "BlockSignIn", "ForceChangePassword"],
        [
          ["a@example.com", "yes", "true"],
          ["off@example.com", "no", ""],
          ["other@example.com", "no", "no"],
        ],
      ),
      dir(),
    );
    expect(row(1).action).toMatchObject({ status: "disabled", mustChangePassword: true });
    expect(row(1).changes).toEqual([
      { field: "status", from: "active", to: "disabled" },
      { field: "mustChangePassword", from: "No", to: "Yes" },
    ]);
    expect(row(2).action).toMatchObject({ status: "active" });
    expect(row(3).outcome).toBe("skip");
  });

  it("ignores (with a warning) the columns update does not use", () => {
    const { plan, row } = planOf(
      "update",
      tableOf(
        ["UserPrincipalName", "Password", "License", "Department"],
        [["a@example.com", "secret-123", "X", "Ops"]],
      ),
      dir(),
    );
    expect(row(1).outcome).toBe("change");
    expect(plan.warnings).toContain("Columns not used by update were ignored: Password, License.");
  });
});
