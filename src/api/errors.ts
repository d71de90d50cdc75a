// The API's error shape, everywhere: `{"error":{"code","message"}}` with a stable code, plus an HTTP
// status. Expected problems (refused files, bad parameters, auth) are ApiErrors; body-parser errors are
// mapped to the same shape; anything else is a logged 500 that never leaks its detail.
import type { NextFunction, Request, Response } from "express";
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "../directory/faults.ts";
import type { Logger } from "../logger.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra top-level fields of the error document (e.g. the plan of a strict import with errors). */
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  res.status(status).json({ error: { code, message }, ...extra });
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

/** body-parser marks its errors with `type` and a 4xx `status`. */
function bodyParserError(error: unknown): ApiError | null {
  const e = error as { type?: unknown; status?: unknown; limit?: unknown } | null;
  if (!e || typeof e.type !== "string" || typeof e.status !== "number") return null;
  switch (e.type) {
    case "entity.too.large":
      return new ApiError(
        413,
        "http.payload_too_large",
        `The request body is larger than ${typeof e.limit === "number" ? megabytes(e.limit) : "the limit"}; split the file.`,
      );
    case "entity.parse.failed":
      return new ApiError(400, "http.bad_json", "The body is not valid JSON.");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new ApiError(
        415,
        "http.unsupported_encoding",
        "The body's content encoding or charset is not supported.",
      );
    case "request.aborted":
    case "request.size.invalid":
      return new ApiError(400, "http.bad_body", "The request body was incomplete.");
    default:
      return new ApiError(
        e.status >= 400 && e.status < 500 ? e.status : 400,
        "http.bad_body",
        "The request body could not be read.",
      );
  }
}

/** The router's error handler (four parameters: that is how express recognises it). */
export function apiErrorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = error instanceof ApiError ? error : bodyParserError(error);
    if (res.headersSent) {
      if (!known)
        logger.error({ err: error, method: req.method, path: req.originalUrl }, "API request failed");
      return;
    }
    if (known) {
      for (const [name, value] of Object.entries(known.headers)) res.setHeader(name, value);
      sendError(res, known.status, known.code, known.message, known.extra);
      return;
    }
    if (isDatabaseUnavailable(error)) {
      // Not a bug: the database is restarting or unreachable. The client retries (confirming is idempotent).
      res.setHeader("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
      sendError(
        res,
        503,
        "service.unavailable",
        `The database is unavailable right now; try again in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`,
      );
      return;
    }
    logger.error({ err: error, method: req.method, path: req.originalUrl }, "API request failed");
    sendError(res, 500, "http.internal", "Internal error");
  };
}
