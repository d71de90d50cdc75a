// The two-person rule over HTTP (mounted by router.ts):
//
//   GET  /automation/bulk-users/approvals[?status=pending]     requests, newest first            (right: read)
//   GET  /automation/bulk-users/approvals/:id                   one request (and its job, once approved)
//   POST /automation/bulk-users/approvals/:id/approve           200 {status:"approved", jobId, statusUrl}
//                                                               409 approval.directory_changed {next: request}
//   POST /automation/bulk-users/approvals/:id/reject            JSON {"reason": "…"}; 200 {status:"rejected"}
//
// Deciding needs the `approve` right; the token that requested (or planned) the change may not decide it (403
// approval.own_request). Every step is audited by approvals.ts.
import express, { type Request, type RequestHandler, type Response, type Router } from "express";
import type { ApiRight } from "../config.ts";
import { type ApprovalRequest, approvalJson, getApproval, listApprovals } from "../jobs/approvals.ts";
import { JobError } from "../jobs/job-store.ts";
import { decideApproval, type Engine } from "../jobs/service.ts";
import { actorOf } from "./auth.ts";
import { ApiError } from "./errors.ts";

export const APPROVALS_PATH = "/automation/bulk-users/approvals";

const STATUSES = ["pending", "approved", "rejected", "superseded", "expired"] as const;

/** A request as the API shows it. */
export function approvalDocument(req: Request, request: ApprovalRequest) {
  const base = `${req.baseUrl}${APPROVALS_PATH}/${encodeURIComponent(request.id)}`;
  return {
    ...approvalJson(request),
    approvalUrl: base,
    approveUrl: `${base}/approve`,
    rejectUrl: `${base}/reject`,
    ...(request.jobId
      ? { statusUrl: `${req.baseUrl}/automation/bulk-users/jobs/${encodeURIComponent(request.jobId)}` }
      : {}),
  };
}

function statusOf(code: string): number {
  if (code === "approval.not_found" || code === "plan.not_found") return 404;
  if (code === "approval.own_request") return 403;
  if (code === "approval.reason_required") return 400;
  return 409;
}

export function registerApprovalRoutes(
  router: Router,
  options: {
    engine: Engine;
    allow: (right: ApiRight | null) => RequestHandler;
    jsonBytes: number;
    worker?: { wake(): void };
  },
): void {
  const { engine, allow } = options;
  const json = express.json({ limit: options.jsonBytes, type: () => true });

  router.get(APPROVALS_PATH, allow("read"), async (req: Request, res: Response) => {
    const status = typeof req.query.status === "string" ? req.query.status : undefined;
    if (status && !(STATUSES as readonly string[]).includes(status)) {
      throw new ApiError(400, "http.bad_parameter", `status must be one of ${STATUSES.join(", ")}.`);
    }
    const list = await listApprovals(
      engine.db,
      status ? { status: status as ApprovalRequest["status"] } : {},
    );
    res.json({ approvals: list.map((a) => approvalDocument(req, a)) });
  });

  router.get(`${APPROVALS_PATH}/:id`, allow("read"), async (req: Request, res: Response) => {
    const request = await getApproval(engine.db, String(req.params.id ?? ""));
    if (!request) throw new ApiError(404, "approval.not_found", `No approval request '${req.params.id}'.`);
    res.json(approvalDocument(req, request));
  });

  const decideRoute = (decision: "approve" | "reject") =>
    router.post(
      `${APPROVALS_PATH}/:id/${decision}`,
      allow("approve"),
      json,
      async (req: Request, res: Response) => {
        const reason = (req.body as { reason?: unknown } | undefined)?.reason;
        if (decision === "reject" && (typeof reason !== "string" || reason.trim() === "")) {
          throw new ApiError(400, "approval.reason_required", 'Say why: send {"reason": "…"}.');
        }
        try {
          const result = await decideApproval(engine, {
            approvalId: String(req.params.id ?? ""),
            decision,
            actor: actorOf(res),
            source: "api",
            ...(typeof reason === "string" ? { reason } : {}),
          });
          if (result.kind === "changed") {
            throw new ApiError(
              409,
              "approval.directory_changed",
              `The directory changed under ${result.differences.length} row(s) since the request: the plan was made again and needs its own approval.`,
              { differences: result.differences, next: approvalDocument(req, result.next) },
            );
          }
          if ((result.kind === "approved" || result.kind === "scheduled") && result.created) {
            options.worker?.wake();
          }
          res.json(approvalDocument(req, result.request));
        } catch (error) {
          if (error instanceof JobError) throw new ApiError(statusOf(error.code), error.code, error.message);
          throw error;
        }
      },
    );
  decideRoute("approve");
  decideRoute("reject");
}
