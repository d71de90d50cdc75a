// The daily purge: users soft-deleted more than RESTORE_WINDOW_DAYS (30) days ago are deleted for good.
// One statement: the delete and an audit row per purged user (source `schedule`), in one transaction.
// Their group memberships, license assignments and warnings go with them (ON DELETE CASCADE); users they
// managed keep no dangling reference (ON DELETE SET NULL).
import { sql } from "drizzle-orm";
import { RESTORE_WINDOW_DAYS } from "../core/operations/delete.ts";
import { type Database, queryRows } from "../directory/client.ts";

export const PURGE_ACTOR = "schedule:purge";

export interface PurgeResult {
  purged: number;
  emails: string[];
}

export async function purgeDeletedUsers(
  db: Database,
  options: { now: Date; olderThanDays?: number; actor?: string },
): Promise<PurgeResult> {
  const days = options.olderThanDays ?? RESTORE_WINDOW_DAYS;
  const nowIso = options.now.toISOString();
  const cutoff = new Date(options.now.getTime() - days * 86_400_000).toISOString();
  const actor = options.actor ?? PURGE_ACTOR;
  const rows = await db.transaction(async (tx) =>
    queryRows<{ email: string }>(
      tx,
      sql`with purged as (
            delete from users
            where status = 'deleted' and deleted_at is not null and deleted_at < ${cutoff}::timestamptz
            returning *
          ), audited as (
            insert into audit_log (at, actor, source, action, target, before, after, details)
            select ${nowIso}::timestamptz, ${actor}, 'schedule', 'user.purge', p.email,
              to_jsonb(p) - 'password_hash', null,
              jsonb_build_object('deletedAt', p.deleted_at, 'restoreWindowDays', ${days}::int)
            from purged p
            returning target
          )
          select target as email from audited order by target`,
    ),
  );
  return { purged: rows.length, emails: rows.map((r) => r.email) };
}
