import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { JobRecord } from "../directory/schema.ts";
import { createMetrics } from "../http/metrics.ts";
import { createJobMonitor } from "./monitor.ts";

function job(patch: Partial<JobRecord>): JobRecord {
  return {
    id: "job_1",
    planId: "plan_1",
    operation: "create",
    status: "running",
    source: "slack",
    requestedBy: "slack:U1",
    approvedBy: "slack:U2",
    total: 50_000,
    processed: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    slackChannel: null,
    slackThreadTs: null,
    slackProgressTs: null,
    leaseOwner: "w",
    leaseExpiresAt: null,
    undoOf: null,
    error: null,
    reportedAt: null,
    report: {},
    queuedAt: "2026-12-01T09:00:00.000Z",
    startedAt: "2026-12-01T09:00:00.000Z",
    finishedAt: null,
    ...patch,
  } as JobRecord;
}

describe("job monitor", () => {
  it("logs the start, at most one progress line per 10 s, and the end; counts rows and durations", async () => {
    const lines: Array<Record<string, unknown> & { msg: string }> = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    let now = Date.parse("2026-12-01T09:00:00.000Z");
    const metrics = createMetrics({
      db: { execute: async () => ({ rows: [] }) } as never,
      processMetrics: false,
    });
    const monitor = createJobMonitor({ logger, metrics, clock: () => new Date(now) });

    monitor.onStarted(job({}));
    for (let done = 2000; done <= 20_000; done += 2000) {
      now += 1000;
      monitor.onProgress(job({ processed: done, succeeded: done }));
    }
    now += 5000;
    monitor.onFinished(
      job({ status: "completed_with_errors", processed: 50_000, succeeded: 49_990, failed: 10 }),
    );

    expect(lines.map((l) => l.msg)).toEqual([
      "job job_1 started: create of 50,000 rows, approved by slack:U2",
      "job job_1: 20,000/50,000 rows (2,000 rows/s)",
      "job job_1 completed_with_errors: 49,990 succeeded, 10 failed, 0 skipped in 15.0 s",
    ]);
    expect(lines[0]).toMatchObject({ operation: "create", rows: 50_000, requestedBy: "slack:U1" });
    expect(lines[2]).toMatchObject({ succeeded: 49_990, failed: 10, durationMs: 15_000 });
    const text = await metrics.render();
    expect(text).toMatch(/^bulkusers_rows_processed_total\{outcome="succeeded"\} 49990$/m);
    expect(text).toMatch(/^bulkusers_rows_processed_total\{outcome="failed"\} 10$/m);
    expect(text).toMatch(
      /^bulkusers_job_duration_seconds_count\{operation="create",status="completed_with_errors"\} 1$/m,
    );
  });

  it("a resumed job says so and only counts the rows this process did", async () => {
    const lines: Array<{ msg: string }> = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const metrics = createMetrics({
      db: { execute: async () => ({ rows: [] }) } as never,
      processMetrics: false,
    });
    const monitor = createJobMonitor({ logger, metrics });
    monitor.onStarted(job({ processed: 4000, succeeded: 4000 }));
    monitor.onFinished(job({ status: "succeeded", processed: 50_000, succeeded: 50_000 }));
    expect(lines[0]?.msg).toBe(
      "job job_1 resumed: create of 50,000 rows, approved by slack:U2 (4,000 already done)",
    );
    expect(await metrics.render()).toMatch(/^bulkusers_rows_processed_total\{outcome="succeeded"\} 46000$/m);
  });
});
