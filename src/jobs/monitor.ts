// What an operator reads about jobs: one log line when a job starts (operation, rows, who), at most one
// every `logEveryMs` (10 s) while it runs (done/total, rows/s), and one when it ends (counts, duration);
// the same events feed the metrics (rows by outcome, job duration). A JobReporter like Slack's, so the
// worker treats it the same way: it must never throw into the worker and never wait.
import type { JobRecord } from "../directory/schema.ts";
import type { Metrics } from "../http/metrics.ts";
import type { Logger } from "../logger.ts";
import type { JobReporter } from "./worker.ts";

export interface JobMonitorOptions {
  logger?: Logger;
  metrics?: Pick<Metrics, "rowsProcessed" | "jobDuration">;
  clock?: () => Date;
  /** Least spacing of a job's progress lines (default 10,000 ms). */
  logEveryMs?: number;
}

interface Seen {
  startedAt: number;
  /** Counters when this process took the job (a resumed job started earlier elsewhere). */
  base: { processed: number; succeeded: number; failed: number; skipped: number };
  last: { succeeded: number; failed: number; skipped: number };
  lastLogAt: number;
}

const count = (n: number) => n.toLocaleString("en-US");

export function createJobMonitor(
  options: JobMonitorOptions = {},
): Required<Pick<JobReporter, "onStarted">> & JobReporter {
  const { logger, metrics } = options;
  const clock = options.clock ?? (() => new Date());
  const logEveryMs = options.logEveryMs ?? 10_000;
  const seen = new Map<string, Seen>();

  const track = (job: JobRecord): Seen => {
    let entry = seen.get(job.id);
    if (!entry) {
      const now = clock().getTime();
      entry = {
        startedAt: now,
        base: {
          processed: job.processed,
          succeeded: job.succeeded,
          failed: job.failed,
          skipped: job.skipped,
        },
        last: { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped },
        lastLogAt: now,
      };
      seen.set(job.id, entry);
    }
    return entry;
  };

  /** Rows finished since the last call feed the counter (counters only go up; a job is counted once). */
  const countRows = (job: JobRecord, entry: Seen) => {
    for (const outcome of ["succeeded", "failed", "skipped"] as const) {
      const delta = job[outcome] - entry.last[outcome];
      if (delta > 0) metrics?.rowsProcessed.inc({ outcome }, delta);
      entry.last[outcome] = Math.max(entry.last[outcome], job[outcome]);
    }
  };

  const rate = (job: JobRecord, entry: Seen, now: number) => {
    const seconds = Math.max(0.001, (now - entry.startedAt) / 1000);
    return Math.round((job.processed - entry.base.processed) / seconds);
  };

  return {
    onStarted(job) {
      track(job);
      const resumed = job.processed > 0;
      logger?.info(
        {
          jobId: job.id,
          operation: job.operation,
          rows: job.total,
          requestedBy: job.requestedBy,
          approvedBy: job.approvedBy,
          source: job.source,
          ...(resumed ? { resumedAt: job.processed } : {}),
        },
        `job ${job.id} ${resumed ? "resumed" : "started"}: ${job.operation} of ${count(job.total)} rows, approved by ${job.approvedBy}` +
          (resumed ? ` (${count(job.processed)} already done)` : ""),
      );
    },
    onProgress(job) {
      const entry = track(job);
      countRows(job, entry);
      const now = clock().getTime();
      if (now - entry.lastLogAt < logEveryMs) return;
      entry.lastLogAt = now;
      const rowsPerSecond = rate(job, entry, now);
      logger?.info(
        { jobId: job.id, operation: job.operation, done: job.processed, total: job.total, rowsPerSecond },
        `job ${job.id}: ${count(job.processed)}/${count(job.total)} rows (${count(rowsPerSecond)} rows/s)`,
      );
    },
    onFinished(job) {
      const entry = track(job);
      countRows(job, entry);
      seen.delete(job.id);
      const now = clock().getTime();
      const durationMs = now - entry.startedAt;
      // The job's own start (it may have begun in another process before a resume) when known.
      const since = job.startedAt ? Date.parse(job.startedAt) : Number.NaN;
      const totalSeconds = Number.isNaN(since) ? durationMs / 1000 : Math.max(0, (now - since) / 1000);
      metrics?.jobDuration.observe({ operation: job.operation, status: job.status }, totalSeconds);
      const counts = { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped };
      const line = `job ${job.id} ${job.status}: ${count(job.succeeded)} succeeded, ${count(job.failed)} failed, ${count(job.skipped)} skipped in ${(durationMs / 1000).toFixed(1)} s`;
      const fields = {
        jobId: job.id,
        operation: job.operation,
        status: job.status,
        ...counts,
        total: job.total,
        durationMs,
        rowsPerSecond: rate(job, entry, now),
        ...(job.error ? { error: job.error } : {}),
      };
      if (job.status === "failed") logger?.error(fields, line);
      else logger?.info(fields, line);
    },
  };
}
