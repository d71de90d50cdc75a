// A job's ONE progress message: built from the job's state, posted once (its ts in jobs.slack_progress_ts),
// then edited at most once every `throttleMs` (chat.update is Tier 3). The final edit goes through the same
// throttle, so the number of edits per job is bounded by the waits, whatever the job's size.
import { and, eq, isNull } from "drizzle-orm";
import { type JobRecord, jobs } from "../../directory/schema.ts";
import { getJob, isFinished, queuePosition } from "../../jobs/job-store.ts";
import { buildProgressMessage, buildQueuedMessage, type SlackMessage } from "../blocks/index.ts";
import { isChannelUnreachable, slackErrorCode } from "../files.ts";
import { asOperation, type FINISHED_STATUSES, iso, type JobState, type ReporterContext } from "./context.ts";
import { postInThread, relocate } from "./delivery.ts";

/** Waits until the job's next edit is allowed. */
export async function waitThrottle(ctx: ReporterContext, st: JobState): Promise<void> {
  if (st.lastEditAt === null) return;
  const elapsed = ctx.now() - st.lastEditAt;
  // A clock that does not move (tests) still waits a full interval: edits are bounded by the waits.
  const wait = elapsed > 0 ? ctx.throttleMs - elapsed : ctx.throttleMs;
  if (wait > 0) await ctx.sleep(wait);
}

/** The progress message for the job's state: queued (with its place in the queue), running or finished. */
export async function progressMessage(ctx: ReporterContext, job: JobRecord): Promise<SlackMessage> {
  const operation = asOperation(job.operation);
  const nowIso = ctx.clock().toISOString();
  const counts = { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped };
  if (job.status === "queued") {
    return buildQueuedMessage({
      jobId: job.id,
      operation,
      position: (await queuePosition(ctx.db, job)) ?? 1,
      total: job.total,
    });
  }
  const startedAt = iso(job.startedAt, iso(job.queuedAt, nowIso));
  const final = isFinished(job) ? (job.status as (typeof FINISHED_STATUSES)[number]) : undefined;
  return buildProgressMessage({
    jobId: job.id,
    operation,
    total: job.total,
    processed: final ? Math.max(job.processed, job.succeeded + job.failed + job.skipped) : job.processed,
    counts,
    startedAt,
    now: final ? iso(job.finishedAt, nowIso) : nowIso,
    ...(final ? { final } : {}),
  });
}

/** Edits the job's existing progress message; the edit counts for the throttle even when it fails. */
async function editProgress(
  ctx: ReporterContext,
  job: JobRecord,
  at: { channel: string; ts: string },
  st: JobState,
): Promise<void> {
  const message = await progressMessage(ctx, job);
  try {
    await ctx.client.chat.update({
      channel: at.channel,
      ts: at.ts,
      text: message.text,
      blocks: message.blocks,
    });
  } finally {
    st.lastEditAt = ctx.now();
  }
}

function isProgressMessageGone(error: unknown): boolean {
  const code = slackErrorCode(error);
  return code === "message_not_found" || code === "cant_update_message";
}

/** Makes sure the job has its progress message, showing its current state; edits it when it exists. */
export async function showProgress(
  ctx: ReporterContext,
  jobId: string,
  st: JobState,
  mode: "announce" | "progress",
): Promise<void> {
  const { db } = ctx;
  const job = await getJob(db, jobId);
  if (!job?.slackChannel) return;
  if (mode === "announce" && (job.slackProgressTs || isFinished(job) || st.finishing)) return;
  if (mode === "progress" && (isFinished(job) || st.finishing)) return;
  if (job.slackProgressTs) {
    try {
      await editProgress(ctx, job, { channel: job.slackChannel, ts: job.slackProgressTs }, st);
    } catch (error) {
      if (isProgressMessageGone(error)) {
        // Someone deleted it: the next update posts a fresh one.
        await db.update(jobs).set({ slackProgressTs: null }).where(eq(jobs.id, jobId));
      } else if (isChannelUnreachable(error)) {
        await relocate(ctx, job, error);
      }
      throw error;
    }
    return;
  }
  const message = await progressMessage(ctx, job);
  const posted = await postInThread(ctx, job, message);
  st.lastEditAt = ctx.now();
  const won = await db
    .update(jobs)
    .set({ slackProgressTs: posted.ts })
    .where(and(eq(jobs.id, jobId), isNull(jobs.slackProgressTs)))
    .returning({ id: jobs.id });
  if (won.length === 0) {
    // Another instance posted it first: keep one progress message.
    await ctx.client.chat.delete({ channel: posted.channel, ts: posted.ts }).catch(() => undefined);
  }
}

/** The final edit of a finished job's progress message (after the throttle's spacing). */
export async function showFinalProgress(ctx: ReporterContext, job: JobRecord, st: JobState): Promise<void> {
  if (!job.slackChannel || !job.slackProgressTs) return;
  await waitThrottle(ctx, st);
  try {
    await editProgress(ctx, job, { channel: job.slackChannel, ts: job.slackProgressTs }, st);
  } catch (error) {
    // A deleted progress message or an unreachable channel: the summary still says it all.
    if (!isProgressMessageGone(error) && !isChannelUnreachable(error)) throw error;
    ctx.logger?.warn({ jobId: job.id, error: slackErrorCode(error) }, "final progress edit skipped");
  }
}
