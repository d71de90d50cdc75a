import fc from "fast-check";
import { expect, it } from "vitest";
import { writeJsonChunks } from "./json-chunks.ts";

const chunked = (value: unknown) => {
  const chunks: string[] = [];
  writeJsonChunks(value, (chunk) => chunks.push(chunk));
  return chunks;
};

it("writes exactly what JSON.stringify(value, null, 2) writes, for any JSON-like value", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      expect(chunked(value).join("")).toBe(JSON.stringify(value, null, 2));
    }),
  );
  const awkward = {
    at: new Date("2026-12-01T10:00:00Z"),
    skipped: undefined,
    list: [undefined, () => 1, true, 'quote" and \\ and \n'],
    nested: { empty: {}, none: [], n: -0 },
  };
  expect(chunked(awkward).join("")).toBe(JSON.stringify(awkward, null, 2));
});

it("hands a large document out in bounded pieces", () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => ({
    row: i + 1,
    key: `user${i}@example.com`,
    outcome: "change",
  }));
  const chunks = chunked({ summary: { change: rows.length }, rows });
  expect(chunks.length).toBeGreaterThan(10);
  expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(70 * 1024);
  expect(JSON.parse(chunks.join(""))).toEqual({ summary: { change: rows.length }, rows });
});
