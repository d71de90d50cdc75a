import { describe, expect, it } from "vitest";
import { readCsv } from "./csv/index.ts";
import {
  effectiveInstant,
  formatInZone,
  groupByTime,
  parseDateTime,
  rowEffectiveTimes,
  splitDateColumns,
} from "./effective-dates.ts";

const table = (text: string) => {
  const read = readCsv(new TextEncoder().encode(text), { maxRows: 100 });
  if (!read.ok) throw new Error(read.refusal.message);
  return read.table;
};

describe("effective dates", () => {
  it("reads dates and times in the organisation's zone, across DST, or with an explicit offset", () => {
    const at = (text: string, zone = "Europe/Paris") => {
      const parsed = parseDateTime(text, zone);
      return parsed.ok ? parsed.at.toISOString() : parsed.message;
    };
    expect(at("2026-12-31T18:00")).toBe("2026-12-31T17:00:00.000Z"); // CET, +01:00
    expect(at("2026-07-01 18:00")).toBe("2026-07-01T16:00:00.000Z"); // CEST, +02:00
    expect(at("2026-03-29T03:30")).toBe("2026-03-29T01:30:00.000Z"); // the first hour of summer time
    expect(at("2026-12-31T18:00Z")).toBe("2026-12-31T18:00:00.000Z");
    expect(at("2026-12-31T18:00-05:00")).toBe("2026-12-31T23:00:00.000Z");
    expect(at("2026-12-31", "America/New_York")).toBe("2026-12-31T05:00:00.000Z");
    expect(at("31/12/2026")).toContain("is not a date");
    expect(at("2026-02-30")).toContain("not a real date");
    expect(formatInZone("2026-12-31T17:00:00.000Z", "Europe/Paris")).toBe("2026-12-31 18:00 (Europe/Paris)");
  });

  it("a last day ends at midnight after it; a start date and an effective date begin at midnight", () => {
    const iso = (r: ReturnType<typeof effectiveInstant>) => (r.ok ? r.at.toISOString() : r.message);
    expect(iso(effectiveInstant("lastDay", "2026-12-31", "Europe/Paris"))).toBe("2026-12-31T23:00:00.000Z");
    expect(iso(effectiveInstant("lastDay", "2026-12-31T12:00", "Europe/Paris"))).toBe(
      "2026-12-31T11:00:00.000Z",
    );
    expect(iso(effectiveInstant("startDate", "2027-01-04", "Europe/Paris"))).toBe("2027-01-03T23:00:00.000Z");
    expect(iso(effectiveInstant("effectiveDate", "2027-01-04", "UTC"))).toBe("2027-01-04T00:00:00.000Z");
  });

  it("per-row dates win over one time for all; blank or past dates run at once; bad dates fail their row", () => {
    const leavers = table(
      "UserPrincipalName,Last Working Day\na@x.com,2026-11-10\nb@x.com,\nc@x.com,2026-11-20\nd@x.com,2026-10-01\ne@x.com,soon\nf@x.com,2026-11-10\n",
    );
    const split = splitDateColumns(leavers);
    expect(split).toMatchObject({ field: "lastDay", header: "Last Working Day" });
    expect(split.table.columns.map((c) => c.field)).toEqual(["email"]);
    const now = new Date("2026-11-02T09:00:00Z");
    const dated = rowEffectiveTimes(leavers, { timeZone: "UTC", now });
    expect([...dated.at]).toEqual([
      [1, "2026-11-11T00:00:00.000Z"],
      [3, "2026-11-21T00:00:00.000Z"],
      [6, "2026-11-11T00:00:00.000Z"],
    ]);
    expect(dated.errors.get(5)).toContain("Last Working Day: 'soon' is not a date");
    expect(groupByTime(dated.at)).toEqual([
      { at: "2026-11-11T00:00:00.000Z", rows: [1, 6] },
      { at: "2026-11-21T00:00:00.000Z", rows: [3] },
    ]);
    const withAt = rowEffectiveTimes(leavers, { timeZone: "UTC", now, at: new Date("2026-11-05T18:00:00Z") });
    expect(withAt.at.get(2)).toBe("2026-11-05T18:00:00.000Z");
    expect(withAt.at.get(1)).toBe("2026-11-11T00:00:00.000Z");
    expect(groupByTime(dated.at, new Set([3]))).toEqual([{ at: "2026-11-21T00:00:00.000Z", rows: [3] }]);
  });

  it("a start date times a create only, stays in the file (it is the hire's attribute), and yields to a last day", () => {
    const hires = table("UserPrincipalName,Start Date\na@x.com,2026-11-09\nb@x.com,\n");
    const now = new Date("2026-11-02T09:00:00Z");
    const split = splitDateColumns(hires, "create");
    expect(split).toMatchObject({ field: "startDate", header: "Start Date" });
    expect(split.table.columns.map((c) => c.field)).toEqual(["email", "startDate"]);
    expect([...rowEffectiveTimes(hires, { timeZone: "UTC", now, operation: "create" }).at]).toEqual([
      [1, "2026-11-09T00:00:00.000Z"],
    ]);
    // An update correcting a hire date runs at once.
    expect(rowEffectiveTimes(hires, { timeZone: "UTC", now, operation: "update" }).at.size).toBe(0);
    // An export with a hire date and a last day: the last day says when.
    const leaver = table("UserPrincipalName,Hire Date,LastDay\na@x.com,2020-01-06,2026-11-20\n");
    expect(splitDateColumns(leaver, "create")).toMatchObject({ field: "lastDay", header: "LastDay" });
    expect(splitDateColumns(leaver, "create").table.columns.map((c) => c.field)).toEqual([
      "email",
      "startDate",
    ]);
  });
});
