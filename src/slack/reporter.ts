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
//
// This module owns the per-job queues and timers; the parts live in slack/report/: context.ts (the shared
// context and the per-job record), progress.ts (the throttled progress message), delivery.ts (thread posts,
// uploads, the DM fallback), final.ts (the final report's steps) and retry.ts (backoff and the sweep).
import type { WebClient } from "@slack/web-api";
import type { JobRecord } from "../directory/schema.ts";
import type { Engine } from "../jobs/service.ts";
import type { JobReporter } from "../jobs/worker.ts";
import type { Logger } from "../logger.ts";
import { describe, type JobState, newJobState, type ReporterContext } from "./report/context.ts";
import { deliverFinalReport } from "./report/final.ts";
import { showProgress, waitThrottle } from "./report/progress.ts";
import { pendingReportJobIds, retryDelay } from "./report/retry.ts";

export type { ReportState } from "./report/context.ts";

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

export function createSlackReporter(options: SlackReporterOptions): SlackReporter {
  const { engine, logger } = options;
  const clock = options.clock ?? engine.clock;
  const ctx: ReporterContext = {
    client: options.client,
    engine,
    db: engine.db,
    logger,
    clock,
    now: () => clock().getTime(),
    throttleMs: options.throttleMs ?? 2000,
    sleep:
      options.sleep ??
      ((ms: number) =>
        new Promise<void>((resolve) => {
          setTimeout(resolve, ms).unref?.();
        })),
    command: options.command ?? "/bulkusers",
  };
  const retryBaseMs = options.retryBaseMs ?? 5000;
  const retryMaxMs = options.retryMaxMs ?? 300_000;
  const sweepMs = options.sweepMs ?? 60_000;
  const sweepGraceMs = options.sweepGraceMs ?? 60_000;

  const states = new Map<string, JobState>();
  const retryTimers = new Map<string, NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  function state(jobId: string): JobState {
    let st = states.get(jobId);
    if (!st) {
      st = newJobState();
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

  async function finalReport(jobId: string): Promise<void> {
    const outcome = await deliverFinalReport(ctx, jobId, state(jobId));
    if (outcome === "delivered") states.delete(jobId);
    else if (outcome !== "not-due") scheduleRetry(jobId, outcome.failedAttempts);
  }

  function scheduleRetry(jobId: string, attempts: number): void {
    if (stopping || retryTimers.has(jobId)) return;
    const timer = setTimeout(
      () => {
        retryTimers.delete(jobId);
        if (!stopping) void enqueue(jobId, () => finalReport(jobId));
      },
      retryDelay(attempts, retryBaseMs, retryMaxMs),
    );
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
          await waitThrottle(ctx, st);
        } finally {
          st.scheduled = false;
        }
        const latest = st.latest;
        st.latest = null;
        if (!latest || st.finishing) return;
        try {
          await showProgress(ctx, job.id, st, "progress");
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
          await showProgress(ctx, job.id, st, "announce");
        } catch (error) {
          logger?.warn(
            { jobId: job.id, error: describe(error) },
            "could not post the job's progress message",
          );
        }
      });
    },

    async retryPendingReports(opts = {}) {
      const pending = await pendingReportJobIds(ctx, opts.graceMs ?? sweepGraceMs);
      let queued = 0;
      for (const id of pending) {
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
