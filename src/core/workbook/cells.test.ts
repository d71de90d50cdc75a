import { beforeAll, describe, expect, it } from "vitest";
import { cellText, loadNumberFormats, type SheetValue } from "./cells.ts";

beforeAll(loadNumberFormats);

const text = (value: SheetValue, numFmt?: string) => {
  const r = cellText(value, numFmt);
  if (!r.ok) throw new Error(r.reason);
  return r.text;
};

describe("cellText: the text a person sees", () => {
  it("keeps leading zeros shown by a number format (employee ids, ZIP codes)", () => {
    expect(text(42, "000000")).toBe("000042");
    expect(text(2108, "00000")).toBe("02108");
    expect(text(21080123, "00000-0000")).toBe("02108-0123");
  });

  it("writes General integers in full, not in scientific notation", () => {
    expect(text(4155550101)).toBe("4155550101");
    expect(text(123456789012345, "General")).toBe("123456789012345");
    expect(text(0.1 + 0.2)).toBe("0.3");
  });

  it("applies Excel's special and decimal formats", () => {
    expect(text(4155550101, "[<=9999999]###-####;(###) ###-####")).toBe("(415) 555-0101");
    expect(text(3.5, "0.00")).toBe("3.50");
    expect(text(1234, "#,##0")).toBe("1,234");
  });

  it("reads dates as ISO dates, with the time of day only when there is one", () => {
    expect(text(new Date(Date.UTC(2026, 2, 2)))).toBe("2026-03-02");
    expect(text(new Date(Date.UTC(2026, 1, 27, 9, 30)))).toBe("2026-02-27T09:30:00");
    // A date serial that the library left as a number, with a date format.
    expect(text(46083, "dd/mm/yyyy")).toBe("2026-03-02");
  });

  it("reads formulas by their saved value, and refuses one saved without a value", () => {
    expect(text({ formula: 'B4&" "&C4', result: "Maria Lopez" })).toBe("Maria Lopez");
    expect(text({ sharedFormula: "A2", result: 7 }, "000")).toBe("007");
    expect(cellText({ formula: "1+1" })).toEqual({ ok: false, reason: "formula_without_value" });
  });

  it("reads links, rich text, booleans, errors and empty cells as shown", () => {
    expect(text({ text: "maria@example.com", hyperlink: "mailto:maria@example.com" })).toBe(
      "maria@example.com",
    );
    expect(text({ richText: [{ text: "Sales " }, { text: "EMEA" }] })).toBe("Sales EMEA");
    expect(text(true)).toBe("TRUE");
    expect(text(false)).toBe("FALSE");
    expect(text({ error: "#N/A" })).toBe("#N/A");
    expect(text(null)).toBe("");
    expect(text(" 00042 ")).toBe(" 00042 ");
  });
});
