import { describe, expect, it } from "vitest";
import { directoryOf, planOf, tableOf, userOf } from "./test-helpers.ts";

const PLANS = ["EXCHANGE_S_ENTERPRISE", "TEAMS1", "YAMMER_ENTERPRISE", "SWAY"];

function plan(rows: string[][], disabled: string[] = []) {
  const dir = directoryOf({
    users: [userOf("ada@example.com", { licenses: ["M365_E3"], disabledPlans: { M365_E3: disabled } })],
    licenses: [{ sku: "M365_E3", totalSeats: 5, assignedSeats: 1, servicePlans: PLANS }],
  });
  const table = tableOf(
    ["UserPrincipalName", "License", "DisabledPlans", "EnablePlans", "DisablePlans"],
    rows,
  );
  return planOf("set-service-plans", table, dir).plan.rows.map((r) => [r.outcome, r.reason]);
}

describe("set-service-plans", () => {
  it("turns the named plans off and on, in the license's order", () => {
    expect(plan([["ada@example.com", "m365_e3", "", "sway", "teams1;yammer_enterprise"]], ["SWAY"])).toEqual([
      ["change", "M365_E3: disable TEAMS1, YAMMER_ENTERPRISE; enable SWAY"],
    ]);
  });

  it("skips a row that asks for what already holds", () => {
    expect(plan([["ada@example.com", "M365_E3", "SWAY", "", ""]], ["SWAY"])).toEqual([
      ["skip", "M365_E3 plans already so (disabled: SWAY)"],
    ]);
    expect(plan([["ada@example.com", "M365_E3", "", "TEAMS1", ""]], [])).toEqual([
      ["skip", "M365_E3 plans already so (disabled: none)"],
    ]);
  });

  it("refuses unclear or impossible rows with a reason", () => {
    expect(
      plan([
        ["ada@example.com", "M365_E3", "SWAY", "TEAMS1", ""],
        ["ada@example.com", "M365_E3", "", "", ""],
      ]).map((r) => r[1]),
    ).toEqual(["Give either DisabledPlans or EnablePlans / DisablePlans, not both", "Duplicate of row 1"]);
    expect(plan([["ada@example.com", "M365_E3", "", "", ""]])[0]![1]).toBe(
      "Nothing to change: give DisabledPlans, EnablePlans or DisablePlans",
    );
    expect(plan([["ada@example.com", "M365_E3", "", "TEAMS1", "TEAMS1"]])[0]![1]).toBe(
      "TEAMS1 cannot be both enabled and disabled",
    );
    expect(plan([["ada@example.com", "M365_E3", PLANS.join(";"), "", ""]])[0]![1]).toBe(
      "Every service plan of M365_E3 would be disabled; remove the license instead",
    );
    expect(plan([["ada@example.com", "M365_E3", "KAIZALA", "", ""]])[0]![1]).toBe(
      "Unknown service plan 'KAIZALA' for M365_E3 (its plans: EXCHANGE_S_ENTERPRISE, TEAMS1, YAMMER_ENTERPRISE, SWAY)",
    );
  });
});
