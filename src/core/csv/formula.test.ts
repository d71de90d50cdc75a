import { describe, expect, it } from "vitest";
import { neutraliseCell, restoreCell } from "./formula.ts";

describe("neutraliseCell", () => {
  it.each(["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=", "-"])("prefixes %j with '", (value) => {
    expect(neutraliseCell(value)).toBe(`'${value}`);
  });

  it.each(["", "Sales", " =x", "'", "'hello", "1+1", "a=b", "'123"])("leaves %j alone", (value) => {
    expect(neutraliseCell(value)).toBe(value);
  });

  it("prefixes a value that already starts with ' before a trigger, so reading it back is exact", () => {
    expect(neutraliseCell("'=x")).toBe("''=x");
    expect(neutraliseCell("''@x")).toBe("'''@x");
  });
});

describe("restoreCell", () => {
  it("drops the ' only when what follows could be a formula", () => {
    expect(restoreCell("'=1+1")).toBe("=1+1");
    expect(restoreCell("'+44 20 7946 0018")).toBe("+44 20 7946 0018");
    expect(restoreCell("'\t=1")).toBe("\t=1");
    expect(restoreCell("''=x")).toBe("'=x");
    expect(restoreCell("'hello")).toBe("'hello");
    expect(restoreCell("'")).toBe("'");
    expect(restoreCell("=1")).toBe("=1");
  });

  it.each(["=x", "'=x", "''=x", "'x", "x", "", "'", "@", "-1", "'\r"])(
    "is the inverse of neutraliseCell for %j",
    (value) => {
      expect(restoreCell(neutraliseCell(value))).toBe(value);
    },
  );
});
