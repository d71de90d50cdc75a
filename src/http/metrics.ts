// Prometheus metrics (GET /metrics, text format), on a registry of their own so that several servers in
// one process (tests) never share counters. Counters are fed by the job monitor (rows, durations) and the
// Slack fetch wrapper (API errors); job counts and queue depth are read from the database when scraped,
// so they are right across instances sharing one PostgreSQL.
import { sql } from "drizzle-orm";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { type Database, queryRows } from "../directory/client.ts";

export const JOB_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "completed_with_errors",
  "failed",
  "cancelled",
] as const;

export interface Metrics {
  readonly registry: Registry;
  /** Rows a worker of this process finished, by outcome. */
  readonly rowsProcessed: Counter<"outcome">;
  /** Jobs this process finished: seconds from start to end, by operation and final status. */
  readonly jobDuration: Histogram<"operation" | "status">;
  /** Slack Web API calls that failed (network, HTTP error or `ok:false`), by method. */
  readonly slackApiErrors: Counter<"method" | "error">;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  db: Pick<Database, "execute">;
  /** Process metrics (RSS, heap, event loop lag…) too; default true. */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const rowsProcessed = new Counter({
    name: "bulkusers_rows_processed_total",
    help: "Rows processed by the workers of this process, by outcome.",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  for (const outcome of ["succeeded", "failed", "skipped"]) rowsProcessed.inc({ outcome }, 0);

  const jobDuration = new Histogram({
    name: "bulkusers_job_duration_seconds",
    help: "Time from a job's start to its end (jobs finished by this process).",
    labelNames: ["operation", "status"] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [registry],
  });

  const slackApiErrors = new Counter({
    name: "bulkusers_slack_api_errors_total",
    help: "Slack Web API calls that failed (network error, HTTP error status or ok:false), by method.",
    labelNames: ["method", "error"] as const,
    registers: [registry],
  });

  const databaseUp = new Gauge({
    name: "bulkusers_database_up",
    help: "1 when the last scrape could read the jobs table, else 0.",
    registers: [registry],
  });

  // Read once per scrape for both gauges below; a scrape with the database away reports it as down and
  // leaves the last values (Prometheus sees a stale series, not a failed scrape).
  let snapshot: Promise<Map<string, number> | undefined> | undefined;
  const readJobs = () => {
    snapshot ??= queryRows<{ status: string; count: number | string }>(
      options.db,
      sql`select status, count(*) as count from jobs group by status`,
    )
      .then((rows) => new Map(rows.map((row) => [row.status, Number(row.count)])))
      .catch(() => undefined)
      .finally(() => setTimeout(() => (snapshot = undefined), 0));
    return snapshot;
  };

  new Gauge({
    name: "bulkusers_jobs",
    help: "Jobs in the directory by status.",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const counts = await readJobs();
      databaseUp.set(counts ? 1 : 0);
      if (!counts) return;
      for (const status of JOB_STATUSES) this.set({ status }, counts.get(status) ?? 0);
    },
  });

  new Gauge({
    name: "bulkusers_queue_depth",
    help: "Jobs waiting to run (queued, not yet started).",
    registers: [registry],
    async collect() {
      const counts = await readJobs();
      if (counts) this.set(counts.get("queued") ?? 0);
    },
  });

  return {
    registry,
    rowsProcessed,
    jobDuration,
    slackApiErrors,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
