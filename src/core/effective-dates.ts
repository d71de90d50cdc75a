// Dated operations: when each row of a file takes effect. A row may carry its own date (`EffectiveDate`,
// `LastDay`, `StartDate` and their aliases) or the person gives one time for all (`--at`, the modal); times
// without an offset are read in the organisation's time zone (BULKUSERS_TIME_ZONE).
// - EffectiveDate: that moment (a bare date: the start of that day).
// - LastDay: the end of that day, i.e. the start of the next day (the person works their last day).
// - StartDate: the start of that day: a create runs on that day, not before (the start date itself is an
//   attribute and stays on the user).
// Pure: `now` and the time zone come in as data; Intl does the zone arithmetic.
import type { CsvTable, Field, Operation, Plan } from "./types.ts";

export const DATE_FIELDS = ["effectiveDate", "lastDay", "startDate"] as const satisfies readonly Field[];
export type DateField = (typeof DATE_FIELDS)[number];

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Milliseconds the zone is ahead of UTC at `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return asUtc - (ms - (ms % 1000));
}

/** A wall-clock time in `timeZone` → the instant (two passes settle DST changes). */
export function zonedToUtc(
  parts: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  timeZone: string,
): Date {
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  return new Date(guess);
}

export type ParsedTime = { ok: true; at: Date; dateOnly: boolean } | { ok: false; message: string };

/** `2026-12-31`, `2026-12-31T18:00`, `2026-12-31 18:00:00`, with an optional `Z` / `+01:00`. */
export function parseDateTime(text: string, timeZone: string): ParsedTime {
  const match = DATE_TIME.exec(text.trim());
  if (!match) {
    return { ok: false, message: `'${text}' is not a date: write 2026-12-31 or 2026-12-31T18:00` };
  }
  const [, y, mo, d, h, mi, s, zone] = match;
  const parts = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? 0),
    minute: Number(mi ?? 0),
    second: Number(s ?? 0),
  };
  const check = new Date(Date.UTC(parts.year, parts.month - 1, parts.day));
  if (
    check.getUTCMonth() !== parts.month - 1 ||
    check.getUTCDate() !== parts.day ||
    parts.hour > 23 ||
    parts.minute > 59 ||
    parts.second > 59
  ) {
    return { ok: false, message: `'${text}' is not a real date or time` };
  }
  let at: Date;
  if (zone) {
    const sign = zone.toUpperCase() === "Z" ? 0 : zone.startsWith("-") ? -1 : 1;
    const digits = zone.replace(/[^0-9]/g, "");
    const offset =
      sign === 0 ? 0 : sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
    at = new Date(
      Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - offset,
    );
  } else {
    at = zonedToUtc(parts, timeZone);
  }
  return { ok: true, at, dateOnly: h === undefined };
}

/** The instant a value of `field` means: last days end at midnight after them; other dates start at midnight. */
export function effectiveInstant(field: DateField, text: string, timeZone: string): ParsedTime {
  const parsed = parseDateTime(text, timeZone);
  if (!parsed.ok || field !== "lastDay" || !parsed.dateOnly) return parsed;
  const [y, m, d] = text.trim().slice(0, 10).split("-").map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return {
    ok: true,
    dateOnly: true,
    at: zonedToUtc(
      {
        year: next.getUTCFullYear(),
        month: next.getUTCMonth() + 1,
        day: next.getUTCDate(),
        hour: 0,
        minute: 0,
        second: 0,
      },
      timeZone,
    ),
  };
}

/** Date columns that only say when (control fields): taken out of the file before planning. */
const TIMING_FIELDS: readonly DateField[] = ["effectiveDate", "lastDay"];

/**
 * The file without its timing columns (EffectiveDate, LastDay: they say when, not what), and the date column
 * that times the rows (first wins). A start date is user data (an attribute the welcome message and the
 * directory keep), so it stays in the file; it times the rows only of a create (an account made on the
 * hire's first day) and only when the file has no timing column: an export carrying a hire date next to a
 * last day is timed by the last day, and an update that corrects a hire date runs at once.
 */
export function splitDateColumns(
  table: CsvTable,
  operation?: Operation,
): {
  table: CsvTable;
  field: DateField | null;
  header: string | null;
} {
  const timing = table.columns.filter(
    (c) => c.field !== null && (TIMING_FIELDS as readonly string[]).includes(c.field),
  );
  const rest = timing.length
    ? { ...table, columns: table.columns.filter((c) => !timing.includes(c)) }
    : table;
  const first =
    timing[0] ?? (operation === "create" ? table.columns.find((c) => c.field === "startDate") : undefined);
  if (!first) return { table: rest, field: null, header: null };
  return { table: rest, field: first.field as DateField, header: first.header };
}

export interface DatedRows {
  /** Row number → when it takes effect (ISO); rows not listed run at once. */
  at: Map<number, string>;
  /** Row number → why its date could not be read (the row fails). */
  errors: Map<number, string>;
}

/**
 * When each row takes effect. A row's own date wins over `at` (one time for all); a blank cell falls back to
 * `at`, else the row runs at once; times at or before `now` run at once too.
 */
export function rowEffectiveTimes(
  table: CsvTable,
  options: { at?: Date; timeZone: string; now: Date; operation?: Operation },
): DatedRows {
  const { field, header } = splitDateColumns(table, options.operation);
  const at = new Map<number, string>();
  const errors = new Map<number, string>();
  for (const record of table.records) {
    const text = field ? (record.values[field] ?? "").trim() : "";
    let when: Date | undefined = options.at;
    if (text !== "" && field) {
      const parsed = effectiveInstant(field, text, options.timeZone);
      if (!parsed.ok) {
        errors.set(record.row, `${header}: ${parsed.message}`);
        continue;
      }
      when = parsed.at;
    }
    if (when && when.getTime() > options.now.getTime()) at.set(record.row, when.toISOString());
  }
  return { at, errors };
}

/** Rows grouped by time, earliest first: what the preview shows and what becomes scheduled batches. */
export function groupByTime(
  at: Map<number, string>,
  rows?: ReadonlySet<number>,
): Array<{ at: string; rows: number[] }> {
  const groups = new Map<string, number[]>();
  for (const [row, when] of at) {
    if (rows && !rows.has(row)) continue;
    const list = groups.get(when) ?? [];
    list.push(row);
    groups.set(when, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([when, list]) => ({ at: when, rows: list.sort((x, y) => x - y) }));
}

/** `2026-12-31 18:00 (Europe/Paris)`: an instant as people in the organisation read it. */
export function formatInZone(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} (${timeZone})`;
}

/** A plan whose rows with unreadable dates fail (reason from `errors`), with its summary recounted. */
export function applyDateErrors(plan: Plan, errors: ReadonlyMap<number, string>): Plan {
  if (errors.size === 0) return plan;
  const rows = plan.rows.map((r) => {
    const reason = errors.get(r.row);
    if (reason === undefined) return r;
    const { action: _action, ...rest } = r;
    return { ...rest, outcome: "error" as const, reason, changes: [] };
  });
  const summary = { change: 0, skip: 0, error: 0 };
  for (const r of rows) summary[r.outcome]++;
  return { ...plan, rows, summary, executionOrder: plan.executionOrder.filter((row) => !errors.has(row)) };
}
