import { describe, expect, it } from "vitest";
import { directoryOf, planOf, tableOf, userOf } from "./test-helpers.ts";

const dir = () =>
  directoryOf({
    users: [
      userOf("a@example.com", { mustChangePassword: false }),
      userOf("off@example.com", { status: "disabled", mustChangePassword: true }),
      userOf("gone@example.com", { status: "deleted", deletedAt: "2025-05-30T00:00:00Z" }),
    ],
  });

describe("reset-password", () => {
  it("generates when blank, uses the supplied one otherwise; force change defaults to Yes", () => {
    const { row, secrets, plan } = planOf(
      "reset-password",
      tableOf(
        ["UserPrincipalName", "Password", "ForceChangePassword"],
        [
          ["a@example.com", "", ""],
          ["off@example.com", "Another-Pass-9", "no"],
        ],
      ),
      dir(),
    );
    expect(row(1)).toMatchObject({ outcome: "change", reason: "Reset password (generated)" });
    expect(row(1).action).toEqual({
      kind: "reset-password",
      email: "a@example.com",
      mustChangePassword: true,
      generatePassword: true,
    });
    expect(row(1).changes).toEqual([
      { field: "password", from: null, to: "(generated)" },
      { field: "mustChangePassword", from: "No", to: "Yes" },
    ]);
    expect(row(2).action).toMatchObject({ suppliedPassword: true, mustChangePassword: false });
    expect(secrets.get(2)).toBe("Another-Pass-9");
    expect(JSON.stringify(plan)).not.toContain("Another-Pass-9");
  });

  it("fails short passwords, deleted and unknown users", () => {
    const { row, secrets } = planOf(
      "reset-password",
      tableOf(
        ["UserPrincipalName", "Password"],
        [
          ["a@example.com", "short"],
          ["gone@example.com", ""],
          ["nobody@example.com", ""],
        ],
      ),
      dir(),
    );
    expect(row(1).reason).toBe("Password is too short (minimum 8 characters)");
    expect(row(2).reason).toContain("deleted");
    expect(row(3).reason).toBe("User not found");
    expect(secrets.size).toBe(0);
  });
});
