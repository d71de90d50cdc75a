// What the pure inactivity rules need from the database — the inactive users (and those a schedule has
// warned) with their account type and last re-enable, the warnings sent, the active-user count — and the
// evaluation of a policy against them now. Used by policy runs and by the report's "Deactivate these N".
import { eq, sql } from "drizzle-orm";
import {
  evaluateInactivity,
  type InactivityEvaluation,
  type InactivityPolicy,
  type InactivityUser,
  type InactivityWarning,
} from "../core/inactivity.ts";
import type { DirectoryUser } from "../core/types.ts";
import { type Executor, queryRows } from "../directory/client.ts";
import { inactivityWarnings } from "../directory/schema.ts";
import { DIRECTORY_USER_COLUMNS, toDirectoryUser } from "../directory/view.ts";

/** A directory user with what the policy needs besides. */
export type PolicyUser = DirectoryUser & InactivityUser;

interface PolicyUserRow extends Record<string, unknown> {
  account_type: InactivityUser["accountType"];
  reactivated_at: string | null;
}

/**
 * Every user inactive for more than `inactiveDays` (plus, for a schedule, every user it has warned), with
 * their account type and last re-enable: a fixed number of queries whatever the directory size.
 */
export async function loadPolicyUsers(
  db: Executor,
  options: { inactiveDays: number; now: Date; scheduleId?: string },
): Promise<{ users: PolicyUser[]; activeUserCount: number; warnings: InactivityWarning[] }> {
  const cutoff = new Date(options.now.getTime() - options.inactiveDays * 86_400_000).toISOString();
  const scheduleId = options.scheduleId ?? "";
  const rows = await queryRows<Parameters<typeof toDirectoryUser>[0] & PolicyUserRow>(
    db,
    sql`with reactivated as (
          select a.target as email, max(a.at) as at from audit_log a
          where a.action in ('user.enable', 'user.restore') and a.target is not null
          group by a.target
        )
        select ${DIRECTORY_USER_COLUMNS}, u.account_type, r.at::text as reactivated_at
        from users u
          left join users m on m.id = u.manager_id
          left join reactivated r on r.email = u.email
        where coalesce(u.last_login_at, u.created_at) < ${cutoff}::timestamptz
           or u.id in (select w.user_id from inactivity_warnings w where w.schedule_id = ${scheduleId})
        order by u.email`,
  );
  const users = rows.map((row) => ({
    ...toDirectoryUser(row),
    accountType: row.account_type,
    reactivatedAt: row.reactivated_at === null ? null : new Date(row.reactivated_at).toISOString(),
  }));
  const [count] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from users where status = 'active'`,
  );
  const warnings = options.scheduleId
    ? (
        await db
          .select()
          .from(inactivityWarnings)
          .where(eq(inactivityWarnings.scheduleId, options.scheduleId))
      ).map((w) => ({
        userId: w.userId,
        warnedAt: new Date(w.warnedAt).toISOString(),
        deactivateAfter: new Date(w.deactivateAfter).toISOString(),
      }))
    : [];
  return { users, activeUserCount: Number(count?.n ?? 0), warnings };
}

/** Evaluates `policy` now against the directory (and, for a schedule, the warnings it has sent). */
export async function evaluatePolicy(
  db: Executor,
  policy: InactivityPolicy,
  options: { now: Date; scheduleId?: string },
): Promise<InactivityEvaluation<PolicyUser>> {
  const data = await loadPolicyUsers(db, {
    inactiveDays: policy.inactiveDays,
    now: options.now,
    scheduleId: options.scheduleId,
  });
  return evaluateInactivity({
    users: data.users,
    policy,
    warnings: data.warnings,
    now: options.now.toISOString(),
    activeUserCount: data.activeUserCount,
  });
}
