// The composition root (`npm start`): config → logger → db (+migrations) → [repositories → worker →
// slack → scheduler] → http. The only place that builds adapters and hands them to each other.
//
// `startServer` does it in-process and returns a handle to stop it (tests start it on port 0 with
// their own env); `main` is the process entry: it reads process.env, handles signals and exit codes.
import { realpathSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import type { Express, Router } from "express";
import { createApiRouter } from "./api/index.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { type DatabaseHandle, openDatabase } from "./directory/client.ts";
import { createHttpApp, type ListeningServer, listen } from "./http/server.ts";
import { loadSealer } from "./jobs/secrets.ts";
import type { Engine } from "./jobs/service.ts";
import { startWorker, type Worker } from "./jobs/worker.ts";
import { createLogger, type Logger } from "./logger.ts";
import { startDatedRunner } from "./scheduler/dated.ts";
import { type Scheduler, startScheduler } from "./scheduler/scheduler.ts";
import { createSlackApp, type SlackApp } from "./slack/app.ts";
import { registerScheduleListeners } from "./slack/listeners/schedules.ts";
import { createSlackNotifier } from "./slack/notifier.ts";
import { createSlackScheduleReporter } from "./slack/schedule-reporter.ts";

/** The database URL without a password, for logs. */
function describeUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/, "$1:***@");
}

export interface StartOptions {
  /** The environment to configure from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** A ready logger (tests capture output this way); default: pino on stdout at LOG_LEVEL. */
  logger?: Logger;
  /** Opens the database (default: `openDatabase`, which applies pending migrations). */
  openDb?: (url: string) => Promise<DatabaseHandle>;
  /** Interface to listen on (default: all). */
  host?: string;
}

export interface RunningApp {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  http: ListeningServer;
  /** The port actually listened on (useful with PORT=0). */
  port: number;
  /** Empty when Slack runs; otherwise the variables to set (also logged once as a warning). */
  slackProblems: string[];
  /** Stops everything in reverse order of start: HTTP server, then the database. Idempotent. */
  stop(): Promise<void>;
}

/** Builds and starts the application. Throws ConfigError for a bad environment (before anything starts). */
export async function startServer(options: StartOptions = {}): Promise<RunningApp> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger(config.logLevel);

  // Everything started is stopped in reverse order.
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  const stopAll = async () => {
    while (stops.length) {
      const next = stops.pop()!;
      try {
        await next.stop();
      } catch (error) {
        logger.error({ err: error }, `stopping ${next.name} failed`);
      }
    }
  };

  try {
    const open = options.openDb ?? ((url: string) => openDatabase(url));
    const database = await open(config.databaseUrl);
    stops.push({ name: "database", stop: () => database.close() });
    logger.info(
      { database: describeUrl(database.url), kind: database.kind },
      "database ready (migrations applied)",
    );

    const engine: Engine = {
      db: database.db,
      sealer: await loadSealer(database.db, config.secretKey),
      logger,
      clock: () => new Date(),
      limits: {
        maxRows: config.maxRows,
        passwordMinLength: config.passwordMinLength,
        leaseSeconds: config.jobLeaseSeconds,
      },
      approvalPolicy: config.approvals.policy,
      timeZone: config.timeZone,
    };
    // Unique across hosts sharing one PostgreSQL: the lease owner of the jobs this instance runs.
    const instance = `server:${hostname()}:${process.pid}`;

    const routers: Array<{ path: string; router: Router }> = [];
    const mount: Array<(app: Express) => void> = [];

    // The worker and the Slack app need each other (Slack wakes the worker; the worker reports to Slack):
    // Slack gets a proxy that wakes whichever worker is running.
    let worker: Worker | undefined;
    let scheduler: Scheduler | undefined;
    const wakeWorker = { wake: () => worker?.wake() };

    let slack: SlackApp | undefined;
    if (config.slackProblems.length > 0) {
      logger.warn(
        { missing: config.slackProblems },
        `Slack is off: set ${config.slackProblems.join("; and ")}. Everything else (HTTP, database, CLI) runs.`,
      );
    } else {
      // Bolt's receiver adds POST /slack/events to the shared app (HTTP mode), or Socket Mode when
      // SLACK_APP_TOKEN is set; `schedule`/`schedules` are answered by the scheduler's listeners.
      mount.push((expressApp) => {
        slack = createSlackApp({
          config,
          engine,
          logger,
          expressApp,
          worker: wakeWorker,
          extensions: [
            (boltApp, deps) => registerScheduleListeners(boltApp, { ...deps, scheduler: () => scheduler }),
          ],
        });
      });
    }

    routers.push({ path: "/api", router: createApiRouter({ engine, config, logger, worker: wakeWorker }) });
    const app = createHttpApp({ db: database.db, logger, routers, mount });

    if (slack) {
      const started = slack;
      await started.start();
      stops.push({ name: "slack", stop: () => started.stop() });
      logger.info({ mode: started.mode }, "Slack app started");
    }

    // The worker runs queued jobs (and resumes interrupted ones); it stops before Slack and the database.
    const running = startWorker(engine, { owner: instance, ...(slack ? { reporter: slack.reporter } : {}) });
    worker = running;
    stops.push({ name: "worker", stop: () => running.stop() });

    // Scheduled inactive-user policies and the daily purge; each slot fires once across instances.
    if (config.schedulerEnabled) {
      const client = slack?.app.client;
      const started = startScheduler({
        engine,
        logger,
        instance,
        ...(client
          ? {
              reporter: createSlackScheduleReporter({
                client,
                defaultChannel: config.slack.reportChannel,
                logger,
              }),
              notifier: createSlackNotifier({ client, logger }),
            }
          : {}),
      });
      scheduler = started;
      stops.push({ name: "scheduler", stop: () => started.stop() });
    }

    // Dated operations: scheduled rows start when their time comes (every instance ticks; one wins each batch).
    const dated = startDatedRunner({ engine, instance, logger, onJobs: () => worker?.wake() });
    stops.push({ name: "dated runner", stop: () => dated.stop() });

    const http = await listen(app, config.port, options.host);
    stops.push({ name: "http server", stop: () => http.close() });
    logger.info({ port: http.port }, `listening on http://localhost:${http.port} (GET /healthz)`);

    let stopping: Promise<void> | undefined;
    return {
      config,
      logger,
      database,
      http,
      port: http.port,
      slackProblems: config.slackProblems,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The process entry: start, stop on SIGTERM/SIGINT (exit 0), exit 1 on a bad config or failed start. */
export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  let running: RunningApp;
  try {
    running = await startServer({ env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`bulkusers: ${error.message}\n`);
    } else if ((error as NodeJS.ErrnoException)?.code === "EADDRINUSE") {
      process.stderr.write(
        `bulkusers: port ${(error as { port?: number }).port ?? ""} is in use; set PORT to another one.\n`,
      );
    } else {
      process.stderr.write(
        `bulkusers: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    process.exitCode = 1;
    return;
  }

  const shutdown = (signal: NodeJS.Signals) => {
    running.logger.info({ signal }, "shutting down");
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

function isEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) await main();
