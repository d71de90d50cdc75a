// One time format on the command line: ISO 8601 in UTC (`2026-12-01T14:10:00.148Z`). The database hands
// timestamps back as `2026-12-01 14:10:00.148+00`; everything the CLI prints or writes goes through here.

/** ISO 8601 UTC, or null; a value that is not a time is returned as it is (never hidden). */
export function isoTime(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined || value === "") return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString();
}

/** A duration for people: `850 ms`, `9.8 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}
