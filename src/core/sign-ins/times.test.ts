import { describe, expect, it } from "vitest";
import { parseExportedTime } from "./times.ts";

const iso = (text: string) => {
  const r = parseExportedTime(text);
  return r.kind === "time" ? r.iso : r.kind;
};

describe("parseExportedTime: vendors' last sign-in formats", () => {
  it("passes ISO 8601 on as written", () => {
    expect(iso("2026-02-27T09:30:12.000Z")).toBe("2026-02-27T09:30:12.000Z");
    expect(iso("2026-02-27 09:30")).toBe("2026-02-27 09:30");
    expect(iso("2026-02-27")).toBe("2026-02-27");
  });

  it("reads Google's 2026/02/27 14:03:11 as UTC", () => {
    expect(iso("2026/02/27 14:03:11")).toBe("2026-02-27T14:03:11Z");
    expect(iso("2026/2/7 04:03:11 UTC")).toBe("2026-02-07T04:03:11Z");
  });

  it("reads US dates with AM/PM, and day/month only when the order is certain", () => {
    expect(iso("2/27/2026, 2:03:11 PM")).toBe("2026-02-27T14:03:11Z");
    expect(iso("3/2/2026 12:15 AM")).toBe("2026-03-02T00:15:00Z");
    expect(iso("27/02/2026 14:03")).toBe("2026-02-27T14:03:00Z");
    expect(iso("27.02.2026")).toBe("2026-02-27T00:00:00Z");
    expect(iso("2/27/2026")).toBe("2026-02-27T00:00:00Z");
    expect(iso("03/02/2026")).toBe("unknown"); // 3 February or March 2?
  });

  it("reads month names", () => {
    expect(iso("Feb 27, 2026, 2:03 PM")).toBe("2026-02-27T14:03:00Z");
    expect(iso("27 February 2026 14:03")).toBe("2026-02-27T14:03:00Z");
  });

  it("knows 'never' and refuses what is no date", () => {
    for (const never of ["", "Never", "Never logged in", "never signed in", "N/A", "-"]) {
      expect(iso(never), never).toBe("never");
    }
    for (const bad of [
      "yesterday",
      "2/30/2026 1:00 PM",
      "13:00",
      "31/04/2026",
      "Foo 3, 2026",
      "2/27/2026 13:00 PM",
    ]) {
      expect(iso(bad), bad).toBe("unknown");
    }
  });
});
