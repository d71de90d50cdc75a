// A finished job's final report: the final progress edit, the summary message, the results CSV, the errors
// CSV when rows failed, the credentials CSV by DM to the approver only (then forgotten), then
// jobs.reported_at. Each step is recorded in jobs.report as it completes, so a retry never repeats one.
import { eq } from "drizzle-orm";
import { type JobRecord, jobs } from "../../directory/schema.ts";
import { getJob, isFinished } from "../../jobs/job-store.ts";
import {
  type Credential,
  credentialsCsv,
  forgetCredentials,
  readCredentials,
  resultsCsv,
} from "../../jobs/results.ts";
import { slackUserOf } from "../auth.ts";
import { buildFinishedMessage, buildPasswordsDmMessage } from "../blocks/index.ts";
import { openDm, uploadCsv } from "../files.ts";
import {
  asOperation,
  describe,
  iso,
  type JobState,
  patchReport,
  type ReporterContext,
  type ReportState,
} from "./context.ts";
import { postInThread, uploadInThread } from "./delivery.ts";
import { showFinalProgress } from "./progress.ts";

/** What came of one attempt: delivered, nothing to do (not finished, already reported), or failed. */
export type FinalReportOutcome = "delivered" | "not-due" | { failedAttempts: number };

/** One attempt at the job's final report, resuming after the steps jobs.report says are done. */
export async function deliverFinalReport(
  ctx: ReporterContext,
  jobId: string,
  st: JobState,
): Promise<FinalReportOutcome> {
  const { db, logger } = ctx;
  const job = await getJob(db, jobId);
  if (!job?.slackChannel || job.reportedAt || !isFinished(job)) return "not-due";
  const report: ReportState = { ...(job.report as ReportState) };
  const mark = async (patch: ReportState) => {
    Object.assign(report, patch);
    await patchReport(ctx, jobId, patch);
  };
  try {
    if (!report.progress) {
      await showFinalProgress(ctx, job, st);
      await mark({ progress: true });
    }
    const approver = slackUserOf(job.approvedBy);
    const credentials = report.credentials ? [] : await readCredentials(db, ctx.engine.sealer, jobId);
    const passwordsSentTo =
      approver && (report.credentials === "sent" || credentials.length > 0) ? approver : undefined;
    if (!report.summary) {
      const posted = await postInThread(ctx, job, summaryMessage(ctx, job, passwordsSentTo));
      await mark({ summary: posted.ts });
    }
    if (!report.results) {
      const bytes = await resultsCsv(db, job);
      await mark({ results: await uploadInThread(ctx, job, `results-${jobId}.csv`, bytes) });
    }
    if (job.failed > 0 && !report.errors) {
      const bytes = await resultsCsv(db, job, { onlyFailed: true });
      await mark({ errors: await uploadInThread(ctx, job, `errors-${jobId}.csv`, bytes) });
    }
    if (!report.credentials) await sendCredentials(ctx, job, approver, credentials, report, mark);
    await db.update(jobs).set({ reportedAt: ctx.clock().toISOString() }).where(eq(jobs.id, jobId));
    logger?.info({ jobId }, "final report delivered to Slack");
    return "delivered";
  } catch (error) {
    const attempts = (report.attempts ?? 0) + 1;
    logger?.warn(
      { jobId, attempts, error: describe(error) },
      "final report to Slack failed; it will be retried",
    );
    await patchReport(ctx, jobId, { attempts, lastError: describe(error) }).catch(() => undefined);
    return { failedAttempts: attempts };
  }
}

function summaryMessage(ctx: ReporterContext, job: JobRecord, passwordsSentTo: string | undefined) {
  const operation = asOperation(job.operation);
  const nowIso = ctx.clock().toISOString();
  return buildFinishedMessage({
    jobId: job.id,
    operation,
    total: job.total,
    counts: { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped },
    startedAt: iso(job.startedAt, iso(job.queuedAt, nowIso)),
    finishedAt: iso(job.finishedAt, nowIso),
    ...(job.status === "failed" ? { error: job.error ?? "the job failed" } : {}),
    ...(passwordsSentTo ? { passwordsSentTo } : {}),
    undoable: job.succeeded > 0 && operation !== "reset-password",
    command: ctx.command,
  });
}

/** The temporary passwords: by DM to the approver only, then forgotten; never to a channel. */
async function sendCredentials(
  ctx: ReporterContext,
  job: JobRecord,
  approver: string | null | undefined,
  alreadyRead: Credential[],
  report: ReportState,
  mark: (patch: ReportState) => Promise<void>,
): Promise<void> {
  const jobId = job.id;
  const credentials =
    alreadyRead.length > 0 ? alreadyRead : await readCredentials(ctx.db, ctx.engine.sealer, jobId);
  if (credentials.length === 0) {
    await mark({ credentials: "none" });
    return;
  }
  if (!approver) {
    // Without a Slack approver they stay sealed for `bulkusers job` to hand over.
    ctx.logger?.error({ jobId }, "temporary passwords not delivered: the approver is not a Slack user");
    await mark({ credentials: "no_slack_approver" });
    return;
  }
  const dm = await openDm(ctx.client, approver);
  if (!report.passwordsNote) {
    const note = buildPasswordsDmMessage({
      jobId,
      operation: asOperation(job.operation),
      count: credentials.length,
    });
    const res = await ctx.client.chat.postMessage({ channel: dm, text: note.text, blocks: note.blocks });
    await mark({ passwordsNote: res.ts ?? "done" });
  }
  await uploadCsv(ctx.client, {
    channel: dm,
    filename: `credentials-${jobId}.csv`,
    title: `Temporary passwords (job ${jobId})`,
    bytes: credentialsCsv(credentials),
  });
  await forgetCredentials(ctx.db, jobId);
  await mark({ credentials: "sent" });
}
