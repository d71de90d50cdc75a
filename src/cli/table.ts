// Text tables for a terminal (cli-table3): a header, a dashed rule, one line per row, numbers right-aligned,
// and never wider than 100 columns — the widest columns give way and their cells end in "…" (the full
// values are one `--json` or `--out` away).
import Table from "cli-table3";

export const TABLE_WIDTH = 100;
const GAP = 2;
const MIN_COLUMN = 6;

const CHARS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "-",
  "mid-mid": " ".repeat(GAP),
  right: "",
  "right-mid": "",
  middle: " ".repeat(GAP),
};

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  // One line per row: a line break inside a value would break the table.
  return String(value).replace(/\r\n|\r|\n/g, " ");
}

/**
 * Column widths: each column's widest cell; while the table is too wide, the widest of the `flexible`
 * columns gives way first (free text such as reasons), then the widest of all (never below 6).
 */
export function fitWidths(natural: number[], maxWidth: number, flexible: number[] = []): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((sum, w) => sum + w, 0) + GAP * (widths.length - 1);
  const widest = (candidates: number[]) =>
    candidates.reduce<number | undefined>(
      (best, i) =>
        (widths[i] ?? 0) > MIN_COLUMN && (best === undefined || (widths[i] ?? 0) > (widths[best] ?? 0))
          ? i
          : best,
      undefined,
    );
  const all = widths.map((_, i) => i);
  while (total() > maxWidth) {
    const column = widest(flexible) ?? widest(all);
    if (column === undefined) break;
    widths[column] = (widths[column] ?? 0) - 1;
  }
  return widths;
}

export function formatTable(
  rows: Array<Record<string, unknown>>,
  columns?: string[],
  options: { maxWidth?: number; flexible?: string[] } = {},
): string {
  const keys = columns ?? Object.keys(rows[0] ?? {});
  const cells = rows.map((row) => keys.map((key) => cellText(row[key])));
  const natural = keys.map((key, i) => Math.max(key.length, ...cells.map((r) => (r[i] ?? "").length), 1));
  const flexible = (
    options.flexible ?? ["reason", "changes", "detail", "description", "name", "title", "target"]
  )
    .map((key) => keys.indexOf(key))
    .filter((i) => i >= 0);
  const widths = fitWidths(natural, options.maxWidth ?? TABLE_WIDTH, flexible);
  const numeric = keys.map(
    (key) => rows.length > 0 && rows.every((row) => typeof row[key] === "number" || row[key] == null),
  );
  const table = new Table({
    head: keys,
    colWidths: widths,
    colAligns: numeric.map((n) => (n ? "right" : "left")),
    style: { head: [], border: [], compact: true, "padding-left": 0, "padding-right": 0 },
    chars: CHARS,
    wordWrap: false,
  });
  table.push(...cells);
  return table
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}
