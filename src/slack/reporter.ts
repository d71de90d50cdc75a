// The Slack JobReporter: a job's progress and results go to its thread (jobs.slack_channel/slack_thread_ts).
//
// - Progress: ONE message per job (posted once, its ts in jobs.slack_progress_ts), edited with chat.update
//   at most once every `throttleMs` (2 s; chat.update is Tier 3). Progress states are coalesced: only the
//   latest one waiting is ever shown; the final edit always goes out (after the same spacing).
// - The end: the final edit, the summary message, the results CSV (files.uploadV2 to the thread), the errors
//   CSV when rows failed, the credentials CSV by DM to the approver only (then forgotten), then
//   jobs.reported_at. Each step is recorded in jobs.report as it completes, so a retry never repeats one.
// - Failures (429 after WebClient's own Retry-After handling, 5xx, timeouts, …) are logged and the final
//   report is retried with exponential backoff until it lands; a periodic sweep (`retryPendingReports`)
//   also picks up finished jobs whose report never landed (e.g. the process died).
// - A channel the bot cannot post in (not_in_channel, channel_not_found, archived…) moves the job's Slack
//   home to a DM with the approver, and everything goes on there.
// - onProgress/onFinished never wait for Slack: work is queued per job, one Slack call after another, so the
//   number of Slack calls per job is a constant plus one edit per throttle interval, whatever its size.
import type { WebClient } from "@slack/web-api";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { isOperation, type Operation } from "../core/types.ts";
import { type JobRecord, jobs } from "../directory/schema.ts";
import { getJob, isFinished, queuePosition } from "../jobs/job-store.ts";
import { credentialsCsv, forgetCredentials, readCredentials, resultsCsv } from "../jobs/results.ts";
import type { Engine } from "../jobs/service.ts";
import type { JobReporter } from "../jobs/worker.ts";
import type { Logger } from "../logger.ts";
import { slackUserOf } from "./auth.ts";
import {
  buildFinishedMessage,
  buildPasswordsDmMessage,
  buildProgressMessage,
  buildQueuedMessage,
  buildReportMovedMessage,
  type SlackMessage,
} from "./blocks/index.ts";
import { isChannelUnreachable, openDm, slackErrorCode, uploadCsv } from "./files.ts";

export interface SlackReporterOptions {
  client: WebClient;
  engine: Engine;
  logger?: Logger;
  /** Minimum spacing of a job's message edits (default 2,000 ms). */
  throttleMs?: number;
  /** Time source for the throttle and the messages (default: the engine's clock). */
  clock?: () => Date;
  /** How to wait for the throttle (default: setTimeout). Tests inject a controllable one. */
  sleep?: (ms: number) => Promise<void>;
  /** First retry of a failed final report after this long, doubling up to `retryMaxMs` (default 5 s / 5 min). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Period of the sweep for reports that never landed (default 60 s; 0 = no timer). */
  sweepMs?: number;
  /** A finished job's report is only taken over by the sweep this long after it finished (default 60 s). */
  sweepGraceMs?: number;
  /** The slash command as registered (for hints in messages). */
  command?: string;
}

export interface SlackReporter extends JobReporter {
  /**
   * Posts the job's one progress message (its queued state) in its thread, right after confirmation.
   * Resolves once posted (or once it failed: failures are logged, progress retries on its own).
   */
  announce(job: JobRecord): Promise<void>;
  /** Queues the final report of finished Slack jobs whose report has not landed yet; returns how many. */
  retryPendingReports(options?: { graceMs?: number }): Promise<number>;
  /** Resolves when all Slack work queued so far has settled (tests, shutdown). */
  idle(): Promise<void>;
  /** Starts the periodic sweep. */
  start(): void;
  /** Stops timers and waits for work in flight. */
  stop(): Promise<void>;
}

/** jobs.report: the steps of the final report already done. */
export interface ReportState {
  /** The progress message shows the final state (or there was none to edit). */
  progress?: boolean;
  /** ts of the summary message. */
  summary?: string;
  /** File ids of the uploads ("done" when Slack gave none back). */
  results?: string;
  errors?: string;
  /** ts of the DM that introduces the credentials CSV. */
  passwordsNote?: string;
  credentials?: "sent" | "none" | "no_slack_approver";
  /** The channel the job moved away from (the bot could not post there). */
  relocatedFrom?: string;
  attempts?: number;
  lastError?: string;
}

interface JobState {
  chain: Promise<void>;
  /** Latest progress not shown yet (coalesced). */
  latest: JobRecord | null;
  /** A progress flush is queued. */
  scheduled: boolean;
  /** When the progress message was last posted or edited (reporter clock, ms). */
  lastEditAt: number | null;
  /** onFinished was called: progress edits stop, the final report owns the message. */
  finishing: boolean;
}

const FINISHED_STATUSES = ["succeeded", "completed_with_errors", "failed"] as const;

function asOperation(value: string): Operation {
  return isOperation(value) ? value : "update";
}

function describe(error: unknown): string {
  const code = slackErrorCode(error);
  if (code) return code;
  return error instanceof Error ? error.message.slice(0, 300) : String(error).slice(0, 300);
}

function iso(value: string | null | undefined, fallback: string): string {
  if (!value) return fallback;
  const t = Date.parse(value);
  return Number.isNaN(t) ? fallback : new Date(t).toISOString();
}

export function createSlackReporter(options: SlackReporterOptions): SlackReporter {
  const { client, engine, logger } = options;
  const db = engine.db;
  const throttleMs = options.throttleMs ?? 2000;
  const clock = options.clock ?? engine.clock;
  const sleep =
    options.sleep ??
    ((ms: number) =>
      new Promise<void>((resolve) => {
        setTimeout(resolve, ms).unref?.();
      }));
  const retryBaseMs = options.retryBaseMs ?? 5000;
  const retryMaxMs = options.retryMaxMs ?? 300_000;
  const sweepMs = options.sweepMs ?? 60_000;
  const sweepGraceMs = options.sweepGraceMs ?? 60_000;
  const command = options.command ?? "/bulkusers";

  const states = new Map<string, JobState>();
  const retryTimers = new Map<string, NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  const now = () => clock().getTime();

  function state(jobId: string): JobState {
    let st = states.get(jobId);
    if (!st) {
      st = { chain: Promise.resolve(), latest: null, scheduled: false, lastEditAt: null, finishing: false };
      states.set(jobId, st);
    }
    return st;
  }

  /** Runs `task` after the job's previous Slack work; never rejects. */
  function enqueue(jobId: string, task: () => Promise<void>): Promise<void> {
    const st = state(jobId);
    const run = st.chain.then(task).catch((error: unknown) => {
      logger?.error({ jobId, error: describe(error) }, "slack reporter task failed");
    });
    st.chain = run;
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
    return run;
  }

  async function waitThrottle(st: JobState): Promise<void> {
    if (st.lastEditAt === null) return;
    const elapsed = now() - st.lastEditAt;
    // A clock that does not move (tests) still waits a full interval: edits are bounded by the waits.
    const wait = elapsed > 0 ? throttleMs - elapsed : throttleMs;
    if (wait > 0) await sleep(wait);
  }

  async function progressMessage(job: JobRecord): Promise<SlackMessage> {
    const operation = asOperation(job.operation);
    const nowIso = clock().toISOString();
    const counts = { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped };
    if (job.status === "queued") {
      return buildQueuedMessage({
        jobId: job.id,
        operation,
        position: (await queuePosition(db, job)) ?? 1,
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

  async function patchReport(jobId: string, patch: ReportState): Promise<void> {
    await db
      .update(jobs)
      .set({ report: sql`${jobs.report} || ${JSON.stringify(patch)}::jsonb` })
      .where(eq(jobs.id, jobId));
  }

  /** The bot cannot post in the job's channel: its Slack home becomes a DM with the approver. */
  async function relocate(job: JobRecord, cause: unknown): Promise<void> {
    const approver = slackUserOf(job.approvedBy);
    if (!approver || job.slackChannel?.startsWith("D")) throw cause;
    const dm = await openDm(client, approver);
    logger?.warn(
      { jobId: job.id, channel: job.slackChannel, error: describe(cause), dm },
      "cannot post in the job's channel; reporting to the approver by DM instead",
    );
    const from = job.slackChannel ?? "";
    await db
      .update(jobs)
      .set({ slackChannel: dm, slackThreadTs: null, slackProgressTs: null })
      .where(eq(jobs.id, job.id));
    await patchReport(job.id, { relocatedFrom: from });
    job.slackChannel = dm;
    job.slackThreadTs = null;
    job.slackProgressTs = null;
    // Never a silent move: the DM starts by saying which channel refused, why, and how to invite the bot.
    const botUserId = await client.auth
      .test()
      .then((r) => r.user_id)
      .catch(() => undefined);
    const note = buildReportMovedMessage({
      jobId: job.id,
      channelId: from,
      error: slackErrorCode(cause) ?? "unknown_error",
      ...(botUserId ? { botUserId } : {}),
    });
    await client.chat
      .postMessage({ channel: dm, text: note.text, blocks: note.blocks })
      .catch((error: unknown) =>
        logger?.warn({ jobId: job.id, error: describe(error) }, "could not explain the move"),
      );
  }

  /** Posts in the job's thread (the first post without a thread starts it). Falls back to the approver's DM. */
  async function post(job: JobRecord, message: SlackMessage): Promise<{ channel: string; ts: string }> {
    for (let attempt = 0; ; attempt++) {
      const channel = job.slackChannel;
      if (!channel) throw new Error(`job ${job.id} has no Slack channel`);
      try {
        const res = await client.chat.postMessage({
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
          await db
            .update(jobs)
            .set({ slackThreadTs: ts })
            .where(and(eq(jobs.id, job.id), isNull(jobs.slackThreadTs)));
          job.slackThreadTs = ts;
        }
        return { channel, ts };
      } catch (error) {
        if (attempt > 0 || !isChannelUnreachable(error)) throw error;
        await relocate(job, error);
      }
    }
  }

  async function upload(job: JobRecord, filename: string, bytes: Uint8Array): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const channel = job.slackChannel;
      if (!channel) throw new Error(`job ${job.id} has no Slack channel`);
      try {
        const id = await uploadCsv(client, { channel, threadTs: job.slackThreadTs, filename, bytes });
        return id ?? "done";
      } catch (error) {
        if (attempt > 0 || !isChannelUnreachable(error)) throw error;
        await relocate(job, error);
      }
    }
  }

  /** Makes sure the job has its progress message, showing `job`'s state; edits it when it exists. */
  async function showProgress(jobId: string, st: JobState, mode: "announce" | "progress"): Promise<void> {
    const job = await getJob(db, jobId);
    if (!job?.slackChannel) return;
    if (mode === "announce" && (job.slackProgressTs || isFinished(job) || st.finishing)) return;
    if (mode === "progress" && (isFinished(job) || st.finishing)) return;
    const message = await progressMessage(job);
    if (job.slackProgressTs) {
      try {
        await client.chat.update({
          channel: job.slackChannel,
          ts: job.slackProgressTs,
          text: message.text,
          blocks: message.blocks,
        });
      } catch (error) {
        const code = slackErrorCode(error);
        if (code === "message_not_found" || code === "cant_update_message") {
          // Someone deleted it: the next update posts a fresh one.
          await db.update(jobs).set({ slackProgressTs: null }).where(eq(jobs.id, jobId));
        } else if (isChannelUnreachable(error)) {
          await relocate(job, error);
        }
        throw error;
      } finally {
        st.lastEditAt = now();
      }
      return;
    }
    const posted = await post(job, message);
    st.lastEditAt = now();
    const won = await db
      .update(jobs)
      .set({ slackProgressTs: posted.ts })
      .where(and(eq(jobs.id, jobId), isNull(jobs.slackProgressTs)))
      .returning({ id: jobs.id });
    if (won.length === 0) {
      // Another instance posted it first: keep one progress message.
      await client.chat.delete({ channel: posted.channel, ts: posted.ts }).catch(() => undefined);
    }
  }

  async function finalReport(jobId: string): Promise<void> {
    const job = await getJob(db, jobId);
    if (!job?.slackChannel || job.reportedAt || !isFinished(job)) return;
    const st = state(jobId);
    const report: ReportState = { ...(job.report as ReportState) };
    const mark = async (patch: ReportState) => {
      Object.assign(report, patch);
      await patchReport(jobId, patch);
    };
    const operation = asOperation(job.operation);
    const nowIso = clock().toISOString();
    try {
      if (!report.progress) {
        if (job.slackProgressTs) {
          await waitThrottle(st);
          const message = await progressMessage(job);
          try {
            await client.chat.update({
              channel: job.slackChannel,
              ts: job.slackProgressTs,
              text: message.text,
              blocks: message.blocks,
            });
          } catch (error) {
            const code = slackErrorCode(error);
            // A deleted progress message or an unreachable channel: the summary below still says it all.
            if (
              code !== "message_not_found" &&
              code !== "cant_update_message" &&
              !isChannelUnreachable(error)
            )
              throw error;
            logger?.warn({ jobId, error: code }, "final progress edit skipped");
          } finally {
            st.lastEditAt = now();
          }
        }
        await mark({ progress: true });
      }

      const approver = slackUserOf(job.approvedBy);
      let credentials = report.credentials ? [] : await readCredentials(db, engine.sealer, jobId);
      const passwordsSentTo =
        approver && (report.credentials === "sent" || credentials.length > 0) ? approver : undefined;

      if (!report.summary) {
        const message = buildFinishedMessage({
          jobId,
          operation,
          total: job.total,
          counts: { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped },
          startedAt: iso(job.startedAt, iso(job.queuedAt, nowIso)),
          finishedAt: iso(job.finishedAt, nowIso),
          ...(job.status === "failed" ? { error: job.error ?? "the job failed" } : {}),
          ...(passwordsSentTo ? { passwordsSentTo } : {}),
          undoable: job.succeeded > 0 && operation !== "reset-password",
          command,
        });
        const posted = await post(job, message);
        await mark({ summary: posted.ts });
      }
      if (!report.results) {
        const bytes = await resultsCsv(db, job);
        await mark({ results: await upload(job, `results-${jobId}.csv`, bytes) });
      }
      if (job.failed > 0 && !report.errors) {
        const bytes = await resultsCsv(db, job, { onlyFailed: true });
        await mark({ errors: await upload(job, `errors-${jobId}.csv`, bytes) });
      }
      if (!report.credentials) {
        if (credentials.length === 0) credentials = await readCredentials(db, engine.sealer, jobId);
        if (credentials.length === 0) {
          await mark({ credentials: "none" });
        } else if (!approver) {
          // Never to a channel: without a Slack approver they stay sealed for `bulkusers job` to hand over.
          logger?.error({ jobId }, "temporary passwords not delivered: the approver is not a Slack user");
          await mark({ credentials: "no_slack_approver" });
        } else {
          const dm = await openDm(client, approver);
          if (!report.passwordsNote) {
            const note = buildPasswordsDmMessage({ jobId, operation, count: credentials.length });
            const res = await client.chat.postMessage({ channel: dm, text: note.text, blocks: note.blocks });
            await mark({ passwordsNote: res.ts ?? "done" });
          }
          await uploadCsv(client, {
            channel: dm,
            filename: `credentials-${jobId}.csv`,
            title: `Temporary passwords (job ${jobId})`,
            bytes: credentialsCsv(credentials),
          });
          await forgetCredentials(db, jobId);
          await mark({ credentials: "sent" });
        }
      }
      await db.update(jobs).set({ reportedAt: clock().toISOString() }).where(eq(jobs.id, jobId));
      states.delete(jobId);
      logger?.info({ jobId }, "final report delivered to Slack");
    } catch (error) {
      const attempts = (report.attempts ?? 0) + 1;
      logger?.warn(
        { jobId, attempts, error: describe(error) },
        "final report to Slack failed; it will be retried",
      );
      await patchReport(jobId, { attempts, lastError: describe(error) }).catch(() => undefined);
      scheduleRetry(jobId, attempts);
    }
  }

  function scheduleRetry(jobId: string, attempts: number): void {
    if (stopping || retryTimers.has(jobId)) return;
    const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(20, attempts - 1));
    const timer = setTimeout(() => {
      retryTimers.delete(jobId);
      if (!stopping) void enqueue(jobId, () => finalReport(jobId));
    }, delay);
    timer.unref?.();
    retryTimers.set(jobId, timer);
  }

  const reporter: SlackReporter = {
    onProgress(job) {
      if (!job.slackChannel || stopping) return;
      const st = state(job.id);
      if (st.finishing) return;
      st.latest = job;
      if (st.scheduled) return;
      st.scheduled = true;
      void enqueue(job.id, async () => {
        try {
          await waitThrottle(st);
        } finally {
          st.scheduled = false;
        }
        const latest = st.latest;
        st.latest = null;
        if (!latest || st.finishing) return;
        try {
          await showProgress(job.id, st, "progress");
        } catch (error) {
          // A lost edit is fine: the next one (or the final one) carries a newer state.
          logger?.warn({ jobId: job.id, error: describe(error) }, "progress edit failed");
        }
      });
    },

    onFinished(job) {
      if (!job.slackChannel) return;
      const st = state(job.id);
      st.finishing = true;
      st.latest = null;
      void enqueue(job.id, () => finalReport(job.id));
    },

    announce(job) {
      if (!job.slackChannel) return Promise.resolve();
      const st = state(job.id);
      return enqueue(job.id, async () => {
        try {
          await showProgress(job.id, st, "announce");
        } catch (error) {
          logger?.warn(
            { jobId: job.id, error: describe(error) },
            "could not post the job's progress message",
          );
        }
      });
    },

    async retryPendingReports(opts = {}) {
      const graceMs = opts.graceMs ?? sweepGraceMs;
      const cutoff = new Date(now() - graceMs).toISOString();
      const pending = await db
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
      let queued = 0;
      for (const { id } of pending) {
        if (retryTimers.has(id) || states.get(id)?.finishing) continue;
        state(id).finishing = true;
        void enqueue(id, () => finalReport(id));
        queued++;
      }
      return queued;
    },

    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },

    start() {
      stopping = false;
      if (sweepMs > 0 && !sweepTimer) {
        sweepTimer = setInterval(() => {
          reporter.retryPendingReports().catch((error: unknown) => {
            logger?.warn({ error: describe(error) }, "sweep of pending Slack reports failed");
          });
        }, sweepMs);
        sweepTimer.unref?.();
      }
    },

    async stop() {
      stopping = true;
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = undefined;
      for (const timer of retryTimers.values()) clearTimeout(timer);
      retryTimers.clear();
      await reporter.idle();
    },
  };
  return reporter;
}
