import { describe, expect, it } from "vitest";
import { type Filter, formatFilter, matchesFilter, parseFilter } from "./filter.ts";
import { userOf } from "./operations/test-helpers.ts";

const NOW = "2025-06-01T00:00:00.000Z";
const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(Date.parse(NOW) - d * DAY).toISOString();

function parse(expr: string): Filter {
  const r = parseFilter(expr);
  if (!r.ok) throw new Error(r.refusal.message);
  return r.filter;
}

function refusal(expr: string) {
  const r = parseFilter(expr);
  if (r.ok) throw new Error(`parsed: ${expr}`);
  return r.refusal;
}

const jane = userOf("jane.doe@contoso.com", {
  displayName: "Jane Doe",
  department: "Sales",
  jobTitle: "Account Executive",
  manager: "boss@contoso.com",
  groups: ["Engineering", "All Staff"],
  licenses: ["M365_E5"],
  lastLoginAt: daysAgo(10),
});
const john = userOf("john@fabrikam.com", {
  displayName: "John Smith",
  department: "Marketing",
  jobTitle: "Account Manager",
  status: "disabled",
  lastLoginAt: daysAgo(200),
});
const never = userOf("new@contoso.com", {
  displayName: "Newbie",
  createdAt: daysAgo(100),
  lastLoginAt: null,
});
const fresh = userOf("fresh@contoso.com", { displayName: "Fresh", createdAt: daysAgo(5), lastLoginAt: null });
const all = [jane, john, never, fresh];

const select = (expr: string) => all.filter((u) => matchesFilter(parse(expr), u, NOW)).map((u) => u.email);

describe("parseFilter", () => {
  it("parses terms into an AST: different keys ANDed, same key ORed, negations apart", () => {
    expect(parse('department:Sales title:"Account Executive" department:marketing -status:deleted')).toEqual({
      clauses: [
        {
          key: "department",
          negate: false,
          anyOf: [
            { key: "department", match: { op: "equals", value: "sales" } },
            { key: "department", match: { op: "equals", value: "marketing" } },
          ],
        },
        {
          key: "title",
          negate: false,
          anyOf: [{ key: "title", match: { op: "equals", value: "account executive" } }],
        },
        { key: "status", negate: true, anyOf: [{ key: "status", status: "deleted" }] },
      ],
    });
  });

  it("parses durations, globs, substrings and | alternatives", () => {
    expect(parse("inactive:>90d inactive:6m inactive:>1y inactive:>2w").clauses[0]!.anyOf).toEqual([
      { key: "inactive", days: 90 },
      { key: "inactive", days: 180 },
      { key: "inactive", days: 365 },
      { key: "inactive", days: 14 },
    ]);
    expect(parse("email:*@Contoso.com").clauses[0]!.anyOf[0]).toEqual({
      key: "email",
      match: { op: "glob", pattern: "*@contoso.com" },
    });
    expect(parse("name:John").clauses[0]!.anyOf[0]).toEqual({
      key: "name",
      match: { op: "contains", value: "john" },
    });
    expect(parse("status:active|disabled").clauses[0]!.anyOf).toHaveLength(2);
  });

  it("accepts an empty expression (matches everyone)", () => {
    expect(parse("  ")).toEqual({ clauses: [] });
    expect(select("")).toHaveLength(4);
  });

  it("refuses bad terms with filter.invalid, naming the term and what is allowed", () => {
    expect(refusal("colour:red")).toEqual({
      code: "filter.invalid",
      message: expect.stringContaining("Unknown filter 'colour' in 'colour:red'"),
    });
    expect(refusal("colour:red").message).toContain("department:");
    expect(refusal("Sales").message).toContain("'Sales' is not a filter term");
    expect(refusal("status:gone").message).toBe(
      "In 'status:gone': status is active, disabled or deleted (got 'gone')",
    );
    expect(refusal("inactive:soon").message).toContain("inactive needs a duration such as >90d, >6m or >1y");
    expect(refusal('title:"Account').message).toContain("Unterminated quote");
    expect(refusal("department:").message).toContain("has an empty value");
    expect(refusal("status:active|").message).toContain("has an empty value");
  });

  it("formats back to an equivalent expression", () => {
    const f = parse('department:Sales title:"Account Executive" -status:deleted inactive:>1y email:*@x.com');
    expect(formatFilter(f)).toBe(
      'department:sales title:"account executive" -status:deleted inactive:>365d email:*@x.com',
    );
    expect(parse(formatFilter(f))).toEqual(f);
  });
});

describe("matchesFilter", () => {
  it("matches exact values case-insensitively and ANDs different keys", () => {
    expect(select("department:sales")).toEqual(["jane.doe@contoso.com"]);
    expect(select('title:"account executive" department:Sales')).toEqual(["jane.doe@contoso.com"]);
    expect(select("department:Sales title:Other")).toEqual([]);
    expect(select("title:Account")).toEqual([]);
  });

  it("ORs a repeated key", () => {
    expect(select("department:Sales department:Marketing")).toEqual([
      "jane.doe@contoso.com",
      "john@fabrikam.com",
    ]);
  });

  it("negates: -key:value excludes, and null values are not excluded", () => {
    expect(select("-department:Sales")).toEqual([
      "john@fabrikam.com",
      "new@contoso.com",
      "fresh@contoso.com",
    ]);
    expect(select("-status:disabled -email:new@contoso.com")).toEqual([
      "jane.doe@contoso.com",
      "fresh@contoso.com",
    ]);
  });

  it("status, group, license, manager, email glob, name substring", () => {
    expect(select("status:disabled")).toEqual(["john@fabrikam.com"]);
    expect(select("group:engineering")).toEqual(["jane.doe@contoso.com"]);
    expect(select("license:m365_e5")).toEqual(["jane.doe@contoso.com"]);
    expect(select("manager:BOSS@contoso.com")).toEqual(["jane.doe@contoso.com"]);
    expect(select("email:*@contoso.com")).toEqual([
      "jane.doe@contoso.com",
      "new@contoso.com",
      "fresh@contoso.com",
    ]);
    expect(select("email:j???@*")).toEqual(["john@fabrikam.com"]);
    expect(select("name:SMITH")).toEqual(["john@fabrikam.com"]);
    expect(select("title:account*")).toEqual(["jane.doe@contoso.com", "john@fabrikam.com"]);
  });

  it("inactive counts from the last sign-in, or from creation for users who never signed in", () => {
    expect(select("inactive:>90d")).toEqual(["john@fabrikam.com", "new@contoso.com"]);
    expect(select("inactive:>6m")).toEqual(["john@fabrikam.com"]);
    expect(select("inactive:>1y")).toEqual([]);
    expect(select("inactive:>7d -status:disabled")).toEqual(["jane.doe@contoso.com", "new@contoso.com"]);
  });

  it("quoted values keep | and spaces literally", () => {
    const odd = userOf("odd@contoso.com", { department: "R|D Lab" });
    expect(matchesFilter(parse('department:"R|D Lab"'), odd, NOW)).toBe(true);
    expect(matchesFilter(parse("department:R|D"), odd, NOW)).toBe(false);
  });
});
