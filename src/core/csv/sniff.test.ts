import { describe, expect, it } from "vitest";
import { sniffDelimiter } from "./sniff.ts";

describe("sniffDelimiter", () => {
  it.each([
    ["UserPrincipalName,DisplayName,Department", ","],
    ["UserPrincipalName;DisplayName;Department", ";"],
    ["UserPrincipalName\tDisplayName\tDepartment", "\t"],
  ] as const)("finds the delimiter of %j", (line, expected) => {
    expect(sniffDelimiter(line)).toBe(expected);
  });

  it("counts only outside quotes", () => {
    expect(sniffDelimiter('"Name; Last; First",Email')).toBe(",");
    expect(sniffDelimiter('"Last, First, Middle";Email')).toBe(";");
    expect(sniffDelimiter('"a ""x,y,z"" b";c')).toBe(";");
  });

  it("takes the most frequent delimiter", () => {
    expect(sniffDelimiter("Email;Notes, free text;City")).toBe(";");
  });

  it("breaks a tie with the next line when given, else prefers the comma", () => {
    expect(sniffDelimiter("Email;Notes, free", "a@x;b")).toBe(";");
    expect(sniffDelimiter("Email;Notes, free", "a@x,b")).toBe(",");
    expect(sniffDelimiter("Email;Notes, free")).toBe(",");
  });

  it("treats a header without any candidate as one column, comma-delimited", () => {
    expect(sniffDelimiter("UserPrincipalName")).toBe(",");
  });
});
