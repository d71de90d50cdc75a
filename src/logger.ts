// pino for structured logs, adapted to Bolt's Logger interface. Tokens, secrets and passwords are
// redacted wherever they appear as fields; tests run silent.
import type { Logger as BoltLogger, LogLevel as BoltLogLevel } from "@slack/bolt";
import { type Logger, pino } from "pino";

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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const effective = process.env.VITEST ? "silent" : level;
  return pino({ level: effective, redact: { paths: REDACT, censor: "[redacted]" } }, destination);
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
