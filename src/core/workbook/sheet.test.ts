import { beforeAll, describe, expect, it } from "vitest";
import type { ReadResult } from "../types.ts";
import { loadNumberFormats, type SheetValue } from "./cells.ts";
import type { SheetCell, SheetData } from "./sheet.ts";
import { address, readWorkbook } from "./sheet.ts";

beforeAll(loadNumberFormats);

const c = (value: SheetValue, numFmt?: string): SheetCell => (numFmt ? { value, numFmt } : { value });
function sheet(name: string, rows: (SheetCell | undefined)[][], first = 1, hidden = false): SheetData {
  return { name, hidden, rows: rows.map((cells, i) => ({ number: first + i, cells })) };
}
const table = (r: ReadResult) => {
  if (!r.ok) throw new Error(r.refusal.message);
  return r.table;
};

describe("readWorkbook", () => {
  it("skips a merged title and blank rows, numbers rows as Excel does, keeps leading zeros", () => {
    const title = [
      c("New hires"),
      { value: null, master: { row: 1, col: 1 } },
      { value: null, master: { row: 1, col: 1 } },
    ];
    const t = table(
      readWorkbook(
        {
          sheets: [
            {
              name: "Hires",
              hidden: false,
              rows: [
                { number: 1, cells: title },
                { number: 3, cells: [c("Employee ID"), c("Email"), c("Department")] },
                { number: 4, cells: [c(42, "000000"), c("a@example.com"), c("Sales")] },
                {
                  number: 5,
                  cells: [c(43, "000000"), c("b@example.com"), { value: null, master: { row: 4, col: 3 } }],
                },
                { number: 7, cells: [c(44, "000000"), c("c@example.com"), c("Support"), undefined, c("")] },
              ],
            },
          ],
        },
        { maxRows: 10 },
      ),
    );
    expect(t.format).toBe("xlsx");
    expect(t.header).toEqual(["Employee ID", "Email", "Department"]);
    expect(t.records.map((r) => [r.row, r.line, r.values.employeeId, r.values.department])).toEqual([
      [1, 4, "000042", "Sales"],
      [2, 5, "000043", "Sales"], // merged down: the row shows Sales too
      [3, 7, "000044", "Support"],
    ]);
    expect(t.records[2]!.extraCells).toEqual([]);
  });

  it("skips Entra's version row and reads the sheet named after the operation", () => {
    const book = {
      sheets: [
        sheet("Read me", [[c("Upload the other sheet")]]),
        sheet("Assign License", [
          [c("version:v1.0")],
          [c("UserPrincipalName"), c("License")],
          [c("a@example.com"), c("M365_E3")],
        ]),
      ],
    };
    const t = table(readWorkbook(book, { maxRows: 10, operation: "assign-license" }));
    expect(t.sheet).toBe("Assign License");
    expect(t.records[0]!).toMatchObject({
      row: 1,
      line: 3,
      values: { email: "a@example.com", license: "M365_E3" },
    });
    expect(t.warnings[0]).toBe("Read the sheet 'Assign License'; other sheets were not read ('Read me').");
    // Without the operation, the first visible sheet.
    expect(readWorkbook(book, { maxRows: 10 })).toMatchObject({
      ok: false,
      refusal: { code: "csv.no_rows" },
    });
  });

  it("applies the CSV rules: limits, duplicate columns, extra cells, empty sheets", () => {
    const rows = (n: number) => [
      [c("Email")],
      ...Array.from({ length: n }, (_, i) => [c(`u${i}@example.com`)]),
    ];
    expect(readWorkbook({ sheets: [sheet("S", rows(3))] }, { maxRows: 2 })).toMatchObject({
      ok: false,
      refusal: { code: "csv.too_many_rows" },
    });
    expect(
      readWorkbook(
        {
          sheets: [
            sheet("S", [
              [c("Email"), c("E-mail")],
              [c("a@x.com"), c("a@x.com")],
            ]),
          ],
        },
        { maxRows: 5 },
      ),
    ).toMatchObject({
      ok: false,
      refusal: { code: "csv.duplicate_column" },
    });
    const extra = table(
      readWorkbook(
        { sheets: [sheet("S", [[c("Email")], [c("a@x.com"), undefined, c("oops")]])] },
        { maxRows: 5 },
      ),
    );
    expect(extra.records[0]!.extraCells).toEqual(["oops"]);
    expect(readWorkbook({ sheets: [sheet("S", [])] }, { maxRows: 5 })).toMatchObject({
      ok: false,
      refusal: { code: "csv.empty" },
    });
    expect(readWorkbook({ sheets: [] }, { maxRows: 5 })).toMatchObject({
      ok: false,
      refusal: { code: "csv.empty" },
    });
  });

  it("refuses a formula saved without its value, naming the cell", () => {
    const r = readWorkbook({ sheets: [sheet("S", [[c("Email")], [c({ formula: "A1" })]])] }, { maxRows: 5 });
    expect(r).toMatchObject({ ok: false, refusal: { code: "xlsx.formula_without_value" } });
    expect(!r.ok && r.refusal.message).toContain("Cell A2 of sheet 'S'");
  });

  it("names cells like Excel", () => {
    expect([address(1, 1), address(9, 26), address(2, 27), address(3, 703)]).toEqual([
      "A1",
      "Z9",
      "AA2",
      "AAA3",
    ]);
  });
});
