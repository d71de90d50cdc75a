import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import type { CsvTable, ReadResult } from "../types.ts";
import { hasField, readCsv } from "./read.ts";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const read = (text: string, maxRows = 100): ReadResult => readCsv(utf8(text), { maxRows });

function table(result: ReadResult): CsvTable {
  if (!result.ok) throw new Error(`refused: ${result.refusal.code}: ${result.refusal.message}`);
  return result.table;
}

const code = (result: ReadResult): string | undefined => (result.ok ? undefined : result.refusal.code);
const positions = (t: CsvTable) => t.records.map(({ row, line }) => ({ row, line }));

describe("readCsv: encodings", () => {
  it("reads UTF-8 with a BOM without leaking the BOM into the first header", () => {
    const t = table(read("\uFEFFUserPrincipalName,DisplayName\r\na@x.com,Ann\r\n"));
    expect(t.header).toEqual(["UserPrincipalName", "DisplayName"]);
    expect(t.encoding).toBe("utf-8");
    expect(t.records[0]!.values.email).toBe("a@x.com");
  });

  it("reads UTF-16LE with a BOM", () => {
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from("Email,City\r\na@x.com,Zürich\r\n", "utf16le"),
    ]);
    const t = table(readCsv(bytes, { maxRows: 10 }));
    expect(t.encoding).toBe("utf-16le");
    expect(t.records[0]!.values).toEqual({ email: "a@x.com", city: "Zürich" });
  });

  it("reads Windows-1252 when the bytes are not UTF-8", () => {
    const t = table(
      readCsv(iconv.encode("Email,Display Name\r\nj@x.com,José Müller €\r\n", "win1252"), { maxRows: 1 }),
    );
    expect(t.encoding).toBe("windows-1252");
    expect(t.records[0]!.values.displayName).toBe("José Müller €");
  });
});

describe("readCsv: delimiter and syntax", () => {
  it.each([
    [",", "Email,Department\na@x.com,Sales; Ops\n"],
    [";", "Email;Department\na@x.com;Sales, Ops\n"],
    ["\t", "Email\tDepartment\na@x.com\tSales, Ops; Tier 2\n"],
  ] as const)("detects %j from the header line", (delimiter, text) => {
    const t = table(read(text));
    expect(t.delimiter).toBe(delimiter);
    expect(t.records[0]!.values.email).toBe("a@x.com");
  });

  it("accepts CRLF, LF and lone CR line endings", () => {
    for (const eol of ["\r\n", "\n", "\r"]) {
      const t = table(read(["Email,City", "a@x.com,Oslo", "b@x.com,Rome", ""].join(eol)));
      expect(t.records.map((r) => r.values.city)).toEqual(["Oslo", "Rome"]);
      expect(positions(t)).toEqual([
        { row: 1, line: 2 },
        { row: 2, line: 3 },
      ]);
    }
  });

  it('reads quoted delimiters, quoted line breaks and "" escapes', () => {
    const t = table(
      read('Email,Notes,City\r\na@x.com,"one, two\r\n""three""",Oslo\r\nb@x.com,"x\ny",Rome\r\n'),
    );
    expect(t.records.map((r) => r.values.notes)).toEqual(['one, two\r\n"three"', "x\ny"]);
    expect(t.records.map((r) => r.values.city)).toEqual(["Oslo", "Rome"]);
  });

  it("keeps a stray quote inside an unquoted cell as text", () => {
    expect(table(read('Email,Job Title\na@x.com,Engineer "II"\n')).records[0]!.values.jobTitle).toBe(
      'Engineer "II"',
    );
  });
});

describe("readCsv: preamble", () => {
  it("skips Entra's version line (also when Excel padded it with commas) and counts it in line numbers", () => {
    for (const version of ["version:v1.0", "version:v1.0,,,"]) {
      const t = table(
        read(
          `${version}\r\nName [displayName] Required,User name [userPrincipalName] Required\r\nAnn,a@x.com\r\n`,
        ),
      );
      expect(t.header).toEqual(["Name [displayName] Required", "User name [userPrincipalName] Required"]);
      expect(t.records[0]).toMatchObject({
        row: 1,
        line: 3,
        values: { displayName: "Ann", email: "a@x.com" },
      });
    }
  });

  it("skips PowerShell's #TYPE line", () => {
    const t = table(
      read('#TYPE System.Management.Automation.PSCustomObject\r\n"Email","City"\r\n"a@x.com","Oslo"\r\n'),
    );
    expect(t.header).toEqual(["Email", "City"]);
    expect(t.records[0]).toMatchObject({ line: 3, values: { email: "a@x.com", city: "Oslo" } });
  });

  it("skips blank and delimiter-only lines before the header", () => {
    const t = table(read("\r\n  \r\n,,,\r\nEmail,City\r\na@x.com,Oslo\r\n"));
    expect(t.header).toEqual(["Email", "City"]);
    expect(t.records[0]!.line).toBe(5);
  });

  it("uses Excel's sep= line as the delimiter", () => {
    const t = table(read("sep=;\r\nEmail;Notes, more\r\na@x.com;x, y\r\n"));
    expect(t.delimiter).toBe(";");
    expect(t.header).toEqual(["Email", "Notes, more"]);
    expect(t.records[0]!.line).toBe(3);
  });

  it("does not skip a header whose first cell starts with #", () => {
    expect(table(read("#,Email\n1,a@x.com\n")).header).toEqual(["#", "Email"]);
  });
});

describe("readCsv: rows", () => {
  it("trims every value and reads whitespace-only as empty, keeping the cells as read", () => {
    const t = table(read("Email,First Name,Last Name\n  a@x.com , Ann\u00a0,   \n"));
    expect(t.records[0]!.values).toEqual({ email: "a@x.com", firstName: "Ann", lastName: "" });
    expect(t.records[0]!.cells).toEqual(["  a@x.com ", " Ann\u00a0", "   "]);
  });

  it("ignores blank records, which take no row number; line stays physical", () => {
    const t = table(read("Email,City\n\na@x.com,Oslo\n,\n   ,\t\n\nb@x.com,Rome\n\n"));
    expect(positions(t)).toEqual([
      { row: 1, line: 3 },
      { row: 2, line: 7 },
    ]);
  });

  it("numbers lines past cells that hold line breaks (LF, CRLF, lone CR)", () => {
    const t = table(
      read(
        'version:v1.0\r\nEmail,Notes\r\na@x.com,"1\n2\r\n3\r4"\r\nb@x.com,x\r\nc@x.com,"\r\n"\r\nd@x.com,y\r\n',
      ),
    );
    expect(positions(t)).toEqual([
      { row: 1, line: 3 }, // spans lines 3-6
      { row: 2, line: 7 },
      { row: 3, line: 8 }, // spans lines 8-9
      { row: 4, line: 10 },
    ]);
  });

  it("pads short records with empty cells", () => {
    const t = table(read("Email,First Name,Last Name\na@x.com\n"));
    expect(t.records[0]).toMatchObject({
      values: { email: "a@x.com", firstName: "", lastName: "" },
      cells: ["a@x.com", "", ""],
      extraCells: [],
    });
  });

  it("tolerates extra trailing empty fields and reports extra non-empty ones", () => {
    const t = table(read("Email,City\na@x.com,Oslo,,, \nb@x.com,Rome,extra,,more\n"));
    expect(t.records.map((r) => r.extraCells)).toEqual([[], ["extra", "more"]]);
    expect(t.records[1]!.values).toEqual({ email: "b@x.com", city: "Rome" });
  });

  it("treats values under trailing unnamed header cells as extra cells", () => {
    const t = table(read("Email,City,,\na@x.com,Oslo,,\nb@x.com,Rome,,stray\n"));
    expect(t.records.map((r) => r.extraCells)).toEqual([[], ["stray"]]);
  });

  it("drops the ' we add on export before = + - @ TAB CR, and only then", () => {
    const t = table(
      read("Email,Notes,Phone,Department,City,Job Title\na@x.com,'=1+1,'+44 20 1234,'@team,'hello,''=x\n"),
    );
    expect(t.records[0]!.values).toEqual({
      email: "a@x.com",
      notes: "=1+1",
      phone: "+44 20 1234",
      department: "@team",
      city: "'hello",
      jobTitle: "'=x",
    });
    expect(t.records[0]!.cells).toEqual(["a@x.com", "=1+1", "+44 20 1234", "@team", "'hello", "'=x"]);
  });

  it("keeps values as text (leading zeros, long numbers)", () => {
    const t = table(read("Email,Employee ID,ZIP\na@x.com,00042,02100\n"));
    expect(t.records[0]!.values).toEqual({ email: "a@x.com", employeeId: "00042", postalCode: "02100" });
  });

  it("reports unknown columns as warnings and maps the rest", () => {
    const t = table(read("Email,Nickname\na@x.com,Al\n"));
    expect(t.columns).toEqual([
      { index: 0, header: "Email", field: "email" },
      { index: 1, header: "Nickname", field: null },
    ]);
    expect(t.warnings).toEqual(["Column 'Nickname' is not recognised and was ignored."]);
    expect(t.records[0]!.values).toEqual({ email: "a@x.com" });
  });

  it("ignores Failure Reason / Status / Reason columns without a warning", () => {
    const t = table(read("Failure Reason,Status,Reason,Email\nbad,Failed,why,a@x.com\n"));
    expect(t.warnings).toEqual([]);
    expect(t.records[0]!.values).toEqual({ email: "a@x.com" });
  });
});

describe("readCsv: refusals", () => {
  it("refuses an empty file and a whitespace-only file", () => {
    expect(readCsv(new Uint8Array(0), { maxRows: 1 })).toEqual({
      ok: false,
      refusal: { code: "csv.empty", message: "The file is empty." },
    });
    expect(code(read(" \r\n\t\n"))).toBe("csv.empty");
    expect(code(readCsv(new Uint8Array([0xef, 0xbb, 0xbf]), { maxRows: 1 }))).toBe("csv.empty");
  });

  it("refuses a file with only preamble lines as having no header", () => {
    expect(code(read("version:v1.0\r\n"))).toBe("csv.no_header");
  });

  it("refuses a header without data rows (blank records do not count)", () => {
    expect(code(read("Email,City\r\n"))).toBe("csv.no_rows");
    expect(code(read("Email,City\r\n\r\n,\r\n  \r\n"))).toBe("csv.no_rows");
  });

  it("refuses two columns mapping to the same field", () => {
    expect(read("Email,E-mail\na@x.com,b@x.com\n")).toMatchObject({
      ok: false,
      refusal: { code: "csv.duplicate_column", message: expect.stringContaining("'Email' and 'E-mail'") },
    });
  });

  it("refuses more data rows than the limit, saying the count and the limit; never a partial table", () => {
    const rows = (n: number) => ["Email", ...Array.from({ length: n }, (_, i) => `u${i}@x.com`)].join("\n");
    expect(table(readCsv(utf8(rows(5000)), { maxRows: 5000 })).records).toHaveLength(5000);
    expect(readCsv(utf8(rows(5001)), { maxRows: 5000 })).toEqual({
      ok: false,
      refusal: {
        code: "csv.too_many_rows",
        message:
          "The file has 5,001 data rows; the limit is 5,000. Nothing was imported: split the file into smaller files.",
      },
    });
    // Blank records are not data rows.
    expect(table(read("Email\na@x.com\n\n\n,\nb@x.com\n", 2)).records).toHaveLength(2);
  });

  it("counts the rows of a far oversized file the same way, blank lines still not counted", () => {
    const many = ["Email", ...Array.from({ length: 300 }, (_, i) => `u${i}@x.com`)].join("\n");
    expect(read(many, 2)).toMatchObject({
      ok: false,
      refusal: {
        code: "csv.too_many_rows",
        message: expect.stringContaining("has 300 data rows; the limit is 2."),
      },
    });
    const mostlyBlank = `Email\na@x.com\n${"\n".repeat(500)},\nb@x.com\n`;
    expect(table(read(mostlyBlank, 2)).records.map((r) => [r.row, r.line])).toEqual([
      [1, 2],
      [2, 504],
    ]);
  });

  it("refuses an unterminated quote, naming the line where it opens (preamble lines included)", () => {
    expect(read('version:v1.0\nEmail,Notes\na@x.com,"x\ny"\nb@x.com,"open\nc@x.com,z\n')).toEqual({
      ok: false,
      refusal: {
        code: "csv.malformed",
        message:
          'The file is not valid CSV: the quoted value that starts on line 5 is never closed. Check for a missing or stray " on that line.',
      },
    });
  });

  it("refuses an Excel workbook, saying to save it as CSV", () => {
    const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0]);
    expect(readCsv(xlsx, { maxRows: 1 })).toMatchObject({
      ok: false,
      refusal: { code: "csv.binary", message: expect.stringMatching(/Excel workbook \(\.xlsx\).*CSV/) },
    });
    const xls = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    expect(readCsv(xls, { maxRows: 1 })).toMatchObject({
      ok: false,
      refusal: { code: "csv.binary", message: expect.stringContaining("(.xls)") },
    });
  });

  it("refuses other binary data (NUL bytes outside UTF-16)", () => {
    expect(
      code(readCsv(new Uint8Array([0x45, 0x6d, 0x00, 0x01, 0x02, 0xff, 0x00, 0x0a]), { maxRows: 1 })),
    ).toBe("csv.binary");
  });
});

describe("hasField", () => {
  it("tells whether some column maps to the field", () => {
    const t = table(read("Email,Nickname\na@x.com,Al\n"));
    expect(hasField(t, "email")).toBe(true);
    expect(hasField(t, "displayName")).toBe(false);
  });
});

describe("readCsv: UTF-8 parsed from the file's own bytes", () => {
  it("finds the body after a preamble with multi-byte characters and a BOM", () => {
    const t = table(
      read(
        "\uFEFF#Liste des employés — März 2026\r\n\r\nEmail,Display Name,City\r\nzoë@x.com,Zoë Ångström,Zürich\r\n",
      ),
    );
    expect(t.header).toEqual(["Email", "Display Name", "City"]);
    expect(t.records.map((r) => [r.line, r.values])).toEqual([
      [4, { email: "zoë@x.com", displayName: "Zoë Ångström", city: "Zürich" }],
    ]);
  });

  it("after a BOM, invalid bytes read as U+FFFD, as the text decoder reads them", () => {
    const bytes = Buffer.concat([
      Buffer.from("\uFEFFEmail,Display Name\r\na@x.com,Ann "),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from(" Lee\r\n"),
    ]);
    const t = table(readCsv(bytes, { maxRows: 1 }));
    expect(t.records[0]!.values.displayName).toBe(
      new TextDecoder().decode(
        Buffer.from([0x41, 0x6e, 0x6e, 0x20, 0xc3, 0x28, 0xff, 0x20, 0x4c, 0x65, 0x65]),
      ),
    );
    expect(t.records[0]!.values.displayName).toBe("Ann \uFFFD(\uFFFD Lee");
  });

  it("keeps the cells unless told not to; the values are the same either way", () => {
    const text = "Email,Display Name,,\r\na@x.com, Ann ,,\r\nb@x.com,Bob,,extra\r\n";
    const kept = table(readCsv(utf8(text), { maxRows: 5 }));
    const lean = table(readCsv(utf8(text), { maxRows: 5, keepCells: false }));
    expect(kept.records[0]!.cells).toEqual(["a@x.com", " Ann ", "", ""]);
    expect(lean.records.map((r) => r.cells)).toEqual([[], []]);
    expect(lean.records.map((r) => [r.row, r.line, r.values, r.extraCells])).toEqual(
      kept.records.map((r) => [r.row, r.line, r.values, r.extraCells]),
    );
    expect(lean.records[1]!.extraCells).toEqual(["extra"]);
  });
});

describe("readCsv: a large file without quotes is parsed a piece at a time", () => {
  it("loses, splits and renumbers nothing across the pieces (CRLF, blank lines, a UTF-8 file and a 1252 one)", () => {
    const lines = ["Email,Display Name,City"];
    const expected: Array<[number, number, string]> = [];
    let row = 0;
    for (let i = 0; i < 90_000; i++) {
      if (i % 997 === 0) lines.push("");
      lines.push(`u${i}@x.com,Zoë ${i},Zürich`);
      expected.push([++row, lines.length, `u${i}@x.com`]);
    }
    const text = `${lines.join("\r\n")}\r\n`;
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024); // several pieces
    for (const bytes of [utf8(text), iconv.encode(text.replace(/ë/g, "e"), "win1252")]) {
      const t = table(readCsv(bytes, { maxRows: 100_000, keepCells: false }));
      expect(t.records.map((r) => [r.row, r.line, r.values.email])).toEqual(expected);
      expect(t.records.at(-1)!.values).toMatchObject({ city: "Zürich" });
    }
  });
});
