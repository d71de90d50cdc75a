// The selection filter language of `export --filter` and Slack `select <filter>`:
//
//   department:Sales title:"Account Executive" status:active group:Engineering license:M365_E5
//   inactive:>90d email:*@contoso.com name:john manager:jane@example.com -status:deleted
//
// - Terms are `key:value`, separated by spaces. Different keys are ANDed; the same key repeated is ORed
//   (`department:Sales department:Marketing`), as are `|`-separated alternatives of an unquoted value
//   (`status:active|disabled`). `-key:value` excludes (several negated values of one key: none of them).
// - Values are case-insensitive. Quote values with spaces: `title:"Account Executive"` (`\"` and `\\`
//   escape inside quotes; `|` is literal there).
// - department, title, email, manager, group, license: exact match, or a glob when the value has `*` (any
//   run of characters) or `?` (one character). name: substring of the display name (or a glob).
//   group/license match when any of the user's groups/licenses match. status: active, disabled or deleted.
// - inactive:>N<unit> (also without `>`): the last sign-in, or the creation date for users who never
//   signed in, is more than N units before now. Units: d days, w weeks (7 d), m months (30 d), y years
//   (365 d); no unit = days.
// - No implicit status filter: deleted users match unless excluded (`-status:deleted`).
// - An empty expression is a filter with no clauses: it matches everyone.
//
// The AST is plain data so the database adapter can translate it to SQL (lower(column) = value,
// lower(column) LIKE pattern with * → %, ? → _, coalesce(last_login_at, created_at) < now - N days).

import type { DirectoryUser, Refusal, UserStatus } from "./types.ts";

export const FILTER_KEYS = [
  "department",
  "title",
  "status",
  "group",
  "license",
  "inactive",
  "email",
  "name",
  "manager",
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

const KEY_ALIASES: Record<string, FilterKey> = {
  dept: "department",
  jobtitle: "title",
  mail: "email",
  upn: "email",
  displayname: "name",
  groups: "group",
  licenses: "license",
  sku: "license",
};

/** A case-insensitive text test. `value`/`pattern` are lower-case. Glob: `*` any run, `?` one character. */
export type TextMatch =
  | { op: "equals"; value: string }
  | { op: "contains"; value: string }
  | { op: "glob"; pattern: string };

export type FilterTerm =
  /** A user column: department, jobTitle (title), email, manager (manager's e-mail). Null never matches. */
  | { key: "department" | "title" | "email" | "manager"; match: TextMatch }
  /** Display name (plain values: substring). */
  | { key: "name"; match: TextMatch }
  /** Any of the user's groups / license SKUs. */
  | { key: "group" | "license"; match: TextMatch }
  | { key: "status"; status: UserStatus }
  /** coalesce(lastLoginAt, createdAt) is more than `days` days before now. */
  | { key: "inactive"; days: number };

/** `anyOf` ORed; with `negate`, none of them may match. */
export interface FilterClause {
  key: FilterKey;
  negate: boolean;
  anyOf: FilterTerm[];
}

/** Clauses ANDed. */
export interface Filter {
  clauses: FilterClause[];
}

export type FilterParseResult = { ok: true; filter: Filter } | { ok: false; refusal: Refusal };

const STATUSES: readonly UserStatus[] = ["active", "disabled", "deleted"];
const UNIT_DAYS: Record<string, number> = { d: 1, w: 7, m: 30, y: 365 };
const DAY_MS = 86_400_000;

function invalid(message: string): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: { code: "filter.invalid", message } };
}

const ALLOWED = `Filters: ${FILTER_KEYS.map((k) => `${k}:…`).join(" ")}`;

export function parseFilter(expression: string): FilterParseResult {
  const s = expression;
  const clauses: FilterClause[] = [];
  const clauseOf = new Map<string, FilterClause>();
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const start = i;
    let negate = false;
    if (s[i] === "-") {
      negate = true;
      i++;
    }
    const keyStart = i;
    while (i < s.length && /[A-Za-z_]/.test(s[i]!)) i++;
    const rawKey = s.slice(keyStart, i);
    if (s[i] !== ":" || rawKey === "") {
      while (i < s.length && !/\s/.test(s[i]!)) i++;
      return invalid(
        `'${s.slice(start, i)}' is not a filter term: write key:value, for example department:Sales. ${ALLOWED}`,
      );
    }
    i++; // the colon
    const lowerKey = rawKey.toLowerCase();
    const key = (FILTER_KEYS as readonly string[]).includes(lowerKey)
      ? (lowerKey as FilterKey)
      : KEY_ALIASES[lowerKey];

    let alternatives: string[];
    if (s[i] === '"') {
      i++;
      let buf = "";
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\" && i + 1 < s.length) {
          buf += s[i + 1];
          i += 2;
        } else {
          buf += s[i++];
        }
      }
      if (i >= s.length) return invalid(`Unterminated quote in '${s.slice(start)}': close it with "`);
      i++; // closing quote
      if (i < s.length && !/\s/.test(s[i]!)) {
        while (i < s.length && !/\s/.test(s[i]!)) i++;
        return invalid(`Unexpected text after the closing quote in '${s.slice(start, i)}'`);
      }
      alternatives = [buf];
    } else {
      const valueStart = i;
      while (i < s.length && !/\s/.test(s[i]!)) i++;
      const raw = s.slice(valueStart, i);
      alternatives = raw === "" ? [] : raw.split("|");
    }
    const term = s.slice(start, i);
    if (key === undefined) return invalid(`Unknown filter '${rawKey}' in '${term}'. ${ALLOWED}`);
    if (alternatives.length === 0 || alternatives.some((a) => a.trim() === "")) {
      return invalid(`'${term}' has an empty value: write ${key}:value`);
    }

    const terms: FilterTerm[] = [];
    for (const alt of alternatives) {
      const parsed = parseTerm(key, alt.trim(), term);
      if (typeof parsed === "string") return invalid(parsed);
      terms.push(parsed);
    }
    const groupKey = `${negate ? "-" : "+"}${key}`;
    let clause = clauseOf.get(groupKey);
    if (clause === undefined) {
      clause = { key, negate, anyOf: [] };
      clauseOf.set(groupKey, clause);
      clauses.push(clause);
    }
    clause.anyOf.push(...terms);
  }
  return { ok: true, filter: { clauses } };
}

function parseTerm(key: FilterKey, value: string, term: string): FilterTerm | string {
  switch (key) {
    case "status": {
      const v = value.toLowerCase() as UserStatus;
      if (!STATUSES.includes(v))
        return `In '${term}': status is active, disabled or deleted (got '${value}')`;
      return { key, status: v };
    }
    case "inactive": {
      const m = /^>?\s*(\d{1,6})\s*([dwmy]?)$/i.exec(value);
      if (m === null) {
        return `In '${term}': inactive needs a duration such as >90d, >6m or >1y (d days, w weeks, m months, y years; got '${value}')`;
      }
      const unit = (m[2] || "d").toLowerCase();
      return { key, days: Number(m[1]) * UNIT_DAYS[unit]! };
    }
    case "name":
      return { key, match: textMatch(value, "contains") };
    default:
      return { key, match: textMatch(value, "equals") };
  }
}

function textMatch(value: string, plain: "equals" | "contains"): TextMatch {
  const v = value.toLowerCase();
  if (/[*?]/.test(v)) return { op: "glob", pattern: v };
  return { op: plain, value: v };
}

const globCache = new WeakMap<TextMatch, RegExp>();

function globRegExp(m: { op: "glob"; pattern: string }): RegExp {
  let re = globCache.get(m);
  if (re === undefined) {
    const body = m.pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    re = new RegExp(`^${body}$`, "s");
    globCache.set(m, re);
  }
  return re;
}

export function matchesText(match: TextMatch, value: string | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  const v = value.toLowerCase();
  switch (match.op) {
    case "equals":
      return v === match.value;
    case "contains":
      return v.includes(match.value);
    case "glob":
      return globRegExp(match).test(v);
  }
}

function matchesTerm(term: FilterTerm, user: DirectoryUser, nowMs: number): boolean {
  switch (term.key) {
    case "department":
      return matchesText(term.match, user.department);
    case "title":
      return matchesText(term.match, user.jobTitle);
    case "email":
      return matchesText(term.match, user.email);
    case "manager":
      return matchesText(term.match, user.manager);
    case "name":
      return matchesText(term.match, user.displayName);
    case "group":
      return user.groups.some((g) => matchesText(term.match, g));
    case "license":
      return user.licenses.some((l) => matchesText(term.match, l));
    case "status":
      return user.status === term.status;
    case "inactive": {
      const last = Date.parse(user.lastLoginAt ?? user.createdAt);
      return nowMs - last > term.days * DAY_MS;
    }
  }
}

/** Does `user` satisfy `filter` at time `now` (ISO)? */
export function matchesFilter(filter: Filter, user: DirectoryUser, now: string): boolean {
  const nowMs = Date.parse(now);
  for (const clause of filter.clauses) {
    let any = false;
    for (const term of clause.anyOf) {
      if (matchesTerm(term, user, nowMs)) {
        any = true;
        break;
      }
    }
    if (any === clause.negate) return false;
  }
  return true;
}

/** The canonical text of a filter (parses back to the same filter). */
export function formatFilter(filter: Filter): string {
  const parts: string[] = [];
  for (const clause of filter.clauses) {
    for (const term of clause.anyOf) {
      parts.push(`${clause.negate ? "-" : ""}${term.key}:${termValue(term)}`);
    }
  }
  return parts.join(" ");
}

function termValue(term: FilterTerm): string {
  if (term.key === "status") return term.status;
  if (term.key === "inactive") return `>${term.days}d`;
  const v = term.match.op === "glob" ? term.match.pattern : term.match.value;
  return /[\s"|\\]/.test(v) || v === "" ? `"${v.replace(/["\\]/g, "\\$&")}"` : v;
}
