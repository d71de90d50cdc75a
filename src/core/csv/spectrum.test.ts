// csv-spectrum: a public corpus of CSV edge cases with the records they must parse to.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCsv } from "./read.ts";

const root = dirname(createRequire(import.meta.url).resolve("csv-spectrum/package.json"));
const names = readdirSync(join(root, "csvs"))
  .filter((file) => file.endsWith(".csv"))
  .map((file) => basename(file, ".csv"));

/**
 * Known errors in the corpus's expected JSON, corrected here so every file is still compared in full:
 * location_coordinates.json expects the phone number 1234567890 while the CSV holds 2095257564.
 */
const ERRATA: Record<string, (rows: Record<string, string>[]) => void> = {
  location_coordinates: (rows) => {
    expect(rows[0]!["Contact Phone Number"]).toBe("1234567890");
    rows[0]!["Contact Phone Number"] = "2095257564";
  },
};

describe("csv-spectrum", () => {
  it("has the corpus installed", () => {
    expect(names.length).toBeGreaterThanOrEqual(12);
  });

  it.each(names)("%s.csv reads as %s.json", (name) => {
    const result = readCsv(readFileSync(join(root, "csvs", `${name}.csv`)), { maxRows: 1000 });
    const json: unknown = JSON.parse(readFileSync(join(root, "json", `${name}.json`), "utf8"));
    // One file's JSON is a bare object rather than a one-element array.
    const expected = (Array.isArray(json) ? json : [json]) as Record<string, string>[];
    ERRATA[name]?.(expected);
    // None of the corpus is an empty file ("empty" means empty fields), so every file must be read.
    if (!result.ok) throw new Error(`${name}: ${result.refusal.code}`);
    const { header, records } = result.table;
    const actual = records.map((record) => Object.fromEntries(header.map((h, i) => [h, record.cells[i]])));
    expect(actual).toEqual(expected);
  });
});
