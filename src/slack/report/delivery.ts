// Posting and uploading in a job's thread, with the DM fallback: when the bot cannot post in the job's
// channel (not_in_channel, channel_not_found, archived…), the job's Slack home moves to a DM with the
// approver (recorded in jobs and in jobs.report.relocatedFrom), the DM opens with which channel refused and
// why, and the call is made once more there.
import { and, eq, isNull } from "drizzle-orm";
import { type JobRecord, jobs } from "../../directory/schema.ts";
import { slackUserOf } from "../auth.ts";
import { buildReportMovedMessage, type SlackMessage } from "../blocks/index.ts";
import { isChannelUnreachable, openDm, slackErrorCode, uploadCsv } from "../files.ts";
import { describe, patchReport, type ReporterContext } from "./context.ts";

/** The bot cannot post in the job's channel: its Slack home becomes a DM with the approver. */
export async function relocate(ctx: ReporterContext, job: JobRecord, cause: unknown): Promise<void> {
  const approver = slackUserOf(job.approvedBy);
  if (!approver || job.slackChannel?.startsWith("D")) throw cause;
  const dm = await openDm(ctx.client, approver);
  ctx.logger?.warn(
    { jobId: job.id, channel: job.slackChannel, error: describe(cause), dm },
    "cannot post in the job's channel; reporting to the approver by DM instead",
  );
  const from = job.slackChannel ?? "";
  await ctx.db
    .update(jobs)
    .set({ slackChannel: dm, slackThreadTs: null, slackProgressTs: null })
    .where(eq(jobs.id, job.id));
  await patchReport(ctx, job.id, { relocatedFrom: from });
  job.slackChannel = dm;
  job.slackThreadTs = null;
  job.slackProgressTs = null;
  // Never a silent move: the DM starts by saying which channel refused, why, and how to invite the bot.
  const botUserId = await ctx.client.auth
    .test()
    .then((r) => r.user_id)
    .catch(() => undefined);
  const note = buildReportMovedMessage({
    jobId: job.id,
    channelId: from,
    error: slackErrorCode(cause) ?? "unknown_error",
    ...(botUserId ? { botUserId } : {}),
  });
  await ctx.client.chat
    .postMessage({ channel: dm, text: note.text, blocks: note.blocks })
    .catch((error: unknown) =>
      ctx.logger?.warn({ jobId: job.id, error: describe(error) }, "could not explain the move"),
    );
}

/** Runs `call` in the job's channel; once more in the approver's DM when that channel is unreachable. */
async function inJobHome<T>(
  ctx: ReporterContext,
  job: JobRecord,
  call: (channel: string) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const channel = job.slackChannel;
    if (!channel) throw new Error(`job ${job.id} has no Slack channel`);
    try {
      return await call(channel);
    } catch (error) {
      if (attempt > 0 || !isChannelUnreachable(error)) throw error;
      await relocate(ctx, job, error);
    }
  }
}

/** Posts in the job's thread (the first post without a thread starts it). Falls back to the approver's DM. */
export function postInThread(
  ctx: ReporterContext,
  job: JobRecord,
  message: SlackMessage,
): Promise<{ channel: string; ts: string }> {
  return inJobHome(ctx, job, async (channel) => {
    const res = await ctx.client.chat.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
      ...(job.slackThreadTs ? { thread_ts: job.slackThreadTs } : {}),
    });
    const ts = res.ts;
    if (!ts) throw new Error("chat.postMessage returned no ts");
    if (!job.slackThreadTs) {
      await ctx.db
        .update(jobs)
        .set({ slackThreadTs: ts })
        .where(and(eq(jobs.id, job.id), isNull(jobs.slackThreadTs)));
      job.slackThreadTs = ts;
    }
    return { channel, ts };
  });
}

/** Uploads a CSV to the job's thread; returns the file id ("done" when Slack gave none back). */
export function uploadInThread(
  ctx: ReporterContext,
  job: JobRecord,
  filename: string,
  bytes: Uint8Array,
): Promise<string> {
  return inJobHome(ctx, job, async (channel) => {
    const id = await uploadCsv(ctx.client, { channel, threadTs: job.slackThreadTs, filename, bytes });
    return id ?? "done";
  });
}
