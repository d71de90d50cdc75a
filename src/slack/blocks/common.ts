// Shared helpers for the Block Kit builders: text objects that always fit their limits, mrkdwn escaping of
// user data, number/time formatting. Pure: no I/O, no clock (times are ISO strings passed in).
import type { KnownBlock, MrkdwnElement, PlainTextElement } from "@slack/types";
import type { Operation } from "../../core/types.ts";

/** What every message builder returns (chat.postMessage / chat.update / respond arguments). */
export interface SlackMessage {
  /** Notification / screen-reader fallback; never empty. */
  text: string;
  blocks: KnownBlock[];
}

export const ELLIPSIS = "…";

/** Cut `text` to at most `max` UTF-16 units, ending with "…" when cut; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  let cut = max - 1;
  const last = text.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return text.slice(0, cut) + ELLIPSIS;
}

const ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
/** U+2060 WORD JOINER: invisible, stops Slack from reading `@channel` as a broadcast. */
const WORD_JOINER = "\u2060";

/**
 * Make user data (a CSV value, a file name, a reason quoting a value) inert in mrkdwn: escape `& < >`
 * (so `<!channel>`, `<@U1>` and `<https://x|y>` cannot form) and break `@channel`/`@here`/`@everyone`.
 * Our mrkdwn objects also set `verbatim: true`, which stops auto-linking of bare URLs and #channels.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/[&<>]/g, (c) => ENTITY[c] ?? c)
    .replace(/@(channel|here|everyone)\b/gi, `@${WORD_JOINER}$1`);
}

/** Escape user data, then cut the escaped form to `max` without ever splitting an `&amp;` entity. */
export function escapeAndTruncate(raw: string, max: number): string {
  const escaped = escapeMrkdwn(raw);
  if (escaped.length <= max) return escaped;
  if (max <= 0) return "";
  let cut = max - 1;
  // Every "&" in `escaped` starts an entity we made (&amp; &lt; &gt;): never keep half of one.
  const amp = escaped.lastIndexOf("&", cut - 1);
  if (amp >= 0 && amp > cut - 5 && escaped.indexOf(";", amp) >= cut) cut = amp;
  const last = escaped.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut -= 1;
  // The word joiner stays with its "@", so a cut "@⁠chan…" is still inert.
  return escaped.slice(0, cut) + ELLIPSIS;
}

/** Inline code for user data: escaped, backticks replaced so the span cannot be broken out of. */
export function inlineCode(raw: string, max = 200): string {
  const value = escapeAndTruncate(raw.replace(/`/g, "ˋ"), max - 2);
  return value === "" ? "` `" : `\`${value}\``;
}

function nonEmpty(text: string): string {
  return text.trim() === "" ? " " : text;
}

/** A plain_text object cut to `max` (never empty: Slack rejects 0-length text). */
export function plainText(text: string, max = 3000): PlainTextElement {
  return { type: "plain_text", text: truncate(nonEmpty(text), max), emoji: true };
}

/**
 * A mrkdwn object cut to `max`; `verbatim` stops auto-linking. `text` must already be escaped where it holds
 * user data; this final cut is a safety net (callers should fit content with `fitLines`).
 */
export function mrkdwnText(text: string, max = 3000): MrkdwnElement {
  return { type: "mrkdwn", text: truncate(nonEmpty(text), max), verbatim: true };
}

/**
 * Join as many whole lines as fit in `max` characters; when some do not fit, end with `more(n)`
 * (n = lines left out), e.g. "…and 40 more".
 */
export function fitLines(lines: readonly string[], max: number, more: (left: number) => string): string {
  const out: string[] = [];
  let length = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const left = lines.length - i - 1;
    const tail = left > 0 ? more(left).length + 1 : 0;
    const added = (out.length > 0 ? 1 : 0) + line.length;
    if (length + added + tail > max) {
      const remaining = lines.length - i;
      const moreLine = more(remaining);
      return out.length === 0 ? truncate(moreLine, max) : `${out.join("\n")}\n${moreLine}`;
    }
    out.push(line);
    length += added;
  }
  return out.join("\n");
}

const NUMBER = new Intl.NumberFormat("en-US");

export function formatNumber(n: number): string {
  return NUMBER.format(n);
}

/** "1 row", "1,234 rows". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** "45 s", "3 min 5 s", "2 h 10 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

function parseTime(iso: string): number | null {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** "2026-07-01 14:05 UTC" (the raw string when it is not a date). */
export function formatUtc(iso: string): string {
  const t = parseTime(iso);
  if (t === null) return iso;
  const d = new Date(t).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 16)} UTC`;
}

/** A Slack date token: shown in the reader's time zone, with a UTC fallback. */
export function slackDate(iso: string): string {
  const t = parseTime(iso);
  if (t === null) return escapeMrkdwn(iso);
  return `<!date^${Math.floor(t / 1000)}^{date_short_pretty} {time}|${formatUtc(iso)}>`;
}

/** "just now", "5 min ago", "in 25 min", "3 days ago". */
export function relativeTime(iso: string, nowIso: string): string {
  const t = parseTime(iso);
  const now = parseTime(nowIso);
  if (t === null || now === null) return iso;
  const diff = t - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return "just now";
  const minutes = Math.round(abs / 60_000);
  let span: string;
  if (minutes < 60) span = `${Math.max(1, minutes)} min`;
  else if (minutes < 48 * 60) span = plural(Math.round(minutes / 60), "hour");
  else span = plural(Math.round(minutes / 1440), "day");
  return diff < 0 ? `${span} ago` : `in ${span}`;
}

/** `<@U123>` for a Slack user id; anything else (e.g. "cli:alice") is shown as escaped text. */
export function mentionUser(id: string): string {
  return /^[UW][A-Z0-9]{2,30}$/.test(id) ? `<@${id}>` : escapeAndTruncate(id, 80);
}

/** `<#C123>` for a Slack channel id, else escaped text. */
export function mentionChannel(id: string): string {
  return /^[CGD][A-Z0-9]{2,30}$/.test(id) ? `<#${id}>` : escapeAndTruncate(id, 80);
}

/** "▓▓▓▓▓░░░░░ 50%": floors, so 100% only when everything is done. */
export function progressBar(done: number, total: number, width = 10): string {
  const fraction = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.floor(fraction * width);
  const percent = Math.floor(fraction * 100);
  return `${"▓".repeat(filled)}${"░".repeat(width - filled)} ${percent}%`;
}

/** Human title per operation: headers, modal titles (all ≤ 24 characters). */
export const OPERATION_TITLES: Record<Operation, string> = {
  create: "Create users",
  update: "Update users",
  disable: "Disable users",
  enable: "Enable users",
  delete: "Delete users",
  restore: "Restore users",
  "reset-password": "Reset passwords",
  "assign-license": "Assign licenses",
  "remove-license": "Remove licenses",
  "add-to-group": "Add to groups",
  "remove-from-group": "Remove from groups",
  "set-service-plans": "Set service plans",
};

/** One line per operation, for help and the operation modal. */
export const OPERATION_DESCRIPTIONS: Record<Operation, string> = {
  create: "create new users (a temporary password is generated when the file has none)",
  update: "change details of existing users; blank cells leave a value unchanged",
  disable: "block sign-in for users",
  enable: "allow sign-in again for disabled users",
  delete: "soft-delete users (restorable for 30 days)",
  restore: "bring back users deleted in the last 30 days",
  "reset-password": "set new temporary passwords (sent to you by DM)",
  "assign-license": "assign licenses to users (needs free seats)",
  "remove-license": "remove licenses from users",
  "add-to-group": "add users to groups",
  "remove-from-group": "remove users from groups",
  "set-service-plans": "switch service plans of an assigned license on or off (e.g. TEAMS1)",
};

export function header(text: string): KnownBlock {
  return { type: "header", text: plainText(text, 150) };
}

export function section(mrkdwn: string, max = 3000): KnownBlock {
  return { type: "section", text: mrkdwnText(mrkdwn, max) };
}

export function context(...mrkdwn: string[]): KnownBlock {
  return { type: "context", elements: mrkdwn.slice(0, 10).map((t) => mrkdwnText(t)) };
}

export function divider(): KnownBlock {
  return { type: "divider" };
}
