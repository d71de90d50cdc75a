// Last sign-in times as the vendors' exports write them → ISO 8601 (UTC), "never", or null when the text
// is no time we know. Exports carry no time zone unless they say so; times without one are UTC, which is
// what Google, Entra and Okta export.
//   ISO 8601                     2026-02-27T14:03:11Z, 2026-02-27 14:03, 2026-02-27 (Okta, Entra Graph, Excel cells)
//   Google Workspace             2026/02/27 14:03:11 [UTC|GMT]
//   US, with AM/PM (Entra UI)    2/27/2026, 2:03:11 PM · 2/27/2026 2:03 PM · 2/27/2026
//   Day and month in numbers     27/02/2026 14:03 or 27.02.2026: only when the order is certain (a part > 12)
//   Month names                  Feb 27, 2026[, 2:03 PM] · 27 Feb 2026 [14:03]
//   Never                        blank, Never, Never logged in, Never signed in, N/A, -

export type ExportedTime = { kind: "time"; iso: string } | { kind: "never" } | { kind: "unknown" };

const NEVER = /^(|-+|n\/?a|none|never|never (logged|signed) in)$/i;
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/i;
const GOOGLE = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?(?:\s*(?:UTC|GMT|Z))?$/i;
const NUMERIC =
  /^(\d{1,2})[/.](\d{1,2})[/.](\d{4}),?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?(?:\s*(?:UTC|GMT|Z))?$/i;
const MONTH_FIRST =
  /^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4}),?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?(?:\s*(?:UTC|GMT|Z))?$/i;
const DAY_FIRST =
  /^(\d{1,2}) ([A-Za-z]{3,9})\.? (\d{4}),?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?(?:\s*(?:UTC|GMT|Z))?$/i;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

export function parseExportedTime(text: string): ExportedTime {
  const value = text.trim();
  if (NEVER.test(value)) return { kind: "never" };
  // ISO 8601 is passed on as written: the recorder reads it with its own zone rules.
  if (ISO.test(value)) return { kind: "time", iso: value };
  let m = GOOGLE.exec(value);
  if (m) return build(m[1], m[2], m[3], m[4], m[5], m[6], undefined);
  m = NUMERIC.exec(value);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    // With AM/PM the export is American (month first); otherwise only a part above 12 tells the order.
    const monthFirst = m[7] !== undefined ? true : b > 12 ? true : a > 12 ? false : undefined;
    if (monthFirst === undefined) return { kind: "unknown" };
    return monthFirst
      ? build(m[3], m[1], m[2], m[4], m[5], m[6], m[7])
      : build(m[3], m[2], m[1], m[4], m[5], m[6], m[7]);
  }
  m = MONTH_FIRST.exec(value);
  if (m) return build(m[3], monthNumber(m[1]), m[2], m[4], m[5], m[6], m[7]);
  m = DAY_FIRST.exec(value);
  if (m) return build(m[3], monthNumber(m[2]), m[1], m[4], m[5], m[6], m[7]);
  return { kind: "unknown" };
}

function monthNumber(name: string | undefined): string | undefined {
  const i = MONTHS.indexOf((name ?? "").slice(0, 3).toLowerCase());
  return i < 0 ? undefined : String(i + 1);
}

function build(
  y: string | undefined,
  mo: string | undefined,
  d: string | undefined,
  h: string | undefined,
  mi: string | undefined,
  s: string | undefined,
  ampm: string | undefined,
): ExportedTime {
  if (y === undefined || mo === undefined || d === undefined) return { kind: "unknown" };
  let hour = Number(h ?? 0);
  if (ampm !== undefined) {
    if (hour < 1 || hour > 12) return { kind: "unknown" };
    hour = (hour % 12) + (ampm.toUpperCase() === "PM" ? 12 : 0);
  }
  const [year, month, day, minute, second] = [
    Number(y),
    Number(mo),
    Number(d),
    Number(mi ?? 0),
    Number(s ?? 0),
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return { kind: "unknown" };
  const at = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Day 31 of a 30-day month rolls over into the next: not a date.
  if (at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day) return { kind: "unknown" };
  return { kind: "time", iso: at.toISOString().replace(".000Z", "Z") };
}
