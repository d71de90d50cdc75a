import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Field } from "../types.ts";
import { readCsv } from "./read.ts";
import { neutraliseCell, writeCsv, writeCsvText } from "./write.ts";

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("utf8");

describe("writeCsv", () => {
  it("writes UTF-8 with a BOM and CRLF record ends", () => {
    const bytes = writeCsv(["Email", "City"], [["a@x.com", "Zürich"]]);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text(bytes.subarray(3))).toBe("Email,City\r\na@x.com,Zürich\r\n");
  });

  it("quotes cells holding a delimiter, a quote, LF or a lone CR", () => {
    expect(writeCsvText(["a", "b", "c", "d", "e"], [["x,y", 'say "hi"', "1\n2", "3\r4", "plain"]])).toBe(
      'a,b,c,d,e\r\n"x,y","say ""hi""","1\n2","3\r4",plain\r\n',
    );
  });

  it("neutralises formula cells, header included, and writes null/undefined as empty", () => {
    expect(
      writeCsvText(
        ["=Header"],
        [["=HYPERLINK(1)"], ["+1"], ["-2"], ["@SUM(A1)"], ["\t=1"], ["\r=1"], [null], [undefined]],
      ),
    ).toBe("'=Header\r\n'=HYPERLINK(1)\r\n'+1\r\n'-2\r\n'@SUM(A1)\r\n'\t=1\r\n\"'\r=1\"\r\n\r\n\r\n");
  });

  it("round-trips a header cell that needed neutralising", () => {
    const result = readCsv(writeCsv(["-Email-", "@Department"], [["a@x.com", "Sales"]]), { maxRows: 1 });
    expect(result).toMatchObject({ ok: true, table: { header: ["-Email-", "@Department"] } });
    if (result.ok) expect(result.table.records[0]!.values).toEqual({ email: "a@x.com", department: "Sales" });
  });

  it("exports neutraliseCell", () => {
    expect(neutraliseCell("=1")).toBe("'=1");
  });
});

// Headers that map to distinct fields, so values can be compared field by field after reading.
const COLUMNS: readonly [string, Field][] = [
  ["Email", "email"],
  ["Display Name", "displayName"],
  ["Department", "department"],
  ["Notes", "notes"],
  ["Job Title", "jobTitle"],
  ["Phone", "phone"],
];

const tricky = fc.constantFrom(
  "=",
  "+",
  "-",
  "@",
  "\t",
  "\r",
  "\n",
  "\r\n",
  "'",
  '"',
  ",",
  ";",
  " ",
  "\u00a0",
  "é",
  "€",
);
const anyValue = fc
  .array(fc.oneof(tricky, fc.string({ unit: "binary", maxLength: 4 })), { maxLength: 6 })
  .map((parts) => parts.join("").replaceAll("\u0000", ""));
// The reader trims, so round-trip values are those without surrounding whitespace.
const trimmedValue = anyValue.filter((value) => value === value.trim());

const matrix = (value: fc.Arbitrary<string>) =>
  fc
    .integer({ min: 1, max: COLUMNS.length })
    .chain((width) =>
      fc.array(fc.array(value, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 }),
    );

describe("writeCsv → readCsv (property)", () => {
  it("gives back the same values, and re-emitting the cells gives back the same bytes", () => {
    fc.assert(
      fc.property(matrix(trimmedValue), (rows) => {
        const width = rows[0]!.length;
        const header = COLUMNS.slice(0, width).map(([name]) => name);
        const bytes = writeCsv(header, rows);
        const result = readCsv(bytes, { maxRows: 100 });
        const expected = rows.filter((row) => row.some((value) => value !== ""));
        if (expected.length === 0) {
          expect(result).toMatchObject({ ok: false, refusal: { code: "csv.no_rows" } });
          return;
        }
        if (!result.ok) throw new Error(result.refusal.message);
        const read = result.table.records.map((record) =>
          COLUMNS.slice(0, width).map(([, field]) => record.values[field]),
        );
        expect(read).toEqual(expected);
        expect(result.table.records.map((r) => r.row)).toEqual(expected.map((_, i) => i + 1));
        expect(
          writeCsv(
            result.table.header,
            result.table.records.map((r) => r.cells),
          ),
        ).toEqual(writeCsv(header, expected));
      }),
      { numRuns: 300 },
    );
  });

  it("never writes a cell that starts with = + - @ TAB CR", () => {
    fc.assert(
      fc.property(matrix(anyValue), (rows) => {
        const header = COLUMNS.slice(0, rows[0]!.length).map(([name]) => name);
        const cells = parse(Buffer.from(writeCsv(header, rows)), {
          bom: true,
          relax_column_count: true,
        }).flat();
        for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      }),
      { numRuns: 300 },
    );
  });
});
