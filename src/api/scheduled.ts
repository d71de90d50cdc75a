// Dated operations over HTTP (mounted by router.ts):
//
//   POST …/disable?at=2026-12-31T18:00   one effective time for every row without its own date (org time zone)
//   GET    /automation/bulk-users/scheduled            work waiting for its time, earliest first   (right: read)
//   DELETE /automation/bulk-users/scheduled/:target    cancel a batch (sched_…) or one user's rows  (right: approve)
//
// A dated confirmation answers 202 {status: "scheduled", batches: [{batchId, runAt, rows, jobId}]}; rows due
// now already have a job (jobId).
import type { Request, RequestHandler, Response, Router } from "express";
import type { ApiRight } from "../config.ts";
import { parseDateTime } from "../core/effective-dates.ts";
import type { JobRecord } from "../directory/schema.ts";
import { JobError } from "../jobs/job-store.ts";
import { cancelScheduled, listScheduled, type ScheduledBatch } from "../jobs/scheduled-rows.ts";
import type { Engine } from "../jobs/service.ts";
import { actorOf } from "./auth.ts";
import { ApiError } from "./errors.ts";

export const SCHEDULED_PATH = "/automation/bulk-users/scheduled";

/** `?at=` → the instant, read in the organisation's time zone; absent → undefined. */
export function atParameter(req: Request, engine: Engine): Date | undefined {
  const value = req.query.at;
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new ApiError(400, "http.bad_parameter", "at may be given once.");
  const parsed = parseDateTime(value, engine.timeZone ?? "UTC");
  if (!parsed.ok) throw new ApiError(400, "http.bad_parameter", `at: ${parsed.message}`);
  return parsed.at;
}

export function scheduledAnswer(req: Request, batches: ScheduledBatch[], jobs: JobRecord[]) {
  const jobOf = new Map(jobs.map((j) => [j.id, j]));
  return {
    status: "scheduled" as const,
    scheduledUrl: `${req.baseUrl}${SCHEDULED_PATH}`,
    batches: batches.map((b) => ({
      batchId: b.id,
      runAt: new Date(b.runAt).toISOString(),
      status: b.status,
      jobId: b.jobId,
      ...(b.jobId && jobOf.has(b.jobId)
        ? { statusUrl: `${req.baseUrl}/automation/bulk-users/jobs/${encodeURIComponent(b.jobId)}` }
        : {}),
    })),
  };
}

export function registerScheduledRoutes(
  router: Router,
  options: {
    engine: Engine;
    allow: (right: ApiRight | null) => RequestHandler;
  },
): void {
  const { engine, allow } = options;
  router.get(SCHEDULED_PATH, allow("read"), async (_req: Request, res: Response) => {
    const list = await listScheduled(engine.db);
    res.json({
      timeZone: engine.timeZone ?? "UTC",
      scheduled: list.map((e) => ({
        batchId: e.batch.id,
        planId: e.batch.planId,
        operation: e.batch.operation,
        runAt: new Date(e.batch.runAt).toISOString(),
        pending: e.pending,
        cancelled: e.cancelled,
        requestedBy: e.batch.requestedBy,
        approvedBy: e.batch.approvedBy,
        keys: e.keys,
      })),
    });
  });
  router.delete(`${SCHEDULED_PATH}/:target`, allow("approve"), async (req: Request, res: Response) => {
    try {
      const { cancelled } = await cancelScheduled(engine.db, {
        target: String(req.params.target ?? ""),
        actor: actorOf(res),
        source: "api",
        now: engine.clock(),
      });
      res.json({ cancelled });
    } catch (error) {
      if (error instanceof JobError) throw new ApiError(404, error.code, error.message);
      throw error;
    }
  });
}
