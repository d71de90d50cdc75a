import { describe, expect, it } from "vitest";
import { tableOf } from "../operations/test-helpers.ts";
import { planRows, planWarnings } from "./rows-and-warnings.ts";
import { change, draftsOf } from "./test-helpers.ts";

describe("planRows", () => {
  it("turns drafts into rows with the summary; supplied passwords go to secrets, never into rows", () => {
    const { rows, summary, secrets } = planRows(
      draftsOf([
        ["a@x.com", { ...change("a@x.com"), password: "Secret-123!" }],
        ["b@x.com", { outcome: "skip", reason: "same" }],
        ["", { outcome: "error", reason: "UserPrincipalName is required" }],
      ]),
    );
    expect(summary).toEqual({ change: 1, skip: 1, error: 1 });
    expect([...secrets]).toEqual([[1, "Secret-123!"]]);
    expect(JSON.stringify(rows)).not.toContain("Secret-123!");
    expect(rows.map((r) => [r.row, r.line, r.key, r.outcome, r.changes.length, r.action?.kind])).toEqual([
      [1, 2, "a@x.com", "change", 0, "create"],
      [2, 3, "b@x.com", "skip", 0, undefined],
      [3, 4, "", "error", 0, undefined],
    ]);
  });
});

describe("planWarnings", () => {
  it("keeps the reader's warnings, then names the mapped columns the operation ignores", () => {
    const table = tableOf(["UserPrincipalName", "Department", "Office", "Nickname"], []);
    expect(planWarnings(table, "disable", ["email"], 0)).toEqual([
      "Column 'Nickname' is not recognised and was ignored.",
      "Columns not used by disable were ignored: Department, Office.",
    ]);
    expect(planWarnings(table, "update", ["email", "department"], 0)).toEqual([
      "Column 'Nickname' is not recognised and was ignored.",
      "Column not used by update was ignored: Office.",
    ]);
  });

  it("counts managers written as AD distinguished names", () => {
    const table = tableOf(["UserPrincipalName"], []);
    expect(planWarnings(table, "update", ["email"], 2)).toEqual([
      "2 rows have a manager written as an AD distinguished name (CN=…); write the manager's e-mail address instead.",
    ]);
  });
});
