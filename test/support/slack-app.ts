// The whole Slack app under test: the real Bolt ExpressReceiver mounted on the real HTTP app (port 0), the
// real WebClient pointed at the fake Slack Web API, a test engine on a test database, and a worker whose
// reporter is the Slack reporter. Requests are signed exactly as Slack signs them.
import type { Writable } from "node:stream";
import { pino } from "pino";
import { loadConfig } from "../../src/config.ts";
import type { DatabaseHandle } from "../../src/directory/client.ts";
import { createHttpApp, type ListeningServer, listen } from "../../src/http/server.ts";
import type { JobReporter } from "../../src/jobs/worker.ts";
import { startWorker, type Worker } from "../../src/jobs/worker.ts";
import { createSlackApp, type SlackApp, type SlackAppDeps } from "../../src/slack/app.ts";
import { validateView } from "./block-kit.ts";
import { type TestEngine, testEngine } from "./engine.ts";
import { type FakeSlack, type FakeView, startFakeSlack } from "./fake-slack.ts";
import {
  blockActionPayload,
  DEFAULTS,
  eventEnvelope,
  eventRequest,
  interactionRequest,
  postSigned,
  type SignOptions,
  type SlashCommandFields,
  slashCommandFields,
  slashCommandRequest,
  viewSubmissionPayload,
} from "./slack-signing.ts";
import {
  type EnvelopeType,
  type FakeSocketModeServer,
  startFakeSocketModeServer,
} from "./socket-mode-server.ts";

export const SIGNING_SECRET = "test-signing-secret-0123456789";
export const ADMIN = DEFAULTS.userId; // U0ADMIN
export const HR_USER = "U0HRUSER";
export const OUTSIDER = "U0NOBODY";
export const HR_CHANNEL = "C0HRTEAM";
export const GENERAL = DEFAULTS.channelId; // C0GENERAL

/** Polls `condition` until it is truthy (returns its value) or `timeoutMs` passes (throws). */
export async function until<T>(
  condition: () => T | Promise<T>,
  timeoutMs = 30_000,
  message = "condition",
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${message}${last ? `: ${String(last)}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

/** Time that moves only when the test says so: the reporter's throttle waits on it. */
export interface VirtualTime {
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  advance(ms: number): void;
  /** Sleeps waiting to be woken. */
  readonly pending: number;
}

export function virtualTime(startIso = "2026-11-02T09:00:00.000Z"): VirtualTime {
  let now = Date.parse(startIso);
  let timers: Array<{ at: number; resolve: () => void }> = [];
  return {
    clock: () => new Date(now),
    sleep: (ms) => new Promise<void>((resolve) => timers.push({ at: now + ms, resolve })),
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.resolve();
    },
    get pending() {
      return timers.length;
    },
  };
}

export interface HarnessOptions {
  handle: DatabaseHandle;
  admins?: string[];
  hrUsers?: string[];
  hrChannel?: string;
  limits?: Parameters<typeof testEngine>[1];
  /** WebClient retries (default `{ retries: 0 }`: failures surface at once). */
  retryConfig?: NonNullable<SlackAppDeps["clientOptions"]>["retryConfig"];
  reporterOptions?: SlackAppDeps["reporterOptions"];
  /** Rows per worker batch. */
  batchSize?: number;
  /** Wraps the reporter the worker reports to (spies). */
  wrapReporter?: (reporter: JobReporter) => JobReporter;
  /** Do not start a worker (the test drives jobs itself). */
  noWorker?: boolean;
  /** More environment for loadConfig (e.g. BULKUSERS_REPORT_CHANNEL, BULKUSERS_APPROVERS). */
  env?: Record<string, string>;
  /**
   * Socket Mode instead of HTTP: SLACK_APP_TOKEN set, no signing secret; the app gets the URL of a local
   * Socket Mode server from the fake's apps.connections.open, and every request below travels as an envelope
   * over that socket (its ack is the "response").
   */
  socketMode?: boolean;
}

export interface ViewSubmitResult {
  status: number;
  body: Record<string, unknown> | null;
}

export interface SlackHarness {
  fake: FakeSlack;
  engine: TestEngine;
  slack: SlackApp;
  http: ListeningServer;
  /** The Socket Mode server (socketMode only). */
  socket: FakeSocketModeServer | null;
  worker: Worker | null;
  /** Every log line (JSON) the app wrote, at debug level. */
  logs: string[];
  /** POST /slack/events. */
  eventsUrl: string;
  baseUrl: string;
  /** `/bulkusers <text>` from `user` in `channel`; response_url served by the fake. */
  command(
    text: string,
    options?: { user?: string; channel?: string; responseUrl?: string; sign?: Partial<SignOptions> },
  ): Promise<Response>;
  /** view_submission of a view the fake holds (its current id, hash and private_metadata). */
  submitView(
    view: FakeView,
    values: Record<string, Record<string, unknown>>,
    options?: { user?: string },
  ): Promise<ViewSubmitResult>;
  /** A button click in a modal the fake holds. */
  clickInView(
    view: FakeView,
    actionId: string,
    value: string,
    options?: { user?: string },
  ): Promise<Response>;
  /** A button click in a message. */
  clickInMessage(input: {
    actionId: string;
    value: string;
    channelId: string;
    messageTs: string;
    user?: string;
    blockId?: string;
  }): Promise<Response>;
  event(
    event: Record<string, unknown>,
    options?: Partial<SignOptions> & { eventId?: string },
  ): Promise<Response>;
  stop(): Promise<void>;
}

function logSink(lines: string[]): Writable {
  return { write: (chunk: string) => lines.push(String(chunk)) } as unknown as Writable;
}

export async function startSlackHarness(options: HarnessOptions): Promise<SlackHarness> {
  const fake = await startFakeSlack();
  const socket = options.socketMode ? await startFakeSocketModeServer() : null;
  if (socket) fake.socketModeUrl = socket.url;
  const logs: string[] = [];
  const logger = pino({ level: "debug" }, logSink(logs));
  const engine = testEngine(options.handle, options.limits);
  engine.logger = logger;
  const config = loadConfig({
    SLACK_BOT_TOKEN: fake.botToken,
    ...(socket ? { SLACK_APP_TOKEN: fake.appToken } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    SLACK_API_URL: fake.url,
    BULKUSERS_ADMINS: (options.admins ?? [ADMIN]).join(","),
    BULKUSERS_HR_USERS: (options.hrUsers ?? [HR_USER]).join(","),
    BULKUSERS_HR_CHANNEL: options.hrChannel ?? HR_CHANNEL,
    PORT: "0",
    ...options.env,
  });
  // The two-person rule as the server wires it (main.ts): from BULKUSERS_APPROVAL_RULES, else the default.
  engine.approvalPolicy = config.approvals.policy;
  let worker: Worker | null = null;
  let slack: SlackApp | undefined;
  const httpApp = createHttpApp({
    db: options.handle.db,
    logger,
    mount: [
      (app) => {
        slack = createSlackApp({
          config,
          engine,
          logger,
          expressApp: app,
          worker: { wake: () => worker?.wake() },
          clientOptions: { retryConfig: options.retryConfig ?? { retries: 0 } },
          buttonSweepMs: 0,
          reporterOptions: {
            throttleMs: 10,
            retryBaseMs: 50,
            retryMaxMs: 500,
            sweepMs: 0,
            ...options.reporterOptions,
          },
        });
      },
    ],
  });
  if (!slack) throw new Error("the Slack app was not mounted");
  const app = slack;
  // auth.test against the fake, before the server takes requests; in Socket Mode also connects the socket.
  await app.start();
  const http = await listen(httpApp, 0, "127.0.0.1");
  if (!options.noWorker) {
    const reporter = options.wrapReporter ? options.wrapReporter(app.reporter) : app.reporter;
    worker = startWorker(engine, {
      owner: "test-worker",
      reporter,
      pollMs: 25,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    });
  }
  const baseUrl = `http://127.0.0.1:${http.port}`;
  const eventsUrl = `${baseUrl}/slack/events`;
  const sign = (extra: Partial<SignOptions> = {}): SignOptions => ({
    signingSecret: SIGNING_SECRET,
    ...extra,
  });

  /** The ack of a Socket Mode envelope, as the HTTP response Bolt would have given (200, the ack's body). */
  async function overSocket(
    server: FakeSocketModeServer,
    type: EnvelopeType,
    payload: Record<string, unknown>,
    retry?: { retryAttempt?: number; retryReason?: string },
  ): Promise<Response> {
    const ack = await server.deliver(type, payload, retry ?? {});
    const body = Object.keys(ack.payload).length > 0 ? JSON.stringify(ack.payload) : "";
    return new Response(body, { status: 200, headers: body ? { "content-type": "application/json" } : {} });
  }
  const transport = {
    command: (fields: Partial<SlashCommandFields>, signOptions?: Partial<SignOptions>) =>
      socket
        ? overSocket(socket, "slash_commands", { ...slashCommandFields(fields) })
        : postSigned(eventsUrl, slashCommandRequest(fields, sign(signOptions))),
    interaction: (payload: Record<string, unknown>) =>
      socket
        ? overSocket(socket, "interactive", payload)
        : postSigned(eventsUrl, interactionRequest(payload, sign())),
    event: (event: Record<string, unknown>, opts: Partial<SignOptions> & { eventId?: string }) => {
      const { eventId, ...rest } = opts;
      return socket
        ? overSocket(socket, "events_api", eventEnvelope(event, eventId), {
            ...(rest.retryNum !== undefined ? { retryAttempt: rest.retryNum } : {}),
            ...(rest.retryReason !== undefined ? { retryReason: rest.retryReason } : {}),
          })
        : postSigned(eventsUrl, eventRequest(event, { ...sign(rest), ...(eventId ? { eventId } : {}) }));
    },
  };

  /**
   * Slack applies `response_action: update` to the open view: mirror it in the fake (validated too). The
   * app's own views.update may reach the fake before the test has read the ack (the listener goes on after
   * acking): in Slack the ack came first, so it then goes into the view's history, under that update.
   */
  function applyAck(viewId: string, body: Record<string, unknown> | null, versionsBefore: number): void {
    if (body?.response_action !== "update") return;
    const view = body.view as Record<string, unknown>;
    const problems = validateView(view);
    if (problems.length > 0) fake.violations.push({ method: "view_submission ack", problems, args: body });
    const held = fake.views.find((v) => v.id === viewId);
    if (!held) return;
    if (held.history.length > versionsBefore) {
      held.history.splice(versionsBefore, 0, view);
      return;
    }
    held.view = view;
    held.hash = `${Date.now()}.ack${held.history.length}`;
    held.history.push(view);
  }

  const harness: SlackHarness = {
    fake,
    engine,
    slack: app,
    http,
    worker,
    logs,
    eventsUrl,
    baseUrl,
    socket,
    command(text, opts = {}) {
      return transport.command(
        {
          text,
          user_id: opts.user ?? ADMIN,
          channel_id: opts.channel ?? GENERAL,
          response_url: opts.responseUrl ?? fake.responseUrl(),
        },
        opts.sign,
      );
    },
    async submitView(view, values, opts = {}) {
      const payload = viewSubmissionPayload({
        callbackId: String(view.view.callback_id ?? ""),
        values,
        privateMetadata: String(view.view.private_metadata ?? ""),
        user: opts.user ?? ADMIN,
        viewId: view.id,
        hash: view.hash,
      });
      const versionsBefore = view.history.length;
      const res = await transport.interaction(payload);
      const text = await res.text();
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      applyAck(view.id, body, versionsBefore);
      return { status: res.status, body };
    },
    clickInView(view, actionId, value, opts = {}) {
      return transport.interaction(
        blockActionPayload({
          actionId,
          value,
          user: opts.user ?? ADMIN,
          view: {
            id: view.id,
            hash: view.hash,
            private_metadata: String(view.view.private_metadata ?? ""),
            callback_id: String(view.view.callback_id ?? ""),
          },
        }),
      );
    },
    clickInMessage(input) {
      return transport.interaction(
        blockActionPayload({
          actionId: input.actionId,
          value: input.value,
          user: input.user ?? ADMIN,
          channelId: input.channelId,
          messageTs: input.messageTs,
          ...(input.blockId ? { blockId: input.blockId } : {}),
        }),
      );
    },
    event(event, opts = {}) {
      return transport.event(event, opts);
    },
    async stop() {
      await worker?.stop();
      await app.stop();
      await http.close();
      await socket?.close();
      await fake.close();
    },
  };
  return harness;
}

/**
 * The operation modal's state with one uploaded file, as Slack sends it (the file object as is: a whole one,
 * or a Slack Connect stub). `blockId`: the file input's block, which changes after a refused file.
 */
export function fileInputValues(
  file: Record<string, unknown>,
  blockId = "csv_file",
): Record<string, Record<string, unknown>> {
  return { [blockId]: { csv_file_input: { type: "file_input", files: [file] } } };
}

/** The view the fake holds with this callback_id now (latest first). */
export function viewWith(fake: FakeSlack, callbackId: string): FakeView | undefined {
  return [...fake.views].reverse().find((v) => v.view.callback_id === callbackId);
}

/** Every piece of text of a view or message (for "is X shown" assertions). */
export function textOf(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  return out.join("\n");
}
