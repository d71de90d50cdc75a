import { describe, expect, it } from "vitest";
import { directoryOf, tableOf, userOf } from "../operations/test-helpers.ts";
import { planOperation } from "../plan.ts";
import type { Operation } from "../types.ts";
import { domainProblem, editDistance, mixedDomainWarnings, nearestDomain } from "./domains.ts";

const DOMAINS = ["example.com", "example.org"];

describe("domains", () => {
  it("counts a swap of neighbouring letters as one edit", () => {
    expect(editDistance("exmaple.com", "example.com")).toBe(1);
    expect(editDistance("example.co", "example.com")).toBe(1);
    expect(editDistance("exampel.cmo", "example.com")).toBe(2);
    expect(editDistance("gmail.com", "example.com")).toBeGreaterThan(2);
  });

  it("suggests the nearest listed domain for a near miss only", () => {
    expect(nearestDomain("exmaple.com", DOMAINS)).toBe("example.com");
    expect(nearestDomain("example.ogr", DOMAINS)).toBe("example.org");
    expect(nearestDomain("partner.net", DOMAINS)).toBeUndefined();
    expect(domainProblem("dan.ross@exmaple.com", DOMAINS)).toBe(
      "Domain exmaple.com is not one of the organisation's domains: did you mean example.com?",
    );
    expect(domainProblem("x@partner.net", DOMAINS)).toBe(
      "Domain partner.net is not one of the organisation's domains (example.com, example.org)",
    );
    expect(domainProblem("x@Example.ORG", DOMAINS)).toBeNull();
    expect(domainProblem("x@anything.io", undefined)).toBeNull();
  });

  it("warns, without a list, about a rare domain next to a common one", () => {
    const rows = [
      ...Array.from({ length: 12 }, (_, i) => ({ row: i + 1, key: `u${i}@example.com` })),
      { row: 13, key: "dan.ross@exmaple.com" },
      { row: 14, key: "contractor@partner.net" },
    ];
    expect(mixedDomainWarnings(rows)).toEqual([
      "1 row (13) uses exmaple.com while 12 rows use example.com: did you mean example.com? Set BULKUSERS_DOMAINS to refuse other domains.",
      "1 row (14) uses partner.net while 12 rows use example.com: check those addresses. Set BULKUSERS_DOMAINS to refuse other domains.",
    ]);
    // Two domains in even use are an organisation with two domains, not a typo.
    expect(
      mixedDomainWarnings([
        { row: 1, key: "a@example.com" },
        { row: 2, key: "b@partner.net" },
      ]),
    ).toEqual([]);
  });

  const plan = (operation: Operation, rows: string[][], domains?: string[]) => {
    const result = planOperation({
      operation,
      table: tableOf(["UserPrincipalName", "DisplayName"], rows),
      directory: directoryOf({ users: [userOf("old@legacy.example.net", { displayName: "Old" })] }),
      options: { passwordMinLength: 8, ...(domains ? { domains } : {}) },
    });
    if (!result.ok) throw new Error(result.refusal.message);
    return result.plan;
  };

  it("create: an address outside BULKUSERS_DOMAINS fails, naming the domain it was likely meant to be", () => {
    const p = plan(
      "create",
      [
        ["dan.ross@exmaple.com", "Dan"],
        ["eve@example.com", "Eve"],
      ],
      DOMAINS,
    );
    expect(p.rows.map((r) => [r.outcome, r.reason])).toEqual([
      ["error", "Domain exmaple.com is not one of the organisation's domains: did you mean example.com?"],
      ["change", "Create user"],
    ]);
    expect(plan("create", [["dan.ross@exmaple.com", "Dan"]]).rows[0]!.outcome).toBe("change");
  });

  it("update: an unknown user in another domain says so; existing users in old domains still update", () => {
    const p = plan(
      "update",
      [
        ["dan.ross@exmaple.com", "Dan"],
        ["old@legacy.example.net", "Old Name"],
      ],
      DOMAINS,
    );
    expect(p.rows.map((r) => [r.outcome, r.reason])).toEqual([
      [
        "error",
        "User not found: Domain exmaple.com is not one of the organisation's domains: did you mean example.com?",
      ],
      ["change", expect.any(String)],
    ]);
  });
});
