import { describe, expect, it } from "vitest";
import { directoryOf, planOf, tableOf, userOf } from "./operations/test-helpers.ts";
import { planOperation } from "./plan.ts";
import type { CsvTable } from "./types.ts";

const opts = { passwordMinLength: 8 };

describe("file-level refusals", () => {
  it("refuses a create file without an e-mail column, naming the accepted headers", () => {
    const result = planOperation({
      operation: "create",
      table: tableOf(["DisplayName"], [["Jane"]]),
      directory: directoryOf(),
      options: opts,
    });
    expect(result).toEqual({
      ok: false,
      refusal: {
        code: "csv.missing_column",
        message:
          "The file has no e-mail column. Add a column named UserPrincipalName (or Email, EmailAddress, User Name).",
      },
    });
  });

  it("refuses add-to-group without a group column and assign-license without a license column", () => {
    const table = tableOf(["UserPrincipalName"], [["a@example.com"]]);
    const g = planOperation({ operation: "add-to-group", table, directory: directoryOf(), options: opts });
    expect(g.ok ? null : g.refusal.message).toMatch(/no group column.*Group/);
    const l = planOperation({ operation: "assign-license", table, directory: directoryOf(), options: opts });
    expect(l.ok ? null : l.refusal.code).toBe("csv.missing_column");
    expect(l.ok ? null : l.refusal.message).toMatch(/no license column.*License/);
  });
});

describe("keys", () => {
  const dir = directoryOf({ users: [userOf("jane@example.com")] });

  it("trims and lower-cases the key", () => {
    const { row } = planOf("disable", tableOf(["Email"], [["  Jane@Example.COM "]]), dir);
    expect(row(1)).toMatchObject({ key: "jane@example.com", outcome: "change" });
  });

  it("fails a blank key and an invalid key with clear reasons", () => {
    const { row } = planOf(
      "disable",
      tableOf(
        ["UserPrincipalName", "Department"],
        [
          ["", "x"],
          ["abc", ""],
        ],
      ),
      dir,
    );
    expect(row(1)).toMatchObject({ outcome: "error", reason: "UserPrincipalName is required", key: "" });
    expect(row(2)).toMatchObject({ outcome: "error", reason: "'abc' is not a valid e-mail address" });
  });

  it.each([
    "a@b",
    "a b@example.com",
    "a@@example.com",
    ".a@example.com",
    "a..b@example.com",
    "a@-x.com",
    "a@example.c",
  ])("rejects %s", (email) => {
    const { row } = planOf("disable", tableOf(["UserPrincipalName"], [[email]]), dir);
    expect(row(1).reason).toBe(`'${email}' is not a valid e-mail address`);
  });

  it("keeps the first occurrence of a repeated key and fails the later ones (case-insensitively)", () => {
    const { row, plan } = planOf(
      "disable",
      tableOf(["UserPrincipalName"], [["jane@example.com"], ["x@example.com"], ["JANE@example.com"]]),
      dir,
    );
    expect(row(1).outcome).toBe("change");
    expect(row(3)).toMatchObject({ outcome: "error", reason: "Duplicate of row 1" });
    expect(plan.summary).toEqual({ change: 1, skip: 0, error: 2 });
  });

  it("the first occurrence wins even when it fails", () => {
    const { row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Password"],
        [
          ["new@example.com", "New", "short"],
          ["new@example.com", "New", ""],
        ],
      ),
    );
    expect(row(1).reason).toMatch(/too short/);
    expect(row(2).reason).toBe("Duplicate of row 1");
  });
});

describe("cells", () => {
  it("fails a row with extra non-empty values", () => {
    const { row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName"],
        [
          ["a@example.com", "A", "Sales", "x"],
          ["b@example.com", "B"],
        ],
      ),
    );
    expect(row(1).outcome).toBe("error");
    expect(row(1).reason).toMatch(/^Row has 2 more values than the header/);
    expect(row(2).outcome).toBe("change");
  });

  it("fails values that look like spreadsheet formulas, = and @, even after TAB/CR", () => {
    const table = tableOf(
      ["UserPrincipalName", "DisplayName", "Department"],
      [
        ["a@example.com", "A", '=HYPERLINK("x")'],
        ["b@example.com", "@SUM(1)", ""],
        ["c@example.com", "C", "x"],
      ],
    );
    const third = table.records[2]!;
    third.values.department = "\t=1+1";
    const { row } = planOf("create", table);
    expect(row(1)).toMatchObject({ outcome: "error" });
    expect(row(1).reason).toContain("looks like a spreadsheet formula");
    expect(row(1).reason).toContain("'Department'");
    expect(row(2).reason).toContain("looks like a spreadsheet formula");
    expect(row(3).reason).toContain("looks like a spreadsheet formula");
  });

  it("allows + and - starts (phone numbers, negative numbers) and formula-like passwords", () => {
    const { row, secrets } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Phone", "Mobile", "Department", "Password"],
        [["a@example.com", "A", "+44 20 7946 0000", "-123", "-Sales-", "=Secret-Pass1"]],
      ),
    );
    expect(row(1).outcome).toBe("change");
    expect(row(1).action?.set?.phone).toBe("+44 20 7946 0000");
    expect(secrets.get(1)).toBe("=Secret-Pass1");
  });

  it("ignores formula-looking values in columns the operation does not use", () => {
    const dir = directoryOf({ users: [userOf("a@example.com")] });
    const { row, plan } = planOf(
      "disable",
      tableOf(["UserPrincipalName", "Department"], [["a@example.com", "=x"]]),
      dir,
    );
    expect(row(1).outcome).toBe("change");
    expect(plan.warnings).toContain("Column not used by disable was ignored: Department.");
  });

  it("parses booleans in any case and fails anything else naming the column", () => {
    const { row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Block sign in (Yes/No)", "ForceChangePassword"],
        [
          ["a@example.com", "A", "YES", "n"],
          ["b@example.com", "B", "false", "True"],
          ["c@example.com", "C", "1", "0"],
          ["d@example.com", "D", "y", "maybe"],
        ],
      ),
    );
    expect(row(1).action).toMatchObject({ status: "disabled", mustChangePassword: false });
    expect(row(2).action).toMatchObject({ status: "active", mustChangePassword: true });
    expect(row(3).action).toMatchObject({ status: "disabled", mustChangePassword: false });
    expect(row(4)).toMatchObject({ outcome: "error" });
    expect(row(4).reason).toContain("'maybe' in column 'ForceChangePassword' is not a yes/no value");
  });
});

describe("plan shape", () => {
  it("keeps file order, line numbers, header, table warnings; summary counts", () => {
    const dir = directoryOf({
      users: [userOf("a@example.com"), userOf("b@example.com", { status: "disabled" })],
    });
    const table: CsvTable = tableOf(
      ["UserPrincipalName", "Nickname"],
      [
        ["a@example.com", "x"],
        ["b@example.com", "y"],
        ["c@example.com", "z"],
      ],
    );
    table.records[1]!.line = 7;
    const { plan } = planOf("disable", table, dir);
    expect(plan.operation).toBe("disable");
    expect(plan.header).toEqual(["UserPrincipalName", "Nickname"]);
    expect(plan.rows.map((r) => [r.row, r.line, r.outcome])).toEqual([
      [1, 2, "change"],
      [2, 7, "skip"],
      [3, 4, "error"],
    ]);
    expect(plan.summary).toEqual({ change: 1, skip: 1, error: 1 });
    expect(plan.executionOrder).toEqual([1]);
    expect(plan.warnings).toEqual(["Column 'Nickname' is not recognised and was ignored."]);
  });

  it("never puts supplied passwords in the plan; secrets hold them for change rows only", () => {
    const { plan, secrets, row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Password", "Department"],
        [
          ["a@example.com", "A", "Correct-Horse-1", ""],
          ["b@example.com", "B", "", ""],
          ["c@example.com", "C", "Battery-Staple-2", "=bad"],
        ],
      ),
    );
    expect(JSON.stringify(plan)).not.toContain("Correct-Horse-1");
    expect(JSON.stringify(plan)).not.toContain("Battery-Staple-2");
    expect([...secrets]).toEqual([[1, "Correct-Horse-1"]]);
    expect(row(1).action).toMatchObject({ suppliedPassword: true });
    expect(row(1).action?.generatePassword).toBeUndefined();
    expect(row(2).action).toMatchObject({ generatePassword: true });
  });

  it("warns about AD distinguished-name managers and fails those rows", () => {
    const { plan, row } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Manager"],
        [
          ["a@example.com", "A", "CN=Jane Doe,OU=Staff,DC=example,DC=com"],
          ["b@example.com", "B", "CN=John,DC=example,DC=com"],
        ],
      ),
    );
    expect(row(1).reason).toContain("distinguished name");
    expect(plan.warnings).toContain(
      "2 rows have a manager written as an AD distinguished name (CN=…); write the manager's e-mail address instead.",
    );
  });
});

describe("managers in a create file", () => {
  const header = ["UserPrincipalName", "DisplayName", "Manager"];

  it("accepts a manager created later in the file and executes it first", () => {
    const { plan } = planOf(
      "create",
      tableOf(header, [
        ["c@example.com", "C", "b@example.com"],
        ["x@example.com", "X", ""],
        ["b@example.com", "B", "a@example.com"],
        ["a@example.com", "A", ""],
      ]),
    );
    expect(plan.summary).toEqual({ change: 4, skip: 0, error: 0 });
    expect(plan.executionOrder).toEqual([4, 3, 1, 2]);
  });

  it("keeps file order when managers come first, and accepts existing managers", () => {
    const dir = directoryOf({ users: [userOf("boss@example.com")] });
    const { plan, row } = planOf(
      "create",
      tableOf(header, [
        ["a@example.com", "A", "boss@example.com"],
        ["b@example.com", "B", "a@example.com"],
        ["c@example.com", "C", "BOSS@example.com"],
      ]),
      dir,
    );
    expect(plan.executionOrder).toEqual([1, 2, 3]);
    expect(row(3).action?.set?.manager).toBe("boss@example.com");
  });

  it("fails an unknown manager, a deleted manager, and a self-reference", () => {
    const dir = directoryOf({
      users: [userOf("gone@example.com", { status: "deleted", deletedAt: "2025-05-30T00:00:00Z" })],
    });
    const { row } = planOf(
      "create",
      tableOf(header, [
        ["a@example.com", "A", "nobody@example.com"],
        ["b@example.com", "B", "gone@example.com"],
        ["c@example.com", "C", "C@example.com"],
      ]),
      dir,
    );
    expect(row(1).reason).toBe(
      "Manager nobody@example.com does not exist (not in the directory and not created by this file)",
    );
    expect(row(2).reason).toBe("Manager gone@example.com is deleted");
    expect(row(3).reason).toBe("A user cannot be their own manager");
  });

  it("fails a 2-cycle and a 3-cycle, and rows that depend on them", () => {
    const { row, plan } = planOf(
      "create",
      tableOf(header, [
        ["a@example.com", "A", "b@example.com"],
        ["b@example.com", "B", "a@example.com"],
        ["c@example.com", "C", "d@example.com"],
        ["d@example.com", "D", "e@example.com"],
        ["e@example.com", "E", "c@example.com"],
        ["f@example.com", "F", "e@example.com"],
        ["g@example.com", "G", ""],
      ]),
    );
    expect(row(1).reason).toBe("Reporting cycle in this file: a@example.com → b@example.com → a@example.com");
    expect(row(2).outcome).toBe("error");
    for (const n of [3, 4, 5]) {
      expect(row(n).reason).toMatch(
        /^Reporting cycle in this file: .*c@example\.com.*d@example\.com.*e@example\.com/,
      );
    }
    expect(row(6).reason).toBe("Manager e@example.com is not created: row 5 failed");
    expect(plan.executionOrder).toEqual([7]);
  });

  it("fails rows whose manager row failed, transitively, whatever the order", () => {
    const { row, plan } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Manager", "Password"],
        [
          ["c@example.com", "C", "b@example.com", ""],
          ["b@example.com", "B", "a@example.com", ""],
          ["a@example.com", "A", "", "short"],
          ["d@example.com", "D", "", ""],
        ],
      ),
    );
    expect(row(3).reason).toBe("Password is too short (minimum 8 characters)");
    expect(row(2).reason).toBe("Manager a@example.com is not created: row 3 failed");
    expect(row(1).reason).toBe("Manager b@example.com is not created: row 2 failed");
    expect(plan.executionOrder).toEqual([4]);
  });

  it("a duplicate row does not create a manager: the first occurrence is the one depended on", () => {
    const { row } = planOf(
      "create",
      tableOf(header, [
        ["a@example.com", "", ""],
        ["b@example.com", "B", "a@example.com"],
        ["a@example.com", "A", ""],
      ]),
    );
    expect(row(1).outcome).toBe("error");
    expect(row(3).reason).toBe("Duplicate of row 1");
    expect(row(2).reason).toBe("Manager a@example.com is not created: row 1 failed");
  });

  it("handles a 20,000-deep reporting chain written bottom-up (no recursion)", () => {
    const n = 20_000;
    const rows: string[][] = [];
    for (let i = n - 1; i >= 0; i--)
      rows.push([`u${i}@example.com`, `U${i}`, i > 0 ? `u${i - 1}@example.com` : ""]);
    const { plan } = planOf("create", tableOf(header, rows));
    expect(plan.summary.change).toBe(n);
    expect(plan.executionOrder[0]).toBe(n);
    expect(plan.executionOrder[n - 1]).toBe(1);
  });
});

describe("managers in an update file", () => {
  const header = ["UserPrincipalName", "Manager"];

  it("fails an update that closes a cycle through the directory's reporting lines", () => {
    // a reports to b, b reports to c (directory). Making c report to a closes a → b → c → a.
    const dir = directoryOf({
      users: [
        userOf("a@example.com", { manager: "b@example.com" }),
        userOf("b@example.com", { manager: "c@example.com" }),
        userOf("c@example.com"),
        userOf("d@example.com"),
      ],
    });
    const { row } = planOf(
      "update",
      tableOf(header, [
        ["c@example.com", "a@example.com"],
        ["d@example.com", "a@example.com"],
      ]),
      dir,
    );
    expect(row(1).outcome).toBe("error");
    expect(row(1).reason).toMatch(
      /^Manager change would create a reporting cycle: c@example\.com → a@example\.com → b@example\.com → c@example\.com/,
    );
    expect(row(2).outcome).toBe("change");
  });

  it("fails the updates of a cycle formed by updates of the same file", () => {
    const dir = directoryOf({
      users: [userOf("a@example.com"), userOf("b@example.com"), userOf("c@example.com")],
    });
    const { row } = planOf(
      "update",
      tableOf(header, [
        ["a@example.com", "b@example.com"],
        ["b@example.com", "c@example.com"],
        ["c@example.com", "a@example.com"],
      ]),
      dir,
    );
    for (const n of [1, 2, 3]) expect(row(n).reason).toMatch(/reporting cycle/);
  });

  it("accepts a reorg whose final reporting lines have no cycle, whatever the row order", () => {
    // Directory: b reports to a. The file makes a report to b, and b report to c: no cycle in the end.
    const dir = directoryOf({
      users: [
        userOf("a@example.com"),
        userOf("b@example.com", { manager: "a@example.com" }),
        userOf("c@example.com"),
      ],
    });
    const { plan } = planOf(
      "update",
      tableOf(header, [
        ["a@example.com", "b@example.com"],
        ["b@example.com", "c@example.com"],
      ]),
      dir,
    );
    expect(plan.summary).toEqual({ change: 2, skip: 0, error: 0 });
  });

  it("does not count a row that fails for another reason as a manager change", () => {
    // b reports to a. Row 1 (a → b) is fine only because row 2 moves b away; row 2 fails, so row 1 must fail.
    const dir = directoryOf({
      users: [
        userOf("a@example.com"),
        userOf("b@example.com", { manager: "a@example.com" }),
        userOf("c@example.com"),
      ],
    });
    const { row } = planOf(
      "update",
      tableOf(
        ["UserPrincipalName", "Manager", "UsageLocation"],
        [
          ["a@example.com", "b@example.com", ""],
          ["b@example.com", "c@example.com", "USA"],
        ],
      ),
      dir,
    );
    expect(row(2).outcome).toBe("error");
    expect(row(1).reason).toMatch(/reporting cycle: a@example\.com → b@example\.com → a@example\.com/);
  });

  it("re-checks after failing a cycle: restoring the directory line may close another one", () => {
    // Directory: a reports to b. Final lines: a→c, c→a (a cycle: both fail) and b→a. Restoring a→b makes
    // b→a close a second cycle: b fails too. d→b is fine once b keeps no manager.
    const dir = directoryOf({
      users: [
        userOf("a@example.com", { manager: "b@example.com" }),
        userOf("b@example.com"),
        userOf("c@example.com"),
        userOf("d@example.com"),
      ],
    });
    const { row } = planOf(
      "update",
      tableOf(header, [
        ["a@example.com", "c@example.com"],
        ["c@example.com", "a@example.com"],
        ["b@example.com", "a@example.com"],
        ["d@example.com", "b@example.com"],
      ]),
      dir,
    );
    expect(row(1).reason).toBe(
      "Manager change would create a reporting cycle: a@example.com → c@example.com → a@example.com",
    );
    expect(row(2).outcome).toBe("error");
    expect(row(3).reason).toMatch(/^Manager change would create a reporting cycle: .*b@example\.com/);
    expect(row(4).outcome).toBe("change");
  });

  it("after a cascade of cycles, updates leading into a cycle fail too (bounded work)", () => {
    // Directory: p0→p1→…→p6. Updates: q→p0, p0→q (a cycle), then p1→p0, p2→p1, …: each failure restores a
    // line that closes the next cycle. After the last precise round, the rest fail as "leads into".
    const n = 7;
    const users = [userOf("q@example.com")];
    for (let i = 0; i < n; i++)
      users.push(userOf(`p${i}@example.com`, { manager: i + 1 < n ? `p${i + 1}@example.com` : null }));
    const rows = [
      ["q@example.com", "p0@example.com"],
      ["p0@example.com", "q@example.com"],
    ];
    for (let i = 1; i < n; i++) rows.push([`p${i}@example.com`, `p${i - 1}@example.com`]);
    const { plan } = planOf("update", tableOf(header, rows), directoryOf({ users }));
    expect(plan.summary.change).toBe(0);
    expect(plan.rows.some((r) => r.reason.startsWith("Manager change leads into a reporting cycle"))).toBe(
      true,
    );
  });
});

describe("seats", () => {
  const licenses = [
    { sku: "M365_E5", totalSeats: 10, assignedSeats: 8 },
    { sku: "M365_E3", totalSeats: 5, assignedSeats: 5 },
  ];

  it("fails the rows beyond capacity in file order; failed rows take no seat", () => {
    const dir = directoryOf({
      users: ["a", "b", "c", "d"].map((x) => userOf(`${x}@example.com`)),
      licenses,
    });
    const { row, plan } = planOf(
      "assign-license",
      tableOf(
        ["UserPrincipalName", "License"],
        [
          ["a@example.com", "M365_E5"],
          ["b@example.com", "M365_E7"],
          ["c@example.com", "m365_e5"],
          ["d@example.com", "M365_E5"],
        ],
      ),
      dir,
    );
    expect(row(1).outcome).toBe("change");
    expect(row(2).reason).toMatch(/^License 'M365_E7' does not exist/);
    expect(row(3).outcome).toBe("change");
    expect(row(4)).toMatchObject({
      outcome: "error",
      reason: "No free seats for M365_E5 (10 of 10 assigned)",
    });
    expect(plan.executionOrder).toEqual([1, 3]);
  });

  it("a replace row frees its old seat for later rows", () => {
    const dir = directoryOf({
      users: [userOf("a@example.com", { licenses: ["M365_E5"] }), userOf("b@example.com")],
      licenses: [
        { sku: "M365_E5", totalSeats: 1, assignedSeats: 1 },
        { sku: "M365_E3", totalSeats: 1, assignedSeats: 0 },
      ],
    });
    const { row } = planOf(
      "assign-license",
      tableOf(
        ["UserPrincipalName", "License", "Remove License"],
        [
          ["a@example.com", "M365_E3", "M365_E5"],
          ["b@example.com", "M365_E5", ""],
        ],
      ),
      dir,
    );
    expect(row(1)).toMatchObject({ outcome: "change", reason: "Replace M365_E5 with M365_E3" });
    expect(row(2)).toMatchObject({ outcome: "change", reason: "Assign M365_E5" });
  });

  it("counts seats taken by creates, and fails dependents of a create that got no seat", () => {
    const dir = directoryOf({ licenses: [{ sku: "M365_E3", totalSeats: 1, assignedSeats: 0 }] });
    const { row, plan } = planOf(
      "create",
      tableOf(
        ["UserPrincipalName", "DisplayName", "Manager", "License"],
        [
          ["a@example.com", "A", "", "M365_E3"],
          ["b@example.com", "B", "", "M365_E3"],
          ["c@example.com", "C", "b@example.com", ""],
        ],
      ),
      dir,
    );
    expect(row(1).outcome).toBe("change");
    expect(row(2).reason).toBe("No free seats for M365_E3 (1 of 1 assigned)");
    expect(row(3).reason).toBe("Manager b@example.com is not created: row 2 failed");
    expect(plan.executionOrder).toEqual([1]);
  });

  it("a row that needs several licenses takes none when one is missing", () => {
    const dir = directoryOf({
      users: [userOf("a@example.com"), userOf("b@example.com")],
      licenses: [
        { sku: "M365_E5", totalSeats: 1, assignedSeats: 0 },
        { sku: "VISIO", totalSeats: 0, assignedSeats: 0 },
      ],
    });
    const { row } = planOf(
      "assign-license",
      tableOf(
        ["UserPrincipalName", "License"],
        [
          ["a@example.com", "M365_E5; VISIO"],
          ["b@example.com", "M365_E5"],
        ],
      ),
      dir,
    );
    expect(row(1).reason).toBe("No free seats for VISIO (0 of 0 assigned)");
    expect(row(2).outcome).toBe("change");
  });
});
