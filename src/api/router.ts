// The HTTP API (mounted at /api by the composition root): the same engine as Slack and the CLI.
//
//   POST /automation/bulk-users/import|update|licenses|disable   CSV body or multipart `file`
//        ?dryRun=true → 200 plan JSON (as `bulkusers plan --json`); else 202 {jobId, statusUrl, …}
//   GET  /automation/bulk-users/jobs/:id                          status, counts, timings, queue position
//   GET  /automation/bulk-users/jobs/:id/results.csv              the results CSV once the job finished
//   GET  /automation/bulk-users/jobs/:id/credentials.csv          temporary passwords, once, to the approver
//   POST /sign-ins                                                 batch of {email, at}: last sign-in times
//   GET|POST /automation/bulk-users/approvals…                   the two-person rule (approvals.ts)
//   GET  /openapi.json                                             the OpenAPI 3.1 document (public)
//
// Bearer tokens from API_TOKENS with per-route rights (auth.ts); every plan, job and audit row records the
// actor `api:<token name>` and the client IP.
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import express, { type Request, type Response, Router } from "express";
import type { ApiRight, Config } from "../config.ts";
import type { Operation } from "../core/types.ts";
import { type Database, queryRows } from "../directory/client.ts";
import type { JobRecord } from "../directory/schema.ts";
import { parseSignInsFile, recordSignIns, type SignInEntry } from "../directory/sign-ins.ts";
import { planDocument } from "../jobs/documents.ts";
import { getJob, JobError, queuePosition } from "../jobs/job-store.ts";
import { credentialsCsv, forgetCredentials, readCredentials, resultsCsv } from "../jobs/results.ts";
import { type Engine, planFile, previewFile, submitPlan } from "../jobs/service.ts";
import type { Logger } from "../logger.ts";
import { approvalDocument, registerApprovalRoutes } from "./approvals.ts";
import { actorOf, createAuthenticator, requireRight, tokenOf } from "./auth.ts";
import { ApiError, apiErrorHandler } from "./errors.ts";
import { openApiDocument } from "./openapi.ts";
import { atParameter, registerScheduledRoutes, scheduledAnswer } from "./scheduled.ts";
import { readUpload } from "./upload.ts";

export interface ApiLimits {
  /** Largest CSV body (raw or multipart), bytes. Default 50 MB. */
  csvBytes: number;
  /** Largest JSON body, bytes. Default 5 MB. */
  jsonBytes: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = { csvBytes: 50 * 1024 * 1024, jsonBytes: 5 * 1024 * 1024 };

export interface ApiRouterOptions {
  engine: Engine;
  config: Pick<Config, "apiTokens">;
  logger: Logger;
  /** The in-process worker, woken when a job is queued (without one, another instance or `bulkusers worker` runs it). */
  worker?: { wake(): void };
  limits?: Partial<ApiLimits>;
}

const BULK = "/automation/bulk-users";

/** The operation routes: path → operation (licenses: `?action=remove` removes) and the right it needs. */
const OPERATION_ROUTES: Array<{ path: string; right: ApiRight; operation: (req: Request) => Operation }> = [
  { path: `${BULK}/import`, right: "import", operation: () => "create" },
  { path: `${BULK}/update`, right: "update", operation: () => "update" },
  {
    path: `${BULK}/licenses`,
    right: "licenses",
    operation: (req) => {
      const action = queryText(req, "action")?.toLowerCase() ?? "assign";
      if (action === "assign") return "assign-license";
      if (action === "remove") return "remove-license";
      throw new ApiError(400, "http.bad_parameter", `action must be 'assign' or 'remove', not '${action}'.`);
    },
  },
  { path: `${BULK}/disable`, right: "disable", operation: () => "disable" },
  { path: `${BULK}/service-plans`, right: "licenses", operation: () => "set-service-plans" },
];

function queryText(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new ApiError(400, "http.bad_parameter", `${name} may be given once, as a plain value.`);
  }
  return value;
}

/** `?flag`, `?flag=true|1|yes` → true; absent, `false|0|no` → false; anything else → 400. */
export function queryFlag(req: Request, name: string): boolean {
  const value = queryText(req, name);
  if (value === undefined) return false;
  const text = value.trim().toLowerCase();
  if (["", "true", "1", "yes"].includes(text)) return true;
  if (["false", "0", "no"].includes(text)) return false;
  throw new ApiError(400, "http.bad_parameter", `${name} must be true or false, not '${value}'.`);
}

function iso(value: string | null): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function isOpen(job: Pick<JobRecord, "status">): boolean {
  return job.status === "queued" || job.status === "running";
}

/** Where a job's status and results live, relative to the server root (e.g. `/api/automation/…`). */
function jobUrls(req: Request, jobId: string) {
  const base = `${req.baseUrl}${BULK}/jobs/${encodeURIComponent(jobId)}`;
  return { statusUrl: base, resultsUrl: `${base}/results.csv` };
}

/** `GET …/jobs/:id`: everything a client polls for. */
export function jobStatusDocument(
  job: JobRecord,
  position: number | null,
  urls: { statusUrl: string; resultsUrl: string },
  now: Date,
) {
  const startedAt = iso(job.startedAt);
  const finishedAt = iso(job.finishedAt);
  const started = startedAt ? Date.parse(startedAt) : null;
  const ended = finishedAt ? Date.parse(finishedAt) : isOpen(job) ? now.getTime() : null;
  return {
    jobId: job.id,
    operation: job.operation,
    status: job.status,
    source: job.source,
    requestedBy: job.requestedBy,
    approvedBy: job.approvedBy,
    total: job.total,
    processed: job.processed,
    summary: { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped },
    queuedAt: iso(job.queuedAt),
    startedAt,
    finishedAt,
    durationMs: started !== null && ended !== null ? Math.max(0, ended - started) : null,
    queuePosition: position,
    error: job.error,
    undoOf: job.undoOf,
    ...urls,
  };
}

/** A job made from an idempotency key already used by this token, if any. */
async function planForKey(db: Database, actor: string, key: string) {
  const [row] = await queryRows<{ id: string; digest: string | null }>(
    db,
    sql`select id, context->>'bodySha256' as digest from plans
        where source = 'api' and actor = ${actor} and context->>'idempotencyKey' = ${key}
        order by created_at desc limit 1`,
  );
  return row ?? null;
}

export function createApiRouter(options: ApiRouterOptions): Router {
  const { engine, logger } = options;
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...options.limits };
  const auth = createAuthenticator(options.config.apiTokens);
  const router = Router();
  const csvBody = express.raw({ type: () => true, limit: limits.csvBytes });
  const jsonBody = express.json({
    limit: limits.jsonBytes,
    type: ["application/json", "application/*+json"],
  });

  // A known token reaching beyond its rights is worth an audit row (unknown tokens are only logged).
  const forbidden = async (token: { name: string }, req: Request) => {
    logger.warn({ token: token.name, path: req.originalUrl, ip: req.ip }, "API token lacks the right");
    try {
      await engine.db.execute(
        sql`insert into audit_log (at, actor, source, action, target, details)
            values (${engine.clock().toISOString()}::timestamptz, ${`api:${token.name}`}, 'api', 'api.forbidden',
              ${`${req.method} ${req.baseUrl}${req.path}`}, ${JSON.stringify({ ip: req.ip ?? null })}::jsonb)`,
      );
    } catch (error) {
      logger.error({ err: error }, "audit of a refused API call failed");
    }
  };
  const allow = (right: ApiRight | null) => requireRight(auth, right, forbidden);

  router.get("/openapi.json", (_req, res) => {
    res.json(openApiDocument);
  });

  for (const route of OPERATION_ROUTES) {
    router.post(route.path, allow(route.right), csvBody, async (req: Request, res: Response) => {
      const operation = route.operation(req);
      const dryRun = queryFlag(req, "dryRun");
      const strict = queryFlag(req, "strict");
      const upload = await readUpload(req);
      const actor = actorOf(res);
      const ip = req.ip ?? null;
      const at = atParameter(req, engine);

      if (dryRun) {
        const preview = await previewFile(engine, { operation, bytes: upload.bytes, ...(at ? { at } : {}) });
        if (!preview.ok) throw new ApiError(400, preview.refusal.code, preview.refusal.message);
        res.json({
          ...planDocument(preview.plan),
          ...(preview.schedule.length ? { schedule: preview.schedule } : {}),
        });
        return;
      }

      const idempotencyKey = req.get("idempotency-key")?.trim() || undefined;
      if (idempotencyKey && idempotencyKey.length > 200) {
        throw new ApiError(400, "http.bad_parameter", "Idempotency-Key may be at most 200 characters.");
      }
      const digest = createHash("sha256").update(operation).update("\0").update(upload.bytes).digest("hex");
      let planId: string | undefined;
      if (idempotencyKey) {
        const earlier = await planForKey(engine.db, actor, idempotencyKey);
        if (earlier && earlier.digest !== digest) {
          throw new ApiError(
            422,
            "api.idempotency_key_reused",
            "This Idempotency-Key was already used with another file or operation.",
          );
        }
        if (earlier) planId = earlier.id;
      }
      let summary: { change: number; skip: number; error: number };
      let warnings: string[];
      if (!planId) {
        const planned = await planFile(engine, {
          operation,
          bytes: upload.bytes,
          fileName: upload.fileName ?? `api-${operation}.csv`,
          source: "api",
          actor,
          ...(at ? { at } : {}),
          context: {
            ip,
            tokenName: tokenOf(res).name,
            userAgent: req.get("user-agent") ?? null,
            bodySha256: digest,
            ...(idempotencyKey ? { idempotencyKey } : {}),
          },
        });
        if (!planned.ok) throw new ApiError(400, planned.refusal.code, planned.refusal.message);
        planId = planned.stored.id;
        summary = planned.stored.plan.summary;
        warnings = planned.stored.plan.warnings;
        if (strict && summary.error > 0) {
          throw new ApiError(
            422,
            "plan.has_errors",
            `${summary.error} row(s) have errors; nothing was queued (strict=true). Fix them, or send without strict to run the valid rows.`,
            { plan: planDocument(planned.stored.plan) },
          );
        }
      } else {
        const [row] = await queryRows<{ summary: unknown; warnings: unknown }>(
          engine.db,
          sql`select summary, warnings from plans where id = ${planId}`,
        );
        const parse = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;
        summary = parse(row?.summary);
        warnings = parse(row?.warnings);
      }

      let job: JobRecord;
      let created: boolean;
      try {
        const submitted = await submitPlan(engine, {
          planId,
          approvedBy: actor,
          source: "api",
          allowPartial: !strict,
        });
        // Two-person rule: nothing is queued until another token (or a Slack admin, or the CLI) approves.
        if (submitted.kind === "awaiting_approval") {
          if (!submitted.created) res.setHeader("Idempotent-Replayed", "true");
          const approval = approvalDocument(req, submitted.request);
          res
            .status(202)
            .location(approval.approvalUrl)
            .json({ ...approval, status: "awaiting_approval", operation, summary, warnings });
          return;
        }
        if (submitted.kind === "scheduled") {
          if (submitted.created) options.worker?.wake();
          else res.setHeader("Idempotent-Replayed", "true");
          res.status(202).json({
            planId,
            ...scheduledAnswer(req, submitted.batches, submitted.jobs),
            operation,
            summary,
            warnings,
          });
          return;
        }
        ({ job, created } = submitted);
      } catch (error) {
        if (error instanceof JobError) {
          const status = error.code === "plan.needs_partial_confirmation" ? 422 : 409;
          throw new ApiError(status, error.code, error.message);
        }
        throw error;
      }
      if (created) {
        options.worker?.wake();
        logger.info({ jobId: job.id, operation, actor, ip, summary }, "API job queued");
      } else {
        res.setHeader("Idempotent-Replayed", "true");
      }
      const urls = jobUrls(req, job.id);
      res
        .status(202)
        .location(urls.statusUrl)
        .json({
          jobId: job.id,
          status: job.status,
          ...urls,
          queuePosition: await queuePosition(engine.db, job),
          operation,
          summary,
          warnings,
        });
    });
  }

  // On this router itself (not a sub-router), so the OpenAPI test sees every route.
  registerScheduledRoutes(router, { engine, allow });
  registerApprovalRoutes(router, {
    engine,
    allow,
    jsonBytes: limits.jsonBytes,
    ...(options.worker ? { worker: options.worker } : {}),
  });

  router.get(`${BULK}/jobs/:id`, allow("read"), async (req: Request, res: Response) => {
    const job = await findJob(engine, req);
    res.json(
      jobStatusDocument(job, await queuePosition(engine.db, job), jobUrls(req, job.id), engine.clock()),
    );
  });

  router.get(`${BULK}/jobs/:id/results.csv`, allow("read"), async (req: Request, res: Response) => {
    const job = await findJob(engine, req);
    if (isOpen(job)) {
      throw new ApiError(
        409,
        "job.not_finished",
        `Job ${job.id} is ${job.status}; its results are ready once it has finished.`,
        { status: job.status, statusUrl: jobUrls(req, job.id).statusUrl },
      );
    }
    sendCsv(res, `results-${job.id}.csv`, await resultsCsv(engine.db, job));
  });

  // Temporary passwords of users this token created: only the approving token, only once, then forgotten.
  router.get(`${BULK}/jobs/:id/credentials.csv`, allow(null), async (req: Request, res: Response) => {
    const job = await findJob(engine, req);
    if (job.approvedBy !== actorOf(res)) {
      throw new ApiError(
        403,
        "api.forbidden",
        "Only the token that queued this job may read its temporary passwords.",
      );
    }
    if (isOpen(job)) {
      throw new ApiError(
        409,
        "job.not_finished",
        `Job ${job.id} is ${job.status}; passwords are ready once it has finished.`,
      );
    }
    const credentials = await readCredentials(engine.db, engine.sealer, job.id);
    if (credentials.length === 0) {
      throw new ApiError(
        410,
        "job.credentials_gone",
        "No temporary passwords are waiting: none were generated, or they were already downloaded.",
      );
    }
    await forgetCredentials(engine.db, job.id);
    await engine.db.execute(
      sql`insert into audit_log (at, actor, source, action, target, job_id, details)
          values (${engine.clock().toISOString()}::timestamptz, ${actorOf(res)}, 'api', 'job.credentials_delivered',
            ${job.id}, ${job.id}, ${JSON.stringify({ ip: req.ip ?? null, count: credentials.length })}::jsonb)`,
    );
    res.setHeader("Cache-Control", "no-store");
    sendCsv(res, `credentials-${job.id}.csv`, credentialsCsv(credentials));
  });

  router.post(
    "/sign-ins",
    allow("sign-ins"),
    jsonBody,
    (req: Request, res: Response, next) => {
      // JSON was parsed above; anything else is a CSV upload (raw or multipart).
      if (req.is(["application/json", "application/*+json"])) {
        next();
        return;
      }
      csvBody(req, res, next);
    },
    async (req: Request, res: Response) => {
      const entries = await signInEntries(req);
      const result = await recordSignIns(engine.db, entries, engine.clock(), {
        actor: actorOf(res),
        source: "api",
        details: { ip: req.ip ?? null },
      });
      logger.info({ actor: actorOf(res), ip: req.ip, updated: result.updated }, "API sign-ins recorded");
      res.json(result);
    },
  );

  router.use(apiErrorHandler(logger));
  return router;
}

async function findJob(engine: Engine, req: Request): Promise<JobRecord> {
  const id = String(req.params.id ?? "");
  const job = await getJob(engine.db, id);
  if (!job) throw new ApiError(404, "job.not_found", `No job with id '${id}'.`);
  return job;
}

function sendCsv(res: Response, fileName: string, bytes: Uint8Array): void {
  res
    .status(200)
    .type("text/csv; charset=utf-8")
    .setHeader("Content-Disposition", `attachment; filename="${fileName}"`)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

async function signInEntries(req: Request): Promise<SignInEntry[]> {
  if (req.is(["application/json", "application/*+json"])) {
    const list = (req.body as { signIns?: unknown } | undefined)?.signIns;
    if (!Array.isArray(list) || list.length === 0) {
      throw new ApiError(
        400,
        "sign_ins.bad_body",
        'Send {"signIns":[{"email":"…","at":"2026-11-02T09:00:00Z"}, …]}.',
      );
    }
    return list.map((item) => {
      const entry = (item ?? {}) as { email?: unknown; at?: unknown };
      return {
        email: typeof entry.email === "string" ? entry.email : "",
        at: typeof entry.at === "string" ? entry.at : "",
      };
    });
  }
  const upload = await readUpload(req);
  const parsed = await parseSignInsFile(upload.bytes);
  if (!parsed.ok) throw new ApiError(400, parsed.refusal.code, parsed.refusal.message);
  return parsed.entries;
}
