import { describe, expect, it } from "vitest";
import { directoryOf, planOf, tableOf, userOf } from "./test-helpers.ts";

const H = ["UserPrincipalName", "DisplayName", "FirstName", "LastName", "Name", "Department", "Password"];

describe("create", () => {
  it("plans a new user with every non-blank field as a change from null", () => {
    const { row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Department", "JobTitle", "UsageLocation", "PostalCode"],
        [["Jane.Doe@Example.com", "Jane Doe", "Sales", "", "gb", "02134"]],
      ),
    );
    const r = row(1);
    expect(r).toMatchObject({ outcome: "change", key: "jane.doe@example.com", reason: "Create user" });
    expect(r.changes).toEqual([
      { field: "email", from: null, to: "jane.doe@example.com" },
      { field: "displayName", from: null, to: "Jane Doe" },
      { field: "department", from: null, to: "Sales" },
      { field: "usageLocation", from: null, to: "GB" },
      { field: "postalCode", from: null, to: "02134" },
    ]);
    expect(r.action).toEqual({
      kind: "create",
      email: "jane.doe@example.com",
      set: {
        email: "jane.doe@example.com",
        displayName: "Jane Doe",
        department: "Sales",
        usageLocation: "GB",
        postalCode: "02134",
      },
      status: "active",
      mustChangePassword: true,
      generatePassword: true,
    });
  });

  it("derives DisplayName from FirstName LastName, else from Name; fails when it cannot", () => {
    const { row } = planOf(
      "create",
      tableOf(H, [
        ["a@example.com", "", "Ada", "Lovelace", "", "", ""],
        ["b@example.com", "", "Bob", "", "", "", ""],
        ["c@example.com", "", "", "", "cgray", "", ""],
        ["d@example.com", "", "", "", "", "Sales", ""],
        ["e@example.com", "Given Name", "Eve", "X", "", "", ""],
      ]),
    );
    expect(row(1).action?.set?.displayName).toBe("Ada Lovelace");
    expect(row(2).action?.set?.displayName).toBe("Bob");
    expect(row(3).action?.set?.displayName).toBe("cgray");
    expect(row(4).outcome).toBe("error");
    expect(row(4).reason).toMatch(/^DisplayName is required/);
    expect(row(5).action?.set?.displayName).toBe("Given Name");
  });

  it("fails a supplied password shorter than the minimum, accepts one at the minimum", () => {
    const { row, secrets } = planOf(
      "create",
      tableOf(H, [
        ["a@example.com", "A", "", "", "", "", "1234567"],
        ["b@example.com", "B", "", "", "", "", "12345678"],
      ]),
    );
    expect(row(1)).toMatchObject({
      outcome: "error",
      reason: "Password is too short (minimum 8 characters)",
    });
    expect(row(2).action).toMatchObject({ suppliedPassword: true, mustChangePassword: true });
    expect(row(2).changes).toContainEqual({ field: "password", from: null, to: "(from file)" });
    expect(secrets.get(2)).toBe("12345678");
  });

  it("reads a masked password (Google's ****) as none given: generated, and an existing user still says use update", () => {
    const { row, secrets } = planOf(
      "create",
      tableOf(H, [
        ["a@example.com", "A", "", "", "", "", "****"],
        ["b@example.com", "B", "", "", "", "", "********"],
        ["taken@example.com", "Someone Else", "", "", "", "", "****"],
      ]),
      directoryOf({ users: [userOf("taken@example.com", { displayName: "Taken" })] }),
    );
    expect(row(1).action).toMatchObject({ generatePassword: true });
    expect(row(1).action?.suppliedPassword).toBeUndefined();
    expect(row(1).changes).toContainEqual({
      field: "password",
      from: null,
      to: "(generated: the file's value is masked)",
    });
    expect(row(2).outcome).toBe("change");
    expect(row(3)).toMatchObject({
      outcome: "error",
      reason: expect.stringMatching(/already exists.*use update/),
    });
    expect(secrets.size).toBe(0);
  });

  it("BlockSignIn = Yes creates the user disabled; ForceChangePassword = No is honoured", () => {
    const { row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "BlockSignIn", "ForceChangePassword"],
        [["a@example.com", "A", "Yes", "No"]],
      ),
    );
    expect(row(1)).toMatchObject({ reason: "Create user (sign-in blocked)" });
    expect(row(1).action).toMatchObject({ status: "disabled", mustChangePassword: false });
    expect(row(1).changes.slice(2)).toEqual([
      { field: "status", from: null, to: "disabled" },
      { field: "mustChangePassword", from: null, to: "No" },
    ]);
  });

  it("skips an existing user whose given values are all equal, and errors when they differ", () => {
    const dir = directoryOf({
      users: [
        userOf("a@example.com", {
          displayName: "A",
          department: "Sales",
          manager: "boss@example.com",
          licenses: ["M365_E3"],
          groups: ["Sales"],
        }),
        userOf("boss@example.com"),
        userOf("b@example.com", { displayName: "B", department: "Sales" }),
      ],
      licenses: [{ sku: "M365_E3", totalSeats: 10, assignedSeats: 1 }],
      groups: ["Sales"],
    });
    const { row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Department", "Manager", "Password", "License", "Groups"],
        [
          ["a@example.com", "A", "Sales", "Boss@example.com", "whatever-123", "m365_e3", "sales"],
          ["b@example.com", "", "Marketing", "", "", "", ""],
          ["c@example.com", "", "", "", "", "", ""],
        ],
      ),
      dir,
    );
    expect(row(1)).toMatchObject({ outcome: "skip", reason: "User already exists with the same values" });
    expect(row(2).outcome).toBe("error");
    expect(row(2).reason).toContain("already exists; use update");
    expect(row(2).reason).toContain("Department");
  });

  it("refuses to reuse the address of a deleted user", () => {
    const dir = directoryOf({
      users: [userOf("a@example.com", { status: "deleted", deletedAt: "2025-05-01T00:00:00Z" })],
    });
    const { row } = planOf(
      "create",
      tableOf(["UserPrincipalName", "DisplayName"], [["a@example.com", "A"]]),
      dir,
    );
    expect(row(1).outcome).toBe("error");
    expect(row(1).reason).toMatch(/deleted user; restore it first/);
  });

  it("assigns licenses and groups at creation; unknown ones fail the row", () => {
    const dir = directoryOf({
      licenses: [
        { sku: "M365_E3", totalSeats: 5, assignedSeats: 0 },
        { sku: "VISIO", totalSeats: 5, assignedSeats: 0 },
      ],
      groups: ["Sales", "All Staff"],
    });
    const { row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "License", "Groups"],
        [
          ["a@example.com", "A", "M365_E3 + visio", "Sales; all staff"],
          ["b@example.com", "B", "M365_E9", ""],
          ["c@example.com", "C", "", "Nope"],
        ],
      ),
      dir,
    );
    expect(row(1).action).toMatchObject({
      licenses: { assign: ["M365_E3", "VISIO"] },
      groups: { add: ["Sales", "All Staff"] },
    });
    expect(row(1).changes).toContainEqual({ field: "licenses", from: null, to: "M365_E3; VISIO" });
    expect(row(1).changes).toContainEqual({ field: "groups", from: null, to: "Sales; All Staff" });
    expect(row(2).reason).toBe("License 'M365_E9' does not exist (known: M365_E3, VISIO)");
    expect(row(3).reason).toBe("Group 'Nope' does not exist; create it with `npx bulkusers group add Nope`");
  });

  it("treats the clear token as blank and validates UsageLocation", () => {
    const { row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Department", "UsageLocation"],
        [
          ["a@example.com", "A", "[CLEAR]", ""],
          ["b@example.com", "B", "", "USA"],
        ],
      ),
    );
    expect(row(1).action?.set?.department).toBeUndefined();
    expect(row(2).reason).toBe(
      "UsageLocation 'USA' is not a two-letter country code (for example US, GB, DE)",
    );
  });

  it("combines several row problems in one reason", () => {
    const { row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Password", "BlockSignIn"],
        [["a@example.com", "A", "x", "perhaps"]],
      ),
    );
    expect(row(1).reason).toBe(
      "'perhaps' in column 'BlockSignIn' is not a yes/no value (use Yes, No, True, False, 1 or 0); Password is too short (minimum 8 characters)",
    );
  });
});
