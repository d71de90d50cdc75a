// The one HTTP server: an express 5 app with GET /healthz, whatever the composition root mounts
// (Bolt's ExpressReceiver at POST /slack/events, the API routers under /api), then a JSON 404 and a
// JSON error handler.
//
// No body parser is installed globally on purpose: Bolt verifies Slack's signature over the raw body,
// so a router that wants JSON installs `express.json()` itself.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express, type NextFunction, type Request, type Response, type Router } from "express";
import { type Database, ping } from "../directory/client.ts";
import type { Logger } from "../logger.ts";

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
}

async function databaseAnswers(db: Pick<Database, "execute">, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([ping(db as Database), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createHttpApp(options: HttpAppOptions): Express {
  const { db, logger } = options;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");

  app.get("/healthz", async (_req: Request, res: Response) => {
    const ok = await databaseAnswers(db, options.healthTimeoutMs ?? 2000);
    res.status(ok ? 200 : 503).json({ ok });
  });

  for (const { path, router } of options.routers ?? []) app.use(path, router);
  for (const mount of options.mount ?? []) mount(app);

  app.use((req: Request, res: Response) => {
    res
      .status(404)
      .json({ error: { code: "http.not_found", message: `No route for ${req.method} ${req.path}` } });
  });

  // Express recognises an error handler by its four parameters.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
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
