// The composition root (`npm start`): config → logger → db (+migrations) → [repositories → worker →
// slack → scheduler] → http. The only place that builds adapters and hands them to each other.
//
// `startServer` does it in-process and returns a handle to stop it (tests start it on port 0 with
// their own env); `main` is the process entry: it reads process.env, handles signals and exit codes.
//
// Neither Slack nor a restarting database stops the app: Slack is started in the background and retried
// with backoff (slack/connection.ts), the worker waits out a database that went away (jobs/worker.ts),
// and the HTTP server answers 503 meanwhile (http/server.ts, http/health.ts).
import "./heap.ts";
import { realpathSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import type { Express, Router } from "express";
import { createApiRouter } from "./api/index.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { type DatabaseHandle, describeDatabaseProblem, openDatabase } from "./directory/client.ts";
import { DatabaseLockedError } from "./directory/pglite-lock.ts";
import { createMetrics } from "./http/metrics.ts";
import { createHttpApp, type ListeningServer, listen } from "./http/server.ts";
import { createWelcomeRouter } from "./http/welcome-router.ts";
import { createJobMonitor } from "./jobs/monitor.ts";
import { loadSealer } from "./jobs/secrets.ts";
import type { Engine } from "./jobs/service.ts";
import { combineReporters, startWorker, type Worker } from "./jobs/worker.ts";
import { createLogger, type Logger } from "./logger.ts";
import { welcomeFromConfig } from "./mail/welcome.ts";
import { startDatedRunner } from "./scheduler/dated.ts";
import { type Scheduler, startScheduler } from "./scheduler/scheduler.ts";
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from "./slack/app.ts";
import {
  createSlackStatus,
  type SlackStatus,
  type Supervisor,
  slackFetch,
  superviseSlack,
} from "./slack/connection.ts";
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
  /** Slack start/probe backoff (default 1 s doubling to 60 s); tests shorten it. */
  slackRetry?: { baseMs: number; maxMs: number };
  /** Worker poll period (ms, default 1,000); tests shorten it. */
  workerPollMs?: number;
  /** Reporter tuning passed to the Slack app (tests). */
  slackReporterOptions?: Parameters<typeof createSlackApp>[0]["reporterOptions"];
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
  /** Slack's state: off (not configured), connecting, up, down. */
  slack: SlackStatus;
  /** Resolves when Slack first connects (never, when it is off). */
  slackUp: Promise<void>;
  /** Stops everything in reverse order of start: HTTP server, then the database. Idempotent. */
  stop(): Promise<void>;
}

/** Builds and starts the application. Throws ConfigError for a bad environment (before anything starts). */
export async function startServer(options: StartOptions = {}): Promise<RunningApp> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger(config.logLevel, { format: config.logFormat });

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
    // (An embedded folder's buffer pool is small for every process: PGLITE_SHARED_BUFFERS in client.ts.)
    const open = options.openDb ?? ((url: string) => openDatabase(url));
    const database = await open(config.databaseUrl);
    stops.push({ name: "database", stop: () => database.close() });
    logger.info(
      { database: describeUrl(database.url), kind: database.kind },
      "database ready (migrations applied)",
    );

    const sealer = await loadSealer(database.db, config.secretKey);
    // Unique across hosts sharing one PostgreSQL: the lease owner of the jobs this instance runs.
    const instance = `server:${hostname()}:${process.pid}`;
    let slack: SlackApp | undefined;
    const welcome = welcomeFromConfig(config.mail, {
      db: database.db,
      sealer,
      owner: instance,
      logger,
      slack: () => slack?.app.client,
    });
    if (welcome) stops.push({ name: "mail", stop: async () => welcome.close() });
    const engine: Engine = {
      db: database.db,
      sealer,
      logger,
      clock: () => new Date(),
      limits: {
        maxRows: config.maxRows,
        passwordMinLength: config.passwordMinLength,
        leaseSeconds: config.jobLeaseSeconds,
        domains: config.domains,
      },
      approvalPolicy: config.approvals.policy,
      timeZone: config.timeZone,
      ...(welcome ? { welcome: welcome.delivery } : {}),
    };
    const metrics = createMetrics({ db: database.db });
    const slackOn = config.slackProblems.length === 0;
    const slackStatus = createSlackStatus(logger, slackOn ? "connecting" : "off");

    const routers: Array<{ path: string; router: Router }> = [];
    const mount: Array<(app: Express) => void> = [];

    // The worker and the Slack app need each other (Slack wakes the worker; the worker reports to Slack):
    // Slack gets a proxy that wakes whichever worker is running.
    let worker: Worker | undefined;
    let scheduler: Scheduler | undefined;
    const wakeWorker = { wake: () => worker?.wake() };

    let slackStarted = false;
    let markSlackReady: () => void = () => {};
    const slackReady = new Promise<void>((resolve) => {
      markSlackReady = () => {
        slackStarted = true;
        resolve();
      };
    });
    if (!slackOn) {
      logger.warn(
        { missing: config.slackProblems },
        `Slack is off: set ${config.slackProblems.join("; and ")}. Everything else (HTTP, database, CLI) runs.`,
      );
    } else {
      // Requests from Slack that arrive before the app has connected (auth.test) wait for it briefly
      // (Slack wants an answer within 3 s), then get a 503 that Slack retries.
      mount.push((expressApp) => {
        expressApp.use(SLACK_EVENTS_PATH, (_req, res, next) => {
          if (slackStarted) return next();
          let timer: NodeJS.Timeout | undefined;
          const waited = new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), 2500);
            void slackReady.then(() => resolve(true));
          });
          void waited.then((ready) => {
            clearTimeout(timer);
            if (ready) next();
            else
              res
                .status(503)
                .setHeader("Retry-After", "5")
                .json({ error: { code: "slack.connecting", message: "Slack is not connected yet." } });
          });
        });
      });
      // Bolt's receiver adds POST /slack/events to the shared app (HTTP mode), or Socket Mode when
      // SLACK_APP_TOKEN is set; `schedule`/`schedules` are answered by the scheduler's listeners.
      mount.push((expressApp) => {
        slack = createSlackApp({
          config,
          engine,
          logger,
          expressApp,
          worker: wakeWorker,
          clientOptions: { fetch: slackFetch(slackStatus, metrics.slackApiErrors) },
          ...(options.slackReporterOptions ? { reporterOptions: options.slackReporterOptions } : {}),
          extensions: [
            (boltApp, deps) => registerScheduleListeners(boltApp, { ...deps, scheduler: () => scheduler }),
          ],
        });
      });
    }

    routers.push({ path: "/welcome", router: createWelcomeRouter({ db: database.db, sealer, logger }) });
    routers.push({ path: "/api", router: createApiRouter({ engine, config, logger, worker: wakeWorker }) });
    const app = createHttpApp({
      db: database.db,
      logger,
      routers,
      mount,
      metrics,
      health: {
        slack: () => ({
          state: slackStatus.state,
          since: slackStatus.since,
          ...(slackStatus.error ? { error: slackStatus.error } : {}),
        }),
      },
    });

    // Slack starts in the background: unreachable or slow, it never holds up or fails the start. Reports
    // that could not be delivered meanwhile go out as soon as it answers (onUp).
    let supervisor: Supervisor | undefined;
    if (slack) {
      const started = slack;
      supervisor = superviseSlack(
        { start: () => started.start(), probe: () => started.app.client.auth.test() },
        slackStatus,
        {
          logger,
          ...(options.slackRetry ?? {}),
          onUp: async () => {
            logger.info({ mode: started.mode }, "Slack app started");
            const queued = await started.reporter.retryPendingReports({ graceMs: 0 });
            if (queued > 0) logger.info({ reports: queued }, "delivering job reports that were held back");
          },
        },
      );
      void supervisor.up.then(markSlackReady);
      const running = supervisor;
      stops.push({
        name: "slack",
        stop: async () => {
          running.stop();
          await started.stop();
        },
      });
    }

    // The worker runs queued jobs (and resumes interrupted ones); it stops before Slack and the database.
    const monitor = createJobMonitor({ logger, metrics });
    const running = startWorker(engine, {
      owner: instance,
      reporter: combineReporters(slack ? [monitor, slack.reporter] : [monitor], logger),
      ...(options.workerPollMs ? { pollMs: options.workerPollMs } : {}),
    });
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
    logger.info(
      { port: http.port },
      `listening on http://localhost:${http.port} (GET /healthz, /readyz, /metrics)`,
    );

    let stopping: Promise<void> | undefined;
    return {
      config,
      logger,
      database,
      http,
      port: http.port,
      slackProblems: config.slackProblems,
      slack: slackStatus,
      slackUp: supervisor?.up ?? new Promise<void>(() => {}),
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

/** Exit status when the embedded database is held by another process: a refusal, as in the CLI. */
export const EXIT_REFUSED = 2;

/** How long a stop may take before the process gives up waiting and exits 1 (under Docker's 10 s). */
export const SHUTDOWN_DEADLINE_MS = 9_000;

/**
 * The process entry: start, stop on SIGTERM/SIGINT (exit 0), exit 1 on a bad config or failed start,
 * exit 2 when the embedded database is held by another process.
 */
export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  let running: RunningApp;
  try {
    running = await startServer({ env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`bulkusers: ${error.message}\n`);
    } else if (error instanceof DatabaseLockedError) {
      process.stderr.write(`bulkusers: ${error.message}\n`);
      process.exitCode = EXIT_REFUSED;
      return;
    } else if ((error as NodeJS.ErrnoException)?.code === "EADDRINUSE") {
      process.stderr.write(
        `bulkusers: port ${(error as { port?: number }).port ?? ""} is in use; set PORT to another one.\n`,
      );
    } else {
      process.stderr.write(
        `bulkusers: could not start: ${describeDatabaseProblem(error)?.message ?? (error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`,
      );
    }
    process.exitCode = 1;
    return;
  }

  // A background failure nobody awaited (a Slack call, a timer) is logged, never a crash of the service.
  process.on("unhandledRejection", (reason) => {
    running.logger.error({ err: reason }, "unhandled rejection (logged, the service keeps running)");
  });

  // The first SIGTERM/SIGINT stops: no new work, the current batch finishes, the lease is released,
  // Slack and the database are closed, exit 0. A repeated signal (Ctrl-C reaches both npm and node) is
  // only noted; the deadline bounds a stop that hangs.
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      running.logger.info({ signal }, "already shutting down");
      return;
    }
    shuttingDown = true;
    running.logger.info({ signal }, "shutting down: finishing the current batch");
    const deadline = setTimeout(() => {
      running.logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, "shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    running.stop().then(
      () => {
        running.logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        running.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
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
