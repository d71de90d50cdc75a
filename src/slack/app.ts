// The Slack app: Bolt 5 in HTTP mode (ExpressReceiver at POST /slack/events, mounted on the shared express
// app so /healthz, /api and Slack share one server) or in Socket Mode when SLACK_APP_TOKEN is set. The Web
// API base URL comes from SLACK_API_URL (proxies, tests). The reporter turns job progress into thread
// messages; `start()` also starts its sweep for reports that never landed.
import { App, ExpressReceiver, SocketModeReceiver } from "@slack/bolt";
import type { RetryOptions } from "@slack/web-api";
import type { Express } from "express";
import type { Config } from "../config.ts";
import type { Engine } from "../jobs/service.ts";
import { boltLogger, type Logger } from "../logger.ts";
import { sweepExpiredButtons } from "./button-messages.ts";
import type { SlackCommandHandler, SlackDeps, SlackExtension } from "./deps.ts";
import { decodeUserText } from "./escaping.ts";
import { registerListeners } from "./listeners/index.ts";
import { createSlackReporter, type SlackReporter, type SlackReporterOptions } from "./reporter.ts";

export const SLACK_EVENTS_PATH = "/slack/events";
export const DEFAULT_COMMAND = "/bulkusers";

/**
 * Web API retries for production: a few quick retries of 5xx and network errors (429s are waited out per
 * Retry-After by WebClient itself), capped so a call never hangs a listener for long. The reporter retries
 * the final report on its own, with backoff, on top of this.
 */
export const DEFAULT_RETRY: RetryOptions = {
  retries: 3,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 5000,
  randomize: true,
};

export interface SlackAppDeps {
  config: Config;
  engine: Engine;
  logger: Logger;
  /** The shared express app (HTTP mode): Bolt's receiver adds POST /slack/events to it. */
  expressApp?: Express;
  worker?: { wake(): void };
  /** WebClient options: tests pass `{ retries: 0 }` or small; default DEFAULT_RETRY and a 30 s timeout. */
  clientOptions?: {
    retryConfig?: RetryOptions;
    timeout?: number;
    /** The Web API client's fetch (main.ts passes one that tracks Slack's state and errors). */
    fetch?: typeof fetch;
  };
  /** Skip Bolt's auth.test at start-up. Tests only. */
  tokenVerificationEnabled?: boolean;
  /** Reporter tuning (throttle, clock, sleep, retry timings); tests shorten them. */
  reporterOptions?: Omit<SlackReporterOptions, "client" | "engine" | "logger">;
  /** Slash command as registered in the manifest (default /bulkusers). */
  command?: string;
  /** fetch for file downloads (default: global fetch). */
  fetch?: typeof fetch;
  /**
   * How often plans past their expiry get their button messages edited to "expired" (default 60 s; 0 = no
   * timer: tests call `sweepButtons()`).
   */
  buttonSweepMs?: number;
  /** Bolt's unhandled-request timeout (default 3001 ms). */
  unhandledRequestTimeoutMillis?: number;
  /**
   * Features that register their own listeners and may claim `/bulkusers` words, e.g.
   * `(app, deps) => registerScheduleListeners(app, { ...deps, scheduler: () => scheduler })`.
   */
  extensions?: readonly SlackExtension[];
}

export interface SlackApp {
  app: App;
  receiver: ExpressReceiver | SocketModeReceiver;
  reporter: SlackReporter;
  mode: "http" | "socket";
  /** Edits the messages of plans that expired with their buttons still live; returns how many. */
  sweepButtons(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const { config, engine, logger } = deps;
  const { botToken, signingSecret, appToken, apiUrl } = config.slack;
  if (!botToken) throw new Error("Slack needs SLACK_BOT_TOKEN");
  if (!appToken && !signingSecret)
    throw new Error("Slack needs SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN");
  const log = boltLogger(logger);
  const clientOptions = {
    retryConfig: deps.clientOptions?.retryConfig ?? DEFAULT_RETRY,
    timeout: deps.clientOptions?.timeout ?? 30_000,
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    ...(deps.clientOptions?.fetch ? { fetch: deps.clientOptions.fetch } : {}),
  };
  const mode: SlackApp["mode"] = appToken ? "socket" : "http";
  const receiver =
    mode === "socket"
      ? new SocketModeReceiver({
          appToken: appToken as string,
          logger: log,
          // apps.connections.open goes through the installer's client: same base URL and retries.
          installerOptions: { clientOptions },
        })
      : new ExpressReceiver({
          signingSecret: signingSecret as string,
          endpoints: SLACK_EVENTS_PATH,
          processBeforeResponse: false,
          logger: log,
          ...(deps.expressApp ? { app: deps.expressApp } : {}),
          ...(deps.unhandledRequestTimeoutMillis
            ? { unhandledRequestTimeoutMillis: deps.unhandledRequestTimeoutMillis }
            : {}),
        });
  // Deferred: `start()` runs auth.test (app.init) and fails with its error, instead of Bolt calling it in the
  // constructor where a failure would be an unhandled rejection. Call start() before the server listens.
  const app = new App({
    token: botToken,
    receiver,
    logger: log,
    clientOptions,
    deferInitialization: true,
    ...(deps.tokenVerificationEnabled === false ? { tokenVerificationEnabled: false } : {}),
  });
  const command = deps.command ?? DEFAULT_COMMAND;
  const reporter = createSlackReporter({
    client: app.client,
    engine,
    logger,
    command,
    ...deps.reporterOptions,
  });
  const slackDeps: SlackDeps = {
    config,
    engine,
    logger,
    reporter,
    botToken,
    command,
    ...(deps.worker ? { worker: deps.worker } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };
  // First of all: what people typed reaches every listener decoded (Slack escapes & < >).
  app.use(decodeUserText);
  const commandHandlers: SlackCommandHandler[] = [];
  for (const extension of deps.extensions ?? []) {
    const handler = extension(app, slackDeps);
    if (handler) commandHandlers.push(handler);
  }
  registerListeners(app, slackDeps, { commandHandlers });
  app.error(async (error) => {
    logger.error({ err: error }, "unhandled error in a Slack listener");
  });

  // With a shared express app the HTTP server belongs to the composition root: nothing to listen on here.
  const ownsServer = mode === "socket" || !deps.expressApp;
  let started = false;
  const sweepButtons = () =>
    sweepExpiredButtons({ client: app.client, engine, logger, command }).catch((error: unknown) => {
      logger.error({ err: error }, "sweeping expired plans' buttons failed");
      return 0;
    });
  const buttonSweepMs = deps.buttonSweepMs ?? 60_000;
  let sweepTimer: NodeJS.Timeout | undefined;
  return {
    app,
    receiver,
    reporter,
    mode,
    sweepButtons,
    async start() {
      if (started) return;
      await app.init();
      if (ownsServer) {
        if (mode === "http") await app.start(config.port);
        else await app.start();
      }
      reporter.start();
      if (buttonSweepMs > 0) {
        sweepTimer = setInterval(() => void sweepButtons(), buttonSweepMs);
        sweepTimer.unref();
      }
      started = true;
    },
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = undefined;
      await reporter.stop();
      if (started && ownsServer) await app.stop();
      started = false;
    },
  };
}
