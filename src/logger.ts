// pino for structured logs, adapted to Bolt's Logger interface. Tokens, secrets and passwords are
// redacted wherever they appear as fields; tests run silent. Times are ISO 8601 (UTC).
//
// Format (LOG_FORMAT): `json` is one JSON object per line (what log shippers read); `pretty` is one
// readable line per entry (pino-pretty, in this thread: no transport worker, no extra memory); `auto`
// picks pretty when the destination is a terminal.
import type { Logger as BoltLogger, LogLevel as BoltLogLevel } from "@slack/bolt";
import { type Logger, pino } from "pino";
import { prettyFactory } from "pino-pretty";

export type { Logger };

const REDACT = [
  "password",
  "*.password",
  "*.*.password",
  "token",
  "*.token",
  "botToken",
  "*.botToken",
  "signingSecret",
  "*.signingSecret",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  "secrets",
  "*.secrets",
  "credentials",
  "*.credentials",
];

export type LogFormat = "auto" | "pretty" | "json";

export interface LoggerOptions {
  /** Where lines go (default: stdout). */
  destination?: pino.DestinationStream;
  /** Default `auto`: pretty when the destination (stdout unless given) is a terminal. */
  format?: LogFormat;
  /** For `auto` with a custom destination: is it a terminal? (default: stdout's isTTY). */
  isTTY?: boolean;
}

export function createLogger(level: string, options: LoggerOptions | pino.DestinationStream = {}): Logger {
  const {
    destination,
    format = "auto",
    isTTY,
  } = "write" in options ? { destination: options as pino.DestinationStream } : (options as LoggerOptions);
  const effective = process.env.VITEST ? "silent" : level;
  const settings: pino.LoggerOptions = {
    level: effective,
    redact: { paths: REDACT, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const terminal = isTTY ?? (destination ? false : process.stdout.isTTY === true);
  if (format === "pretty" || (format === "auto" && terminal)) {
    // pino-pretty's formatter, applied to each line as it is written: no stream, no worker thread.
    const prettify = prettyFactory({
      colorize: terminal,
      translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
      ignore: "pid,hostname",
      singleLine: true,
    });
    const out = destination ?? { write: (text: string) => process.stdout.write(text) };
    return pino(settings, { write: (line: string) => out.write(prettify(line)) });
  }
  return pino(settings, destination);
}

const toPino: Record<string, string> = { debug: "debug", info: "info", warn: "warn", error: "error" };

/** Bolt wants its own logger shape; this one forwards to pino under a `slack` child. */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: "slack" });
  let level = toPino[child.level] ?? "info";
  const log =
    (method: "debug" | "info" | "warn" | "error") =>
    (...messages: unknown[]) => {
      const text = messages
        .map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m)))
        .join(" ");
      child[method](text);
    };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    setLevel(next: BoltLogLevel) {
      level = next;
      child.level = toPino[next] ?? "info";
    },
    getLevel: () => level as BoltLogLevel,
    setName: () => {},
  };
}
