// Slack is optional at run time: the app starts, serves the API and runs jobs whether Slack answers or
// not. This file keeps Slack's state (off / connecting / up / down) and drives it:
//
// - `superviseSlack` starts the Bolt app in the background (auth.test, Socket Mode connection) and retries
//   with exponential backoff until it succeeds; while Slack is down it probes (auth.test) the same way.
//   When Slack comes back, `onUp` runs (the reporter then delivers the reports that could not go out).
// - `slackFetch` wraps the Web API client's fetch: every call that fails (network error, HTTP 5xx/4xx,
//   `ok:false`) is counted by method, and network errors / 5xx mark Slack down, any answer marks it up.
// - Every change of state is logged once, never once per call.
import type { Logger } from "../logger.ts";

export type SlackState = "off" | "connecting" | "up" | "down";

export interface SlackStatus {
  readonly state: SlackState;
  /** When the state last changed (ISO 8601). */
  readonly since: string;
  /** Why Slack is down (Slack's error code or the network error). */
  readonly error?: string;
  /** Records the outcome of a call or a start attempt; logs when the state changes. */
  report(ok: boolean, error?: string): void;
  /** Called with each new state. */
  onChange(listener: (state: SlackState) => void): void;
}

export function createSlackStatus(logger?: Logger, initial: SlackState = "connecting"): SlackStatus {
  let state: SlackState = initial;
  let since = new Date().toISOString();
  let error: string | undefined;
  const listeners: Array<(state: SlackState) => void> = [];
  const set = (next: SlackState, why?: string) => {
    if (state === "off") return;
    error = next === "down" ? why : undefined;
    if (next === state) return;
    const previous = state;
    state = next;
    since = new Date().toISOString();
    if (next === "up") {
      logger?.info({ component: "slack", previous }, "Slack is reachable: connected");
    } else if (next === "down") {
      logger?.warn(
        { component: "slack", error: why },
        `Slack is unreachable (${why ?? "unknown error"}): retrying with backoff; the API, worker and scheduler keep running`,
      );
    }
    for (const listener of listeners) listener(next);
  };
  return {
    get state() {
      return state;
    },
    get since() {
      return since;
    },
    get error() {
      return error;
    },
    report: (ok, why) => set(ok ? "up" : "down", why),
    onChange: (listener) => {
      listeners.push(listener);
    },
  };
}

/** Slack error codes that mean the token itself is refused: retrying will not help, a person must act. */
const TOKEN_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
]);

export function describeSlackError(error: unknown): string {
  const e = error as {
    data?: { error?: unknown };
    code?: unknown;
    cause?: unknown;
    message?: unknown;
  } | null;
  if (typeof e?.data?.error === "string") return e.data.error;
  const cause = (e?.cause as { code?: unknown } | undefined)?.code;
  if (typeof cause === "string") return cause;
  if (typeof e?.code === "string" && e.code !== "slack_webapi_request_error") return e.code;
  return typeof e?.message === "string" ? e.message.slice(0, 200) : String(error).slice(0, 200);
}

export interface SlackMetricsSink {
  inc(labels: { method: string; error: string }): void;
}

/**
 * A fetch for the Web API client that watches every answer. It never changes what the client sees: the
 * body is read from a clone.
 */
export function slackFetch(
  status: SlackStatus,
  errors?: SlackMetricsSink,
  base: typeof fetch = globalThis.fetch,
): typeof fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = /\/api\/([\w.]+)/.exec(url)?.[1] ?? "other";
    let response: Response;
    try {
      response = await base(input, init);
    } catch (error) {
      const why = describeSlackError(error);
      errors?.inc({ method, error: why.slice(0, 40) });
      status.report(false, why);
      throw error;
    }
    if (response.status >= 500) {
      errors?.inc({ method, error: `http_${response.status}` });
      status.report(false, `HTTP ${response.status}`);
      return response;
    }
    status.report(true);
    if (response.status >= 400) {
      errors?.inc({ method, error: `http_${response.status}` });
    } else if ((response.headers.get("content-type") ?? "").includes("json")) {
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { ok?: unknown; error?: unknown } | undefined;
      if (body && body.ok === false) errors?.inc({ method, error: String(body.error ?? "unknown") });
    }
    return response;
  };
}

export interface Supervised {
  start(): Promise<void>;
  /** A cheap call that succeeds when Slack answers (auth.test). */
  probe(): Promise<unknown>;
}

export interface SuperviseOptions {
  logger?: Logger;
  /** First retry after this long, doubling up to `maxMs` (default 1 s / 60 s). */
  baseMs?: number;
  maxMs?: number;
  /** Runs each time Slack comes (back) up. */
  onUp?: () => void | Promise<void>;
}

export interface Supervisor {
  stop(): void;
  /** Resolves the first time Slack is up (tests). */
  readonly up: Promise<void>;
}

export function superviseSlack(
  slack: Supervised,
  status: SlackStatus,
  options: SuperviseOptions = {},
): Supervisor {
  const baseMs = options.baseMs ?? 1000;
  const maxMs = options.maxMs ?? 60_000;
  let stopped = false;
  let started = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let resolveUp: () => void = () => {};
  const up = new Promise<void>((resolve) => {
    resolveUp = resolve;
  });
  let tokenWarned = false;

  // Back up after being down (a successful call anywhere, or the probe below): deliver what waited.
  status.onChange((state) => {
    if (state === "up" && started) void Promise.resolve(options.onUp?.()).catch(() => undefined);
    else if (state === "down") wake?.();
  });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref?.();
    }).finally(() => {
      wake = undefined;
      if (timer) clearTimeout(timer);
    });

  const loop = async () => {
    while (!stopped) {
      if (started && status.state === "up") {
        // Nothing to do until a call fails (slackFetch marks Slack down and wakes this loop).
        await sleep(maxMs);
        continue;
      }
      try {
        if (!started) {
          await slack.start();
          started = true;
          attempt = 0;
          // Reporting "up" runs onUp through onChange, unless a successful call (auth.test) already
          // marked Slack up before the start finished: then nothing changes and onUp is called here.
          const alreadyUp = status.state === "up";
          status.report(true);
          resolveUp();
          if (alreadyUp) void Promise.resolve(options.onUp?.()).catch(() => undefined);
        } else {
          await slack.probe();
          attempt = 0;
          status.report(true);
        }
        continue;
      } catch (error) {
        const why = describeSlackError(error);
        status.report(false, why);
        if (TOKEN_ERRORS.has(why) && !tokenWarned) {
          tokenWarned = true;
          options.logger?.error(
            { component: "slack", error: why },
            `Slack refuses the token (${why}): check SLACK_BOT_TOKEN (and SLACK_APP_TOKEN in Socket Mode)`,
          );
        }
      }
      if (stopped) return;
      attempt += 1;
      const delay = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 16));
      await sleep(Math.round(delay * (0.8 + Math.random() * 0.4)));
    }
  };
  void loop();
  return {
    up,
    stop() {
      stopped = true;
      wake?.();
    },
  };
}
