// Helpers for the scheduler tests: a directory with sign-in histories, relative to the test clock.
import { sql } from "drizzle-orm";
import type { Database } from "../src/directory/client.ts";
import { groupMembers, groups, schedules, users } from "../src/directory/schema.ts";
import { type ScheduleDraft, type ScheduleRecord, saveSchedule } from "../src/scheduler/schedules.ts";
import { queryRows } from "./support/db.ts";

export const DAY = 86_400_000;
export const T0 = "2026-11-02T09:00:00.000Z";

export const daysBefore = (days: number, from = T0) => new Date(Date.parse(from) - days * DAY).toISOString();
export const daysAfter = (days: number, from = T0) => new Date(Date.parse(from) + days * DAY).toISOString();

export interface SeedUser {
  email: string;
  /** Days since the last sign-in, or null for never. */
  signedIn: number | null;
  /** Days since creation (default 400). */
  created?: number;
  accountType?: "user" | "admin" | "service";
  status?: "active" | "disabled" | "deleted";
  deletedDaysAgo?: number;
  groups?: string[];
}

export async function seedUsers(db: Database, list: SeedUser[], now = T0): Promise<void> {
  const groupNames = [...new Set(list.flatMap((u) => u.groups ?? []))];
  const existing = await db.select().from(groups);
  const ids = new Map(existing.map((g) => [g.name, g.id]));
  for (const name of groupNames) {
    if (ids.has(name)) continue;
    const [g] = await db.insert(groups).values({ name }).returning();
    ids.set(name, g!.id);
  }
  const inserted = await db
    .insert(users)
    .values(
      list.map((u) => ({
        email: u.email,
        displayName: u.email.split("@")[0]!.replace(/\./g, " "),
        status: u.status ?? "active",
        accountType: u.accountType ?? "user",
        lastLoginAt: u.signedIn === null ? null : daysBefore(u.signedIn, now),
        createdAt: daysBefore(u.created ?? 400, now),
        deletedAt: u.deletedDaysAgo !== undefined ? daysBefore(u.deletedDaysAgo, now) : null,
        disabledAt: u.status === "disabled" ? daysBefore(1, now) : null,
      })),
    )
    .returning({ id: users.id, email: users.email });
  const byEmail = new Map(inserted.map((u) => [u.email, u.id]));
  const memberships = list.flatMap((u) =>
    (u.groups ?? []).map((g) => ({ groupId: ids.get(g)!, userId: byEmail.get(u.email)! })),
  );
  if (memberships.length) await db.insert(groupMembers).values(memberships);
}

export async function statusOf(db: Database): Promise<Record<string, string>> {
  const rows = await db.select({ email: users.email, status: users.status }).from(users);
  return Object.fromEntries(rows.map((r) => [r.email, r.status]));
}

export async function addSchedule(
  db: Database,
  draft: ScheduleDraft,
  now = new Date(T0),
): Promise<ScheduleRecord> {
  const saved = await saveSchedule(db, {
    draft: { name: "Policy", cron: "0 9 * * 1", timezone: "UTC", inactiveDays: 90, ...draft },
    actor: "test",
    source: "cli",
    now,
  });
  if (!saved.ok) throw new Error(JSON.stringify(saved.errors));
  return saved.schedule;
}

export async function auditRows(db: Database, action?: string) {
  return queryRows<{
    actor: string;
    source: string;
    action: string;
    target: string | null;
    job_id: string | null;
  }>(
    db,
    action
      ? sql`select actor, source, action, target, job_id from audit_log where action = ${action} order by id`
      : sql`select actor, source, action, target, job_id from audit_log order by id`,
  );
}

export async function count(db: Database, table: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`));
  return Number(row?.n ?? 0);
}

export { schedules };
