// Final reports that did not land: retried with exponential backoff (Slack down, 429 after WebClient's own
// Retry-After handling, 5xx, timeouts…), and found again by a periodic sweep when the process that owed them
// died (finished jobs with a Slack home and no jobs.reported_at).
import { and, inArray, isNull, sql } from "drizzle-orm";
import { jobs } from "../../directory/schema.ts";
import { FINISHED_STATUSES, type ReporterContext } from "./context.ts";

/** The wait before retry number `attempts` (1 = the first): base, doubling, at most `maxMs`. */
export function retryDelay(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(20, attempts - 1));
}

/** Finished Slack jobs whose report has not landed, finished at least `graceMs` ago (100 at a time). */
export async function pendingReportJobIds(ctx: ReporterContext, graceMs: number): Promise<string[]> {
  const cutoff = new Date(ctx.now() - graceMs).toISOString();
  const pending = await ctx.db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        inArray(jobs.status, [...FINISHED_STATUSES]),
        isNull(jobs.reportedAt),
        sql`${jobs.slackChannel} is not null`,
        sql`coalesce(${jobs.finishedAt}, ${jobs.queuedAt}) <= ${cutoff}::timestamptz`,
      ),
    )
    .limit(100);
  return pending.map(({ id }) => id);
}
