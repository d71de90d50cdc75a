import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sniffFile } from "./sniff.ts";

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../../test/fixtures/xlsx/${name}`, import.meta.url)));
const code = (bytes: Uint8Array) => {
  const kind = sniffFile(bytes);
  return kind.kind === "refused" ? kind.refusal.code : kind.kind;
};

describe("sniffFile: the kind of a file from its bytes", () => {
  it("reads text as CSV and an .xlsx as a workbook, whatever the name", () => {
    expect(code(new TextEncoder().encode("Email\nx@example.com\n"))).toBe("text");
    expect(code(fixture("hire-list-excel.xlsx"))).toBe("xlsx");
  });

  it("refuses macro-enabled, encrypted and legacy workbooks, each saying how to save them", () => {
    expect(code(fixture("macro-enabled.xlsm"))).toBe("xlsx.macro_enabled");
    expect(code(fixture("encrypted.xlsx"))).toBe("xlsx.encrypted");
    expect(code(fixture("legacy.xls"))).toBe("xlsx.legacy_xls");
    const legacy = sniffFile(fixture("legacy.xls"));
    expect(legacy.kind === "refused" && legacy.refusal.message).toMatch(
      /Save As > Excel Workbook \(\*\.xlsx\)/,
    );
  });

  it("refuses a cut-off zip as damaged and other archives as not a workbook", () => {
    const cut = fixture("hire-list-excel.xlsx").subarray(0, 200);
    expect(code(cut)).toBe("xlsx.unreadable");
    const ods = new TextEncoder().encode(
      "PK\u0003\u0004\u0000\u0000mimetypeapplication/vnd.oasis.opendocument.spreadsheetPK\u0001\u0002",
    );
    expect(code(ods)).toBe("xlsx.unsupported");
  });
});
