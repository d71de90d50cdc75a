// The one HTTP server: an express 5 app with GET /healthz and /readyz (health.ts), GET /metrics
// (metrics.ts), whatever the composition root mounts (Bolt's ExpressReceiver at POST /slack/events, the
// API routers under /api), then a JSON 404 and a JSON error handler. An error that is the database being
// away answers 503 with Retry-After (never a 500): the client should simply try again.
//
// No body parser is installed globally on purpose: Bolt verifies Slack's signature over the raw body,
// so a router that wants JSON installs `express.json()` itself.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express, type NextFunction, type Request, type Response, type Router } from "express";
import type { Database } from "../directory/client.ts";
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "../directory/faults.ts";
import type { Logger } from "../logger.ts";
import { createHealthRouter, type HealthOptions } from "./health.ts";
import type { Metrics } from "./metrics.ts";

export interface MountedRouter {
  /** Where it is mounted, e.g. `/api`. */
  path: string;
  router: Router;
}

export interface HttpAppOptions {
  db: Pick<Database, "execute">;
  logger: Logger;
  /** Routers mounted in order after /healthz, e.g. `{ path: "/api", router: apiRouter }`. */
  routers?: MountedRouter[];
  /**
   * Called with the app before the 404 fallback is installed: the seam for Bolt, e.g.
   * `(app) => { receiver = new ExpressReceiver({ app, signingSecret, endpoints: "/slack/events" }) }`
   * (the receiver adds its routes to the app it is given, in its constructor).
   */
  mount?: Array<(app: Express) => void>;
  /** How long /healthz waits for the database before answering 503 (default 2 s). */
  healthTimeoutMs?: number;
  /** Slack's state and the expected migration, for /readyz. */
  health?: Omit<HealthOptions, "db" | "timeoutMs">;
  /** Serves GET /metrics when given. */
  metrics?: Pick<Metrics, "render" | "contentType">;
}

export function createHttpApp(options: HttpAppOptions): Express {
  const { db, logger } = options;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");

  app.use(createHealthRouter({ db, timeoutMs: options.healthTimeoutMs ?? 2000, ...options.health }));
  const metrics = options.metrics;
  if (metrics) {
    app.get("/metrics", async (_req: Request, res: Response) => {
      res.setHeader("content-type", metrics.contentType);
      res.send(await metrics.render());
    });
  }

  for (const { path, router } of options.routers ?? []) app.use(path, router);
  for (const mount of options.mount ?? []) mount(app);

  app.use((req: Request, res: Response) => {
    res
      .status(404)
      .json({ error: { code: "http.not_found", message: `No route for ${req.method} ${req.path}` } });
  });

  // Express recognises an error handler by its four parameters.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (isDatabaseUnavailable(error)) {
      if (!res.headersSent) sendUnavailable(res);
      return;
    }
    const status = httpStatusOf(error);
    if (status >= 500)
      logger.error({ err: error, method: req.method, path: req.path }, "HTTP request failed");
    if (res.headersSent) return;
    res.status(status).json({
      error:
        status >= 500
          ? { code: "http.internal", message: "Internal error" }
          : { code: "http.bad_request", message: error instanceof Error ? error.message : "Bad request" },
    });
  });

  return app;
}

/** 503 + Retry-After: the database is away (restarting, unreachable); the client should retry. */
export function sendUnavailable(res: Response): void {
  res.setHeader("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
  res.status(503).json({
    error: {
      code: "service.unavailable",
      message: `The database is unavailable right now; try again in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`,
    },
  });
}

/** Errors from body parsers carry a 4xx `status`; everything else is a 500. */
function httpStatusOf(error: unknown): number {
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 600 ? status : 500;
}

export interface ListeningServer {
  server: Server;
  port: number;
  /** Stops accepting connections, ends idle keep-alive ones, waits for requests in flight. */
  close(): Promise<void>;
}

/** Listens on `port` (0 picks a free one) and resolves once listening; rejects on EADDRINUSE etc. */
export function listen(app: Express, port: number, host?: string): Promise<ListeningServer> {
  return new Promise((resolve, reject) => {
    const server = host ? app.listen(port, host) : app.listen(port);
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      const address = server.address() as AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        server,
        port: address.port,
        close: () => {
          closing ??= new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          });
          return closing;
        },
      });
    });
  });
}
