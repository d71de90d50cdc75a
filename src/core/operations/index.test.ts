import { describe, expect, it } from "vitest";
import { FIELD_HEADERS } from "../plan-rules/fields.ts";
import { type Field, OPERATIONS, type UserStatus } from "../types.ts";
import { OPERATION_DEFINITIONS } from "./index.ts";
import { directoryOf, planOf, tableOf, userOf } from "./test-helpers.ts";

const norm = (h: string) => h.toLowerCase().replace(/[\s_-]/g, "");
const fieldOfHeader = new Map<string, Field>(
  (Object.entries(FIELD_HEADERS) as [Field, string][]).map(([f, h]) => [norm(h), f]),
);
fieldOfHeader.set("groups", "group");

describe("operation registry", () => {
  it("has one definition per operation", () => {
    expect(Object.keys(OPERATION_DEFINITIONS).sort()).toEqual([...OPERATIONS].sort());
    for (const op of OPERATIONS) {
      const def = OPERATION_DEFINITIONS[op];
      expect(def.operation).toBe(op);
      expect(def.title).not.toBe("");
      expect(def.description).not.toBe("");
    }
  });

  it.each(OPERATIONS)("%s: template columns map to used fields and include the required ones", (op) => {
    const def = OPERATION_DEFINITIONS[op];
    const fields = def.templateColumns.map((h) => fieldOfHeader.get(norm(h)));
    expect(fields).not.toContain(undefined);
    expect(new Set(fields).size).toBe(fields.length);
    for (const f of fields) expect(def.usedFields).toContain(f);
    for (const f of def.requiredFields) expect(fields).toContain(f);
    expect(def.templateExample.length).toBeGreaterThan(0);
    for (const row of def.templateExample) {
      expect(row).toHaveLength(def.templateColumns.length);
      expect(row[0]).toMatch(/@example\.com$/);
    }
  });

  it("create and update templates cover the supported columns", () => {
    for (const col of [
      "UserPrincipalName",
      "DisplayName",
      "Password",
      "FirstName",
      "LastName",
      "Department",
      "JobTitle",
      "Manager",
      "License",
      "EmployeeId",
      "Office",
      "Phone",
      "Mobile",
      "City",
      "Country",
      "UsageLocation",
      "ForceChangePassword",
      "BlockSignIn",
      "Groups",
      "Company",
      "PostalCode",
      "CustomAttribute1",
    ]) {
      expect(OPERATION_DEFINITIONS.create.templateColumns).toContain(col);
    }
    expect(OPERATION_DEFINITIONS.update.templateColumns).not.toContain("Password");
  });

  const statusFor: Partial<Record<string, UserStatus>> = { enable: "disabled", restore: "deleted" };

  it.each(OPERATIONS)("%s: the template example plans without errors", (op) => {
    const def = OPERATION_DEFINITIONS[op];
    const status = statusFor[op] ?? "active";
    const users =
      op === "create"
        ? []
        : def.templateExample.map((r) =>
            userOf(r[0]!, {
              status,
              deletedAt: status === "deleted" ? "2025-05-30T00:00:00Z" : null,
              licenses: op === "remove-license" || op === "set-service-plans" ? ["M365_E3"] : [],
              groups: op === "remove-from-group" ? ["dept-sales"] : [],
            }),
          );
    const dir = directoryOf({
      users,
      licenses: [
        {
          sku: "M365_E3",
          totalSeats: 10,
          assignedSeats: 0,
          servicePlans: ["EXCHANGE_S_ENTERPRISE", "TEAMS1", "YAMMER_ENTERPRISE", "SWAY"],
        },
        { sku: "M365_E5", totalSeats: 10, assignedSeats: 0 },
      ],
      // The demo organisation's groups (seed-demo): the templates work on it as they are.
      groups: ["dept-sales", "all-staff"],
    });
    const table = tableOf(
      [...def.templateColumns],
      def.templateExample.map((r) => [...r]),
    );
    const { plan } = planOf(op, table, dir);
    expect(plan.rows.filter((r) => r.outcome === "error")).toEqual([]);
    expect(plan.warnings).toEqual([]);
  });

  it("exposes a zod row schema", () => {
    const schema = OPERATION_DEFINITIONS.create.rowSchema;
    expect(schema.safeParse({ email: "a@example.com", displayName: "A" }).success).toBe(true);
    expect(schema.safeParse({ displayName: "A" }).success).toBe(false);
    expect(schema.safeParse({ email: "a@example.com", bogus: "x" }).success).toBe(false);
    expect(
      OPERATION_DEFINITIONS["add-to-group"].rowSchema.safeParse({ email: "a@example.com" }).success,
    ).toBe(false);
  });
});
