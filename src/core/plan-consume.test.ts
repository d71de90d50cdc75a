// Planning in bounded memory (PlanInput.consume): the same plan, row for row and byte for byte, as
// planning with the whole table and plain rows — whatever the file — and the records are let go.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { directoryOf, tableOf, userOf } from "./operations/test-helpers.ts";
import { planOperation } from "./plan.ts";
import { CompactPlanRow, compactRow } from "./stored-row.ts";
import type { Operation } from "./types.ts";

const email = (i: number) => `u${i}@example.com`;

const directory = directoryOf({
  users: [
    userOf(email(0), { department: "Sales", jobTitle: "Rep" }),
    userOf(email(1), { manager: email(0), department: "HR" }),
    userOf(email(2), { status: "disabled" }),
    userOf(email(3), { licenses: ["E3"] }),
  ],
  licenses: [
    { sku: "E3", totalSeats: 3, assignedSeats: 1 },
    { sku: "E5", totalSeats: 1, assignedSeats: 0 },
  ],
  groups: ["Staff"],
});

/** A cell for each column: mostly sensible values, some blank, bad or repeated ones. */
const key = fc.oneof(
  fc.nat({ max: 9 }).map(email),
  fc.constantFrom("", "not-an-address", "=HYPERLINK(1)", "U0@EXAMPLE.COM"),
);
const manager = fc.oneof(fc.nat({ max: 9 }).map(email), fc.constantFrom("", "[clear]", "nobody@example.com"));
const text = fc.constantFrom("", "Sales", "Finance", "[clear]", "=1+1", "Rep", "Zoë Ångström");
const license = fc.constantFrom("", "E3", "E5", "E3;E5", "NOPE");
const password = fc.constantFrom("", "short", "Correct-Horse-9");

const cases: Array<{ operation: Operation; header: string[]; cells: fc.Arbitrary<string>[] }> = [
  {
    operation: "create",
    header: ["UserPrincipalName", "DisplayName", "Department", "Manager", "Password", "License"],
    cells: [key, text.map((t) => t || "Name"), text, manager, password, license],
  },
  {
    operation: "update",
    header: ["UserPrincipalName", "Department", "JobTitle", "Manager"],
    cells: [key, text, text, manager],
  },
  { operation: "disable", header: ["UserPrincipalName"], cells: [key] },
  { operation: "assign-license", header: ["UserPrincipalName", "License"], cells: [key, license] },
  {
    operation: "add-to-group",
    header: ["UserPrincipalName", "Group"],
    cells: [key, fc.constantFrom("", "Staff", "Nope")],
  },
  { operation: "reset-password", header: ["UserPrincipalName", "Password"], cells: [key, password] },
];

describe("planning in stored form (consume)", () => {
  for (const { operation, header, cells } of cases) {
    it(`${operation}: the same plan and secrets as planning with plain rows`, () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(...cells), { maxLength: 14 }), (rows) => {
          const plain = planOperation({
            operation,
            table: tableOf(header, rows),
            directory,
            options: { passwordMinLength: 8 },
          });
          const table = tableOf(header, rows);
          const consumed = planOperation({
            operation,
            table,
            directory,
            options: { passwordMinLength: 8 },
            consume: true,
          });
          expect(JSON.stringify(consumed)).toBe(JSON.stringify(plain));
          if (!plain.ok || !consumed.ok) return;
          expect(consumed.secrets).toEqual(plain.secrets);
          // Every change row is held in stored form, and stores exactly as the plain row would.
          consumed.plan.rows.forEach((row, i) => {
            expect(row instanceof CompactPlanRow).toBe(row.outcome === "change");
            expect(compactRow(operation, row)).toEqual(compactRow(operation, plain.plan.rows[i]!));
            expect(row.changes).toEqual(plain.plan.rows[i]!.changes);
            expect(row.action).toEqual(plain.plan.rows[i]!.action);
          });
          // The records were handed over: none is left in the table.
          expect(table.records.every((r) => r === undefined)).toBe(true);
        }),
        { numRuns: 150 },
      );
    });
  }
});
