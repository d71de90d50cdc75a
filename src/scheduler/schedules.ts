// Inactive-user policies at rest (`schedules`): validation (cron expression checked by node-cron, time zone
// by Intl, groups against the directory), create/update/pause/resume/delete, each audited, and the next
// run times. Used by the Slack modal, the `schedule …` CLI commands and the scheduler.
import { asc, eq, sql } from "drizzle-orm";
import cron from "node-cron";
import {
  DEACTIVATE,
  INACTIVITY_MODES,
  type InactivityAction,
  type InactivityMode,
  type InactivityPolicy,
  isInactivityMode,
  parseInactivityAction,
} from "../core/inactivity.ts";
import { type Executor, queryRows } from "../directory/client.ts";
import { auditLog, inactivityWarnings, type ScheduleRecord, schedules } from "../directory/schema.ts";
import { newId, type Source } from "../jobs/plan-store.ts";

export type { ScheduleRecord };

export const SCHEDULE_NAME_MAX = 80;
export const INACTIVE_DAYS_MAX = 3650;
export const WARN_DAYS_MAX = 365;
export const DEFAULT_CRON = "0 9 * * 1";
export const DEFAULT_TIMEZONE = "UTC";
export const DEFAULT_INACTIVE_DAYS = 90;
export const DEFAULT_WARN_DAYS = 7;

/** A policy as entered (Slack modal, CLI options): numbers may still be text. */
export interface ScheduleDraft {
  name?: string | null;
  cron?: string | null;
  timezone?: string | null;
  inactiveDays?: number | string | null;
  excludeGroups?: readonly string[] | null;
  mode?: string | null;
  warnDays?: number | string | null;
  capCount?: number | string | null;
  capPercent?: number | string | null;
  reportChannel?: string | null;
  enabled?: boolean | null;
  /** `deactivate` (default) or `remove-access`, with the SKUs (or `all`) and groups it removes. */
  action?: string | null;
  removeSkus?: readonly string[] | null;
  removeGroups?: readonly string[] | null;
}

export interface ScheduleInput {
  name: string;
  cron: string;
  timezone: string;
  inactiveDays: number;
  excludeGroups: string[];
  mode: InactivityMode;
  warnDays: number;
  capCount: number | null;
  capPercent: number | null;
  reportChannel: string | null;
  enabled: boolean;
  action: InactivityAction;
}

export type ScheduleField = keyof ScheduleInput;
export type ScheduleErrors = Partial<Record<ScheduleField, string>>;

export type ScheduleValidation = { ok: true; value: ScheduleInput } | { ok: false; errors: ScheduleErrors };

/** Our policies run at most once a minute: five fields (minute hour day-of-month month day-of-week). */
export function cronProblem(expression: string): string | null {
  const text = expression.trim().replace(/\s+/g, " ");
  if (text === "") return "Enter a cron expression, e.g. `0 9 * * 1` (Mondays at 09:00).";
  const fields = text.split(" ");
  if (fields.length !== 5) {
    return `A cron expression has 5 fields (minute hour day-of-month month day-of-week), e.g. \`0 9 * * 1\`; this one has ${fields.length}.`;
  }
  if (!cron.validate(text)) {
    const detail = cron.validateDetailed(text).errors[0];
    return `'${text}' is not a valid cron expression${detail ? ` (${detail.field}: ${detail.message})` : ""}.`;
  }
  return null;
}

/** The IANA name as Intl knows it ("utc" → "UTC"), or null when unknown. */
export function canonicalTimeZone(name: string): string | null {
  const text = name.trim();
  if (text === "") return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function integerField(
  value: number | string | null | undefined,
  label: string,
  min: number,
  max: number,
): { value: number | null; error?: string } {
  if (value === null || value === undefined || (typeof value === "string" && value.trim() === "")) {
    return { value: null };
  }
  const n = typeof value === "number" ? value : /^\s*\d+\s*$/.test(value) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    return { value: null, error: `${label} must be a whole number from ${min} to ${max}.` };
  }
  return { value: n };
}

/** Checks a draft (without the database: group names are checked by saveSchedule). */
export function validateScheduleDraft(draft: ScheduleDraft): ScheduleValidation {
  const errors: ScheduleErrors = {};
  const name = (draft.name ?? "").trim();
  if (name === "") errors.name = "Give the policy a name.";
  else if (name.length > SCHEDULE_NAME_MAX) errors.name = `At most ${SCHEDULE_NAME_MAX} characters.`;

  const cronText = (draft.cron ?? DEFAULT_CRON).trim().replace(/\s+/g, " ");
  const cronError = cronProblem(cronText);
  if (cronError) errors.cron = cronError;

  const zoneText = (draft.timezone ?? DEFAULT_TIMEZONE).trim() || DEFAULT_TIMEZONE;
  const timezone = canonicalTimeZone(zoneText);
  if (!timezone)
    errors.timezone = `'${zoneText}' is not a time zone; use an IANA name such as Europe/Berlin or UTC.`;

  const inactive = integerField(draft.inactiveDays, "Inactivity days", 1, INACTIVE_DAYS_MAX);
  if (inactive.error) errors.inactiveDays = inactive.error;
  else if (inactive.value === null)
    errors.inactiveDays = "Enter after how many days without sign-in a user is inactive.";

  const modeText = (draft.mode ?? "report").trim() || "report";
  if (!isInactivityMode(modeText)) errors.mode = `Mode must be one of ${INACTIVITY_MODES.join(", ")}.`;

  const warn = integerField(draft.warnDays, "Warning lead time", 0, WARN_DAYS_MAX);
  if (warn.error) errors.warnDays = warn.error;
  const capCount = integerField(draft.capCount, "The cap", 0, 10_000_000);
  if (capCount.error) errors.capCount = capCount.error;
  const capPercent = integerField(draft.capPercent, "The cap (percent)", 0, 100);
  if (capPercent.error) errors.capPercent = capPercent.error;

  const groups: string[] = [];
  for (const g of draft.excludeGroups ?? []) {
    const t = g.trim();
    if (t && !groups.some((x) => x.toLowerCase() === t.toLowerCase())) groups.push(t);
  }
  const channel = (draft.reportChannel ?? "").trim();
  const action = parseInactivityAction({
    action: draft.action,
    skus: draft.removeSkus,
    groups: draft.removeGroups,
  });
  if (!action.ok) errors.action = action.error;

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      name,
      cron: cronText,
      timezone: timezone!,
      inactiveDays: inactive.value!,
      excludeGroups: groups,
      mode: modeText as InactivityMode,
      warnDays: warn.value ?? DEFAULT_WARN_DAYS,
      capCount: capCount.value,
      capPercent: capPercent.value,
      reportChannel: channel === "" ? null : channel,
      enabled: draft.enabled ?? true,
      action: action.ok ? action.action : DEACTIVATE,
    },
  };
}

/** The policy the pure rules need, from a stored schedule. */
export function policyOf(schedule: ScheduleRecord): InactivityPolicy {
  return {
    inactiveDays: schedule.inactiveDays,
    excludeGroups: schedule.excludeGroups,
    mode: schedule.mode,
    warnDays: schedule.warnDays,
    capCount: schedule.capCount,
    capPercent: schedule.capPercent,
  };
}

/** The stored action (rows written before actions existed deactivate). */
export function actionOf(schedule: ScheduleRecord): InactivityAction {
  return schedule.action ?? DEACTIVATE;
}

/** SKUs as the licenses table spells them, and the ones that do not exist. */
export async function resolveSkus(
  db: Executor,
  skus: readonly string[],
): Promise<{ known: string[]; unknown: string[] }> {
  if (skus.length === 0) return { known: [], unknown: [] };
  const rows = await queryRows<{ sku: string }>(
    db,
    sql`select sku from licenses
        where upper(sku) in (select upper(x) from jsonb_array_elements_text(${JSON.stringify(skus)}::jsonb) as t(x))`,
  );
  const byKey = new Map(rows.map((r) => [r.sku.toUpperCase(), r.sku]));
  const known: string[] = [];
  const unknown: string[] = [];
  for (const sku of skus) {
    const found = byKey.get(sku.toUpperCase());
    if (found) known.push(found);
    else unknown.push(sku);
  }
  return { known, unknown };
}

/** Checks the SKUs and groups of a remove-access action against the directory (names as stored). */
export async function resolveAction(
  db: Executor,
  action: InactivityAction,
): Promise<{ ok: true; action: InactivityAction } | { ok: false; error: string }> {
  if (action.kind === "deactivate") return { ok: true, action };
  const skus = action.skus === null ? null : await resolveSkus(db, action.skus);
  const groups = await resolveGroups(db, action.groups);
  const problems: string[] = [];
  if (skus && skus.unknown.length > 0)
    problems.push(`Unknown license${skus.unknown.length === 1 ? "" : "s"}: ${skus.unknown.join(", ")}.`);
  if (groups.unknown.length > 0)
    problems.push(`Unknown group${groups.unknown.length === 1 ? "" : "s"}: ${groups.unknown.join(", ")}.`);
  if (problems.length > 0) return { ok: false, error: problems.join(" ") };
  return { ok: true, action: { kind: action.kind, skus: skus ? skus.known : null, groups: groups.known } };
}

/** Resolves group names case-insensitively: the names as stored, and the ones that do not exist. */
export async function resolveGroups(
  db: Executor,
  names: readonly string[],
): Promise<{ known: string[]; unknown: string[] }> {
  if (names.length === 0) return { known: [], unknown: [] };
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select name from groups
        where lower(name) in (select lower(x) from jsonb_array_elements_text(${JSON.stringify(names)}::jsonb) as t(x))`,
  );
  const byKey = new Map(rows.map((r) => [r.name.toLowerCase(), r.name]));
  const known: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const found = byKey.get(name.toLowerCase());
    if (found) known.push(found);
    else unknown.push(name);
  }
  return { known, unknown };
}

export interface ScheduleActor {
  actor: string;
  source: Source;
  now: Date;
}

export async function getSchedule(db: Executor, id: string): Promise<ScheduleRecord | null> {
  const [row] = await db.select().from(schedules).where(eq(schedules.id, id));
  return row ?? null;
}

/** By id, else by name (case-insensitive). */
export async function findSchedule(db: Executor, idOrName: string): Promise<ScheduleRecord | null> {
  const byId = await getSchedule(db, idOrName.trim());
  if (byId) return byId;
  const [row] = await db
    .select()
    .from(schedules)
    .where(sql`lower(${schedules.name}) = ${idOrName.trim().toLowerCase()}`)
    .orderBy(asc(schedules.createdAt))
    .limit(1);
  return row ?? null;
}

export async function listSchedules(db: Executor): Promise<ScheduleRecord[]> {
  return db.select().from(schedules).orderBy(asc(schedules.createdAt), asc(schedules.id));
}

export type SaveResult =
  | { ok: true; schedule: ScheduleRecord; created: boolean }
  | { ok: false; errors: ScheduleErrors };

/** Creates (no `id`) or replaces a policy; audited. Unknown exclusion groups are an error. */
export async function saveSchedule(
  db: Executor,
  input: { id?: string; draft: ScheduleDraft } & ScheduleActor,
): Promise<SaveResult> {
  const checked = validateScheduleDraft(input.draft);
  const errors: ScheduleErrors = checked.ok ? {} : { ...checked.errors };
  let groups: string[] = [];
  const draftGroups = input.draft.excludeGroups ?? [];
  if (draftGroups.length > 0) {
    const resolved = await resolveGroups(db, checked.ok ? checked.value.excludeGroups : draftGroups);
    if (resolved.unknown.length > 0) {
      errors.excludeGroups = `Unknown group${resolved.unknown.length === 1 ? "" : "s"}: ${resolved.unknown.join(", ")}.`;
    }
    groups = resolved.known;
  }
  let action: InactivityAction = DEACTIVATE;
  if (checked.ok) {
    const resolved = await resolveAction(db, checked.value.action);
    if (resolved.ok) action = resolved.action;
    else errors.action = resolved.error;
  }
  if (!checked.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  const value = { ...checked.value, excludeGroups: groups, action };
  const nowIso = input.now.toISOString();
  const existing = input.id ? await getSchedule(db, input.id) : null;
  if (input.id && !existing) return { ok: false, errors: { name: `No schedule with id '${input.id}'.` } };
  if (existing) {
    const [updated] = await db
      .update(schedules)
      .set({ ...value, enabled: input.draft.enabled ?? existing.enabled, updatedAt: nowIso })
      .where(eq(schedules.id, existing.id))
      .returning();
    await audit(db, input, "schedule.update", existing.id, existing, updated);
    return { ok: true, schedule: updated!, created: false };
  }
  const [created] = await db
    .insert(schedules)
    .values({
      id: `sch_${newId()}`,
      ...value,
      createdBy: input.actor,
      createdAt: nowIso,
      updatedAt: nowIso,
    })
    .returning();
  await audit(db, input, "schedule.create", created!.id, null, created);
  return { ok: true, schedule: created!, created: true };
}

/** Pause (false) or resume (true); null when the schedule does not exist. */
export async function setScheduleEnabled(
  db: Executor,
  id: string,
  enabled: boolean,
  who: ScheduleActor,
): Promise<ScheduleRecord | null> {
  const [updated] = await db
    .update(schedules)
    .set({ enabled, updatedAt: who.now.toISOString() })
    .where(eq(schedules.id, id))
    .returning();
  if (!updated) return null;
  await audit(db, who, enabled ? "schedule.resume" : "schedule.pause", id, null, { enabled });
  return updated;
}

/** Deletes the policy and its pending warnings; its run history (cron_runs) and audit rows stay. */
export async function deleteSchedule(
  db: Executor,
  id: string,
  who: ScheduleActor,
): Promise<ScheduleRecord | null> {
  const [deleted] = await db.delete(schedules).where(eq(schedules.id, id)).returning();
  if (!deleted) return null;
  await db.delete(inactivityWarnings).where(eq(inactivityWarnings.scheduleId, id));
  await audit(db, who, "schedule.delete", id, deleted, null);
  return deleted;
}

async function audit(
  db: Executor,
  who: ScheduleActor,
  action: string,
  target: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  await db.insert(auditLog).values({
    at: who.now.toISOString(),
    actor: who.actor,
    source: who.source,
    action,
    target,
    before: before ?? null,
    after: after ?? null,
  });
}

interface Matcher {
  getNextMatch(date: Date): Date;
}

/** The next `count` run times of a cron expression in a time zone, after `from` (empty if invalid). */
export function nextRuns(expression: string, timezone: string, from: Date, count = 1): Date[] {
  if (cronProblem(expression) || !canonicalTimeZone(timezone)) return [];
  const task = cron.createTask(expression, () => {}, { timezone });
  try {
    const matcher = (task as unknown as { timeMatcher?: Matcher }).timeMatcher;
    if (!matcher || typeof matcher.getNextMatch !== "function") return task.getNextRuns(count);
    const runs: Date[] = [];
    let at = from;
    for (let i = 0; i < count; i++) {
      at = matcher.getNextMatch(at);
      runs.push(at);
    }
    return runs;
  } finally {
    task.destroy();
  }
}
