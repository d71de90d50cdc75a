// The inactive-user policy (DESIGN §7), as pure rules: given the users, a policy, the warnings already sent
// and "now", who is a candidate for deactivation, who is excluded and why, who gets warned, who is due, and
// whether the run may deactivate on its own or must ask for approval (the cap).
//
// Rules:
// - A user's last activity is their last sign-in, or their creation date when they never signed in; an
//   admin re-enabling or restoring the user counts as activity too (otherwise "Reactivate" would be undone
//   by the next run).
// - Inactive = last activity MORE than `inactiveDays` days before now: the same rule as the filter
//   `inactive:>Nd`, so `export --filter "inactive:>90d"` lists what `deactivate-inactive --days 90` considers.
// - Excluded (never deactivated, listed with the reason): deleted and already disabled users, admins,
//   service accounts, members of an excluded group (group names compare case-insensitively).
// - warn-then-deactivate: an inactive user not yet warned is warned now and deactivated once the lead time
//   (`deactivateAfter`, recorded with the warning) has passed and they are still inactive. A warning is
//   void (cleared) as soon as its user is no longer a candidate: signed in, re-enabled, excluded, disabled.
// - The cap: when the users a run would deactivate exceed `capCount`, or `capPercent`% of the active users
//   (rounded down), the run deactivates nothing and asks for approval. Warnings are not capped.
// - `report` mode never deactivates by itself: the report offers the deactivation for approval.
import type { DirectoryUser } from "./types.ts";

export const INACTIVITY_MODES = ["report", "warn-then-deactivate", "deactivate"] as const;
export type InactivityMode = (typeof INACTIVITY_MODES)[number];

export function isInactivityMode(value: string): value is InactivityMode {
  return (INACTIVITY_MODES as readonly string[]).includes(value);
}

export type AccountType = "user" | "admin" | "service";

export const INACTIVITY_ACTIONS = ["deactivate", "remove-access"] as const;
export type InactivityActionKind = (typeof INACTIVITY_ACTIONS)[number];

/**
 * What a policy does to the users it acts on: deactivate them (the default), or take away their paid
 * access and keep the account active — the licenses (`skus` null = every license they hold, else the
 * listed SKUs) and the memberships of `groups`. A remove-access action names at least one of the two.
 */
export type InactivityAction =
  | { kind: "deactivate" }
  | { kind: "remove-access"; skus: string[] | null; groups: string[] };

export const DEACTIVATE: InactivityAction = { kind: "deactivate" };

/** One line for people: "deactivate", "remove access (all licenses; groups Figma Users)". */
export function describeAction(action: InactivityAction): string {
  if (action.kind === "deactivate") return "deactivate";
  return `remove access (${describeAccess(action)})`;
}

/** What a remove-access action takes away: "all licenses; groups Figma Users". */
export function describeAccess(action: Extract<InactivityAction, { kind: "remove-access" }>): string {
  const parts: string[] = [];
  if (action.skus === null) parts.push("all licenses");
  else if (action.skus.length > 0) parts.push(`licenses ${action.skus.join(", ")}`);
  if (action.groups.length > 0) parts.push(`groups ${action.groups.join(", ")}`);
  return parts.join("; ");
}

export const DAY_MS = 86_400_000;

export interface InactivityPolicy {
  /** Inactive = no activity for more than this many days. */
  inactiveDays: number;
  /** Group names whose members are never deactivated (case-insensitive). */
  excludeGroups: readonly string[];
  mode: InactivityMode;
  /** warn-then-deactivate: days between the warning and the deactivation. */
  warnDays: number;
  /** More users than this in one run → approval instead of deactivation. */
  capCount: number | null;
  /** More than this share (0–100) of the active users in one run → approval. */
  capPercent: number | null;
}

/** A directory user as the policy sees it. */
export type InactivityUser = Pick<
  DirectoryUser,
  "id" | "email" | "displayName" | "status" | "groups" | "lastLoginAt" | "createdAt"
> & {
  accountType: AccountType;
  /** The last time an admin enabled or restored the user (ISO), if ever: counts as activity. */
  reactivatedAt?: string | null;
};

export interface InactivityWarning {
  userId: string;
  warnedAt: string;
  /** The date the DM promised: the user is deactivated on the first run at or after it. */
  deactivateAfter: string;
}

export interface InactivityInput<U extends InactivityUser = InactivityUser> {
  /** At least every inactive user and every user with a warning; other users are ignored. */
  users: readonly U[];
  policy: InactivityPolicy;
  warnings?: readonly InactivityWarning[];
  /** ISO "now". */
  now: string;
  /** Active users in the whole directory (for capPercent); default: the active users among `users`. */
  activeUserCount?: number;
}

export type ActivitySource = "sign-in" | "created" | "reactivated";

export interface InactiveUser<U extends InactivityUser = InactivityUser> {
  user: U;
  /** ISO time of the last activity (sign-in, creation, or re-enable). */
  lastActivity: string;
  lastActivitySource: ActivitySource;
  /** Whole days since the last activity. */
  daysInactive: number;
}

export interface Candidate<U extends InactivityUser = InactivityUser> extends InactiveUser<U> {
  /** Human reason, e.g. "No sign-in for 120 days" or "Never signed in; created 95 days ago". */
  reason: string;
}

export type ExclusionReason = "deleted" | "disabled" | "admin" | "service-account" | "excluded-group";

export interface Exclusion<U extends InactivityUser = InactivityUser> extends InactiveUser<U> {
  reason: ExclusionReason;
  /** Human reason, e.g. "Member of excluded group Finance". */
  detail: string;
}

export interface WarnedCandidate<U extends InactivityUser = InactivityUser> extends Candidate<U> {
  warnedAt: string;
  deactivateAfter: string;
}

/**
 * - nothing: no one to deactivate (warnings may still go out);
 * - report: report mode with candidates: offer the deactivation for approval;
 * - deactivate: deactivate `toDeactivate` now;
 * - approval: over the cap: nothing is deactivated, an admin must approve.
 */
export type InactivityDecision = "nothing" | "report" | "deactivate" | "approval";

export interface CapCheck {
  /** Most users one run may deactivate on its own; null when the policy has no cap. */
  limit: number | null;
  exceeded: boolean;
}

export interface InactivityEvaluation<U extends InactivityUser = InactivityUser> {
  now: string;
  /** Last activity at or before this is inactive (ISO). */
  cutoff: string;
  activeUserCount: number;
  /** Every inactive user the policy may deactivate, oldest activity first. */
  candidates: Candidate<U>[];
  /** Inactive users the policy never deactivates, with the reason, oldest activity first. */
  excluded: Exclusion<U>[];
  /** warn-then-deactivate: candidates to warn now (no warning yet): the warnings to record. */
  toWarn: WarnedCandidate<U>[];
  /** warn-then-deactivate: warned candidates whose lead time has not passed. */
  waiting: WarnedCandidate<U>[];
  /** warn-then-deactivate: warned candidates whose lead time has passed. */
  due: WarnedCandidate<U>[];
  /** Users whose warning is void (no longer candidates, or the mode no longer warns). */
  clearWarnings: string[];
  /** Who this run deactivates (or asks to): report/deactivate → candidates; warn-then-deactivate → due. */
  toDeactivate: Candidate<U>[];
  cap: CapCheck;
  decision: InactivityDecision;
}

function daysBetween(fromMs: number, toMs: number): number {
  return Math.floor((toMs - fromMs) / DAY_MS);
}

/** The day (YYYY-MM-DD) of an ISO time, for the reasons people read. */
export function formatDay(iso: string): string {
  return iso.slice(0, 10);
}

/** The user's last activity: max(last sign-in or creation, re-enable). */
export function lastActivityOf(user: InactivityUser): { at: string; source: ActivitySource } {
  let at = user.lastLoginAt ?? user.createdAt;
  let source: ActivitySource = user.lastLoginAt ? "sign-in" : "created";
  if (user.reactivatedAt && Date.parse(user.reactivatedAt) > Date.parse(at)) {
    at = user.reactivatedAt;
    source = "reactivated";
  }
  return { at, source };
}

function candidateReason(source: ActivitySource, days: number, at: string): string {
  switch (source) {
    case "sign-in":
      return `No sign-in for ${days} days (last ${formatDay(at)})`;
    case "created":
      return `Never signed in; created ${days} days ago (${formatDay(at)})`;
    case "reactivated":
      return `No sign-in for ${days} days since re-enabled on ${formatDay(at)}`;
  }
}

function exclusionOf(
  user: InactivityUser,
  excluded: ReadonlySet<string>,
): { reason: ExclusionReason; detail: string } | null {
  if (user.status === "deleted") return { reason: "deleted", detail: "Deleted" };
  if (user.status === "disabled") return { reason: "disabled", detail: "Already disabled" };
  if (user.accountType === "admin") return { reason: "admin", detail: "Admin account" };
  if (user.accountType === "service") return { reason: "service-account", detail: "Service account" };
  const group = user.groups.find((g) => excluded.has(g.toLowerCase()));
  if (group !== undefined) return { reason: "excluded-group", detail: `Member of excluded group ${group}` };
  return null;
}

/** The cap for a run of `count` deactivations among `activeUserCount` active users. */
export function checkCap(policy: InactivityPolicy, count: number, activeUserCount: number): CapCheck {
  const limits: number[] = [];
  if (policy.capCount !== null && policy.capCount !== undefined) limits.push(Math.max(0, policy.capCount));
  if (policy.capPercent !== null && policy.capPercent !== undefined) {
    limits.push(Math.floor((Math.max(0, activeUserCount) * Math.max(0, policy.capPercent)) / 100));
  }
  if (limits.length === 0) return { limit: null, exceeded: false };
  const limit = Math.min(...limits);
  return { limit, exceeded: count > limit };
}

function byActivity<T extends InactiveUser>(a: T, b: T): number {
  const diff = Date.parse(a.lastActivity) - Date.parse(b.lastActivity);
  if (diff !== 0) return diff;
  return a.user.email < b.user.email ? -1 : a.user.email > b.user.email ? 1 : 0;
}

export function evaluateInactivity<U extends InactivityUser>(
  input: InactivityInput<U>,
): InactivityEvaluation<U> {
  const { policy } = input;
  const nowMs = Date.parse(input.now);
  const cutoffMs = nowMs - policy.inactiveDays * DAY_MS;
  const excludedGroups = new Set(policy.excludeGroups.map((g) => g.trim().toLowerCase()).filter(Boolean));

  const candidates: Candidate<U>[] = [];
  const excluded: Exclusion<U>[] = [];
  const seen = new Set<string>();
  for (const user of input.users) {
    if (seen.has(user.id)) continue;
    seen.add(user.id);
    const activity = lastActivityOf(user);
    const activityMs = Date.parse(activity.at);
    // Inactive = more than inactiveDays days (strictly), like the filter `inactive:>Nd`.
    if (!(nowMs - activityMs > policy.inactiveDays * DAY_MS)) continue;
    const base = {
      user,
      lastActivity: activity.at,
      lastActivitySource: activity.source,
      daysInactive: daysBetween(activityMs, nowMs),
    };
    const exclusion = exclusionOf(user, excludedGroups);
    if (exclusion) {
      excluded.push({ ...base, ...exclusion });
    } else {
      candidates.push({ ...base, reason: candidateReason(activity.source, base.daysInactive, activity.at) });
    }
  }
  candidates.sort(byActivity);
  excluded.sort(byActivity);

  const activeUserCount = input.activeUserCount ?? input.users.filter((u) => u.status === "active").length;

  const toWarn: WarnedCandidate<U>[] = [];
  const warnUntil = deactivateAfter(new Date(nowMs).toISOString(), policy.warnDays);
  const waiting: WarnedCandidate<U>[] = [];
  const due: WarnedCandidate<U>[] = [];
  const clearWarnings: string[] = [];
  const warnings = new Map((input.warnings ?? []).map((w) => [w.userId, w]));

  if (policy.mode === "warn-then-deactivate") {
    const candidateIds = new Set<string>();
    for (const candidate of candidates) {
      candidateIds.add(candidate.user.id);
      const warning = warnings.get(candidate.user.id);
      // Active after the warning (e.g. re-enabled, then idle again): the old warning no longer counts.
      if (!warning || Date.parse(candidate.lastActivity) > Date.parse(warning.warnedAt)) {
        if (warning) clearWarnings.push(warning.userId);
        toWarn.push({ ...candidate, warnedAt: new Date(nowMs).toISOString(), deactivateAfter: warnUntil });
        continue;
      }
      const warned = { ...candidate, warnedAt: warning.warnedAt, deactivateAfter: warning.deactivateAfter };
      if (Date.parse(warning.deactivateAfter) <= nowMs) due.push(warned);
      else waiting.push(warned);
    }
    for (const warning of warnings.values()) {
      if (!candidateIds.has(warning.userId)) clearWarnings.push(warning.userId);
    }
  } else {
    clearWarnings.push(...warnings.keys());
  }

  const toDeactivate: Candidate<U>[] = policy.mode === "warn-then-deactivate" ? due : candidates;
  const cap = checkCap(policy, toDeactivate.length, activeUserCount);
  let decision: InactivityDecision;
  if (toDeactivate.length === 0) decision = "nothing";
  else if (policy.mode === "report") decision = "report";
  else decision = cap.exceeded ? "approval" : "deactivate";

  return {
    now: new Date(nowMs).toISOString(),
    cutoff: new Date(cutoffMs).toISOString(),
    activeUserCount,
    candidates,
    excluded,
    toWarn,
    waiting,
    due,
    clearWarnings,
    toDeactivate,
    cap,
    decision,
  };
}

/** When a user warned at `now` is deactivated: now + warnDays. */
export function deactivateAfter(now: string, warnDays: number): string {
  return new Date(Date.parse(now) + Math.max(0, warnDays) * DAY_MS).toISOString();
}

/** Counts of exclusions by reason (for summaries). */
export function exclusionCounts(excluded: readonly Exclusion[]): Record<ExclusionReason, number> {
  const counts: Record<ExclusionReason, number> = {
    deleted: 0,
    disabled: 0,
    admin: 0,
    "service-account": 0,
    "excluded-group": 0,
  };
  for (const e of excluded) counts[e.reason] += 1;
  return counts;
}

/**
 * The action from what a person entered (CLI options, modal fields). `skus` may say `all`; with neither SKUs
 * nor groups, remove-access takes every license (the paid access); with only groups, only the memberships.
 */
export function parseInactivityAction(input: {
  action?: string | null;
  skus?: readonly string[] | null;
  groups?: readonly string[] | null;
}): { ok: true; action: InactivityAction } | { ok: false; error: string } {
  const kind = (input.action ?? "").trim() || "deactivate";
  const skus = uniqueNames(input.skus ?? [], (s) => s.toUpperCase());
  const groups = uniqueNames(input.groups ?? [], (g) => g);
  if (kind === "deactivate") {
    if (skus.length > 0 || groups.length > 0) {
      return { ok: false, error: "SKUs and groups to remove go with the action remove-access." };
    }
    return { ok: true, action: DEACTIVATE };
  }
  if (kind !== "remove-access") {
    return { ok: false, error: `The action must be one of ${INACTIVITY_ACTIONS.join(", ")}.` };
  }
  const all = skus.some((s) => s === "ALL");
  if (all && skus.length > 1) return { ok: false, error: "Either all licenses or a list of SKUs, not both." };
  if (all || (skus.length === 0 && groups.length === 0))
    return { ok: true, action: { kind, skus: null, groups } };
  return { ok: true, action: { kind, skus, groups } };
}

function uniqueNames(values: readonly string[], normalise: (s: string) => string): string[] {
  const out: string[] = [];
  for (const value of values.flatMap((v) => v.split(/[;,]/))) {
    const name = normalise(value.trim());
    if (name && !out.some((x) => x.toLowerCase() === name.toLowerCase())) out.push(name);
  }
  return out;
}
