import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compactRow, expandAction, expandChanges, triplesText } from "./stored-row.ts";
import type { Operation, PlanRow } from "./types.ts";

const roundTrip = (operation: Operation, row: PlanRow) => {
  const stored = compactRow(operation, row);
  const changes = expandChanges(stored.changes);
  const action = expandAction(operation, row.key, stored.action, changes);
  return { stored, row: { ...row, changes, ...(action ? { action } : {}) } };
};

it("cuts the triples' text out of the values' text: what stringifying the parsed values gives", () => {
  const reference = (fields: string[], values: (string | null)[]) =>
    JSON.stringify(fields.map((field, i) => [field, null, values[i] ?? null]));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.string(), fc.option(fc.string({ unit: "binary" }))), { maxLength: 12 }),
      (pairs) => {
        const fields = pairs.map(([field]) => field);
        const values = pairs.map(([, value]) => value);
        expect(triplesText(fields, JSON.stringify(values))).toBe(reference(fields, values));
      },
    ),
  );
  const awkward = ['a,"b",c', "back\\slash\\", 'ends with \\"', "", "[1,2]", "日本 🙂"];
  const fields = awkward.map((_, i) => `f${i}`);
  expect(triplesText(fields, JSON.stringify(awkward))).toBe(reference(fields, awkward));
  expect(triplesText(["a", "b"], "[]")).toBe('[["a",null,null],["b",null,null]]');
});

describe("plan rows at rest", () => {
  it("a create row stores its values once and loads back whole", () => {
    const row: PlanRow = {
      row: 1,
      line: 2,
      key: "jane@example.com",
      outcome: "change",
      reason: "New user",
      changes: [
        { field: "displayName", from: null, to: "Jane Doe" },
        { field: "department", from: null, to: "Sales" },
      ],
      action: {
        kind: "create",
        email: "jane@example.com",
        set: { displayName: "Jane Doe", department: "Sales" },
        generatePassword: true,
        licenses: { assign: ["M365_E3"] },
      },
    };
    const { stored, row: loaded } = roundTrip("create", row);
    expect(loaded).toEqual(row);
    expect(stored.action).not.toContain("Jane Doe");
    expect(stored.action).not.toContain("jane@example.com");
    expect(stored.changes).toBe('[["displayName",null,"Jane Doe"],["department",null,"Sales"]]');
  });

  it("keeps what differs from the row: another kind, another e-mail, a set that is not the changes", () => {
    const row: PlanRow = {
      row: 7,
      line: 9,
      key: "bob@example.com",
      outcome: "change",
      reason: "Manager changes",
      changes: [{ field: "manager", from: "a@example.com", to: "Boss@Example.com" }],
      action: {
        kind: "assign-license",
        email: "robert@example.com",
        set: { manager: "boss@example.com" },
        licenses: { assign: ["M365_E5"], remove: ["M365_E3"] },
      },
    };
    expect(roundTrip("update", row).row).toEqual(row);
  });

  it("error and skip rows have no action; rows stored as objects (older plans) still load", () => {
    const row: PlanRow = {
      row: 3,
      line: 4,
      key: "",
      outcome: "error",
      reason: "Missing e-mail",
      changes: [],
    };
    expect(roundTrip("disable", row)).toEqual({ stored: { changes: "[]", action: null }, row });
    expect(expandChanges([{ field: "department", from: "A", to: "B" }])).toEqual([
      { field: "department", from: "A", to: "B" },
    ]);
    expect(
      expandAction(
        "update",
        "x@example.com",
        { kind: "update", email: "x@example.com", set: { city: "Oslo" } },
        [],
      ),
    ).toEqual({ kind: "update", email: "x@example.com", set: { city: "Oslo" } });
  });
});
