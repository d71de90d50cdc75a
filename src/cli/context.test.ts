import { describe, expect, it } from "vitest";
import { invocationDirectory } from "./context.ts";
import { fitWidths, formatTable } from "./table.ts";
import { isoTime } from "./time.ts";

describe("invocationDirectory", () => {
  it("is INIT_CWD under our own npm scripts (npm run moved to the package folder), else the cwd", () => {
    expect(invocationDirectory({ INIT_CWD: "/home/me/hr", npm_lifecycle_event: "bulkusers" }, "/repo")).toBe(
      "/home/me/hr",
    );
    expect(invocationDirectory({ INIT_CWD: "/home/me/hr", npm_lifecycle_event: "db:migrate" }, "/repo")).toBe(
      "/home/me/hr",
    );
    // Inherited from some other npm script (a test runner's children): it says nothing about us.
    expect(invocationDirectory({ INIT_CWD: "/repo", npm_lifecycle_event: "test" }, "/tmp/x")).toBe("/tmp/x");
    expect(invocationDirectory({}, "/tmp/x")).toBe("/tmp/x");
  });
});

describe("tables", () => {
  it("fit 100 columns: free-text columns give way first, cells end in …", () => {
    expect(fitWidths([10, 80, 30], 100, [1])).toEqual([10, 56, 30]);
    expect(fitWidths([10, 20, 80], 60, [1])).toEqual([10, 6, 40]);
    expect(fitWidths([10, 20], 100)).toEqual([10, 20]);
    const text = formatTable([{ row: 1, key: "a@example.com", reason: "x".repeat(200) }]);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^row\s+key\s+reason$/);
    expect(lines[1]).toMatch(/^---\s+-{13}\s+-+$/);
    expect(lines[2]).toMatch(/^ {2}1 {2}a@example\.com {2}x+…$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe("isoTime", () => {
  it("turns the database's timestamps into ISO 8601 UTC", () => {
    expect(isoTime("2026-12-01 14:10:00.148+00")).toBe("2026-12-01T14:10:00.148Z");
    expect(isoTime("2026-12-01 16:10:00+02")).toBe("2026-12-01T14:10:00.000Z");
    expect(isoTime(null)).toBeNull();
  });
});
