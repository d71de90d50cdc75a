// What a CLI command gets: its parsed arguments, the global options, a database opened on first use
// (and closed by the runner at the end), the configuration parsed on first use, and output helpers
// that keep the `--json` promise: stdout carries exactly one JSON document, logs go to stderr.
import { userInfo } from "node:os";
import { resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { type Config, ConfigError, loadConfig } from "../config.ts";
import { type DatabaseHandle, openDatabase } from "../directory/client.ts";
import { DatabaseLockedError } from "../directory/pglite-lock.ts";
import { createLogger, type Logger } from "../logger.ts";
import { formatTable } from "./table.ts";

/** The outside world as the CLI sees it; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /**
   * Opens the database named by `--db` (already resolved against `cwd`). Defaults to `openDatabase`
   * (which applies pending migrations). The runner calls `close()` on what this returns, once, at the
   * end: a test that lends an open handle returns a wrapper whose `close` does nothing.
   */
  openDb?: (url: string) => Promise<DatabaseHandle>;
  /** The clock, for commands that stamp times (seed-demo's sign-ins). Defaults to `new Date()`. */
  now?: () => Date;
  /**
   * A person at a terminal (stdin and stderr are TTYs): `run` and `undo` ask before changing anything.
   * Absent or false (scripts, pipes, CI): never a question.
   */
  interactive?: boolean;
  /** Reads one answer from the person at the terminal (only called when `interactive`). */
  ask?: (question: string) => Promise<string>;
  /** Where progress bars are drawn (a TTY stream, stderr); absent: one summary line instead. */
  progressStream?: NodeJS.WritableStream;
  /** The operating system's user name, when $USER is unset (defaults to os.userInfo()). */
  osUser?: () => string | undefined;
}

/** node:util parseArgs option declarations. */
export type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig["options"]>;

export type OptionValue = string | boolean | string[] | boolean[] | undefined;

export interface CliArgument {
  /** Shown in messages, e.g. `name`. */
  name: string;
  required?: boolean;
  /** Takes every remaining positional (only on the last argument). */
  variadic?: boolean;
}

export interface CliCommand {
  /** One or two words, e.g. `seed-demo` or `group add`. */
  name: string;
  /** One line, without the program name: `group add <name> [--description TEXT]`. */
  usage: string;
  summary: string;
  /** Command options in node:util parseArgs form (the global options are added by the runner). */
  options?: ParseArgsOptionsConfig;
  /** Positional arguments after the command name; the runner checks their count. */
  args?: CliArgument[];
  run(ctx: CommandContext): Promise<number>;
}

/** A refusal of the input (bad usage, invalid value, duplicate…): exit status 2, never a stack trace. */
export class CliRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Usage text to print on stderr after the message (bad usage). */
    readonly usage?: string,
  ) {
    super(message);
    this.name = "CliRefusal";
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_REFUSED = 2;

export const DEFAULT_DATABASE_URL = "pglite:./.data/bulkusers";

/**
 * How a person runs this CLI, for every hint it prints: `npx bulkusers` works in the repository (package.json
 * `bin`) without installing anything globally; a bare `bulkusers` is only on the PATH after `npm link`.
 */
export const CLI = "npx bulkusers";

export interface GlobalOptions {
  db?: string;
  json: boolean;
  as?: string;
}

/** Resolves a `pglite:<dir>` URL against the working directory; other URLs are returned as they are. */
export function resolveDatabaseUrl(url: string, cwd: string): string {
  if (!url.startsWith("pglite:")) return url;
  const location = url.slice("pglite:".length);
  if (!location || location === "memory") return url;
  return `pglite:${resolve(cwd, location)}`;
}

/** The URL without its password, for messages and JSON. */
export function describeDatabaseUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://…";
  }
}

export class CommandContext {
  private handle: DatabaseHandle | undefined;
  private opening: Promise<DatabaseHandle> | undefined;
  private config: Config | undefined;
  private loggerInstance: Logger | undefined;
  private jsonPrinted = false;
  private closers: Array<() => void> = [];

  constructor(
    readonly io: CliIo,
    readonly command: CliCommand,
    /** Positional arguments after the command name, count already checked. */
    readonly args: string[],
    /** Parsed command options (global ones excluded). */
    readonly options: Record<string, OptionValue>,
    readonly globals: GlobalOptions,
  ) {}

  get json(): boolean {
    return this.globals.json;
  }

  /** Who acts, for the audit log: `--as`, else `cli:$USER`, else the operating system's user. */
  get actor(): string {
    const given = this.globals.as?.trim();
    if (given) return given;
    const user = this.io.env.USER || this.io.env.USERNAME || (this.io.osUser ?? osUserName)();
    return `cli:${user || "unknown"}`;
  }

  now(): Date {
    return this.io.now ? this.io.now() : new Date();
  }

  /** The parsed environment; a bad value is a refusal (exit 2) listing every problem. */
  getConfig(): Config {
    if (!this.config) {
      try {
        this.config = loadConfig(this.io.env);
      } catch (error) {
        if (error instanceof ConfigError) {
          throw new CliRefusal(error.code, error.message);
        }
        throw error;
      }
    }
    return this.config;
  }

  /** `--db`, else DATABASE_URL, else the embedded database under the working directory. */
  get databaseUrl(): string {
    const url = this.globals.db?.trim() || this.getConfig().databaseUrl || DEFAULT_DATABASE_URL;
    if (!/^(postgres(ql)?:\/\/|pglite:)/.test(url)) {
      throw new CliRefusal(
        "cli.bad_database_url",
        `--db must start with postgres://, postgresql:// or pglite: (pglite:<dir> or pglite:memory), not '${url}'`,
      );
    }
    return resolveDatabaseUrl(url, this.io.cwd);
  }

  /** Opens the database on first use (applying pending migrations); the runner closes it. */
  async db(): Promise<DatabaseHandle> {
    if (this.handle) return this.handle;
    if (!this.opening) {
      const url = this.databaseUrl;
      const open = this.io.openDb ?? ((target: string) => openDatabase(target));
      this.opening = open(url).then(
        (handle) => {
          this.handle = handle;
          return handle;
        },
        (error: unknown) => {
          // Another process holds the embedded database: a refusal (exit 2) that names it.
          if (error instanceof DatabaseLockedError) throw new CliRefusal(error.code, error.message);
          throw error;
        },
      );
    }
    return this.opening;
  }

  /** Logs go to stderr (never stdout); level `warn` unless LOG_LEVEL says otherwise. */
  get logger(): Logger {
    if (!this.loggerInstance) {
      let level = "warn";
      if (this.io.env.LOG_LEVEL) {
        try {
          level = this.getConfig().logLevel;
        } catch {
          // getConfig refuses again where it matters; logging stays at the default.
        }
      }
      this.loggerInstance = createLogger(level, { write: (line: string) => this.io.stderr(line) });
    }
    return this.loggerInstance;
  }

  /** Prints the command's result: `document` as JSON with `--json`, else the text. */
  print(document: unknown, text: string | (() => string)): void {
    if (this.json) {
      this.printJson(document);
    } else {
      const body = typeof text === "function" ? text() : text;
      this.io.stdout(body.endsWith("\n") ? body : `${body}\n`);
    }
  }

  /** Writes the one JSON document of this run; a second call is a programming error. */
  printJson(document: unknown): void {
    if (this.jsonPrinted) throw new Error("a CLI command printed two JSON documents");
    this.jsonPrinted = true;
    this.io.stdout(`${JSON.stringify(document, null, 2)}\n`);
  }

  /** True once the JSON document went out: a later refusal must then go to stderr only. */
  get printedJson(): boolean {
    return this.jsonPrinted;
  }

  /** Stops the command with a refusal (exit 2). */
  refuse(code: string, message: string, usage?: string): never {
    throw new CliRefusal(code, message, usage);
  }

  /** A refusal that also shows this command's usage. */
  usageError(code: string, message: string): never {
    throw new CliRefusal(code, message, `Usage: ${CLI} ${this.command.usage}`);
  }

  /** Something to release when the command ends (e.g. SMTP connections). */
  onClose(closer: () => void): void {
    this.closers.push(closer);
  }

  /** Closes the database if it was opened. */
  async close(): Promise<void> {
    for (const closer of this.closers.splice(0)) closer();
    const opening = this.opening;
    this.opening = undefined;
    this.handle = undefined;
    if (!opening) return;
    const handle = await opening.catch(() => undefined);
    await handle?.close();
  }
}

/** os.userInfo() throws where the uid has no passwd entry (some containers): then there is no name. */
function osUserName(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

export { formatTable };

/** Prints a table as text, or the rows as JSON under `key` with `--json`. */
export function printTable(
  ctx: CommandContext,
  key: string,
  rows: Array<Record<string, unknown>>,
  columns?: string[],
): void {
  ctx.print({ [key]: rows }, () => (rows.length ? formatTable(rows, columns) : "(none)"));
}

/** Prints the one JSON document (shorthand for `ctx.printJson`). */
export function printJson(ctx: CommandContext, document: unknown): void {
  ctx.printJson(document);
}

/**
 * Reports a refusal the same way everywhere: with `--json` the `{"error":{code,message}}` document on
 * stdout (unless a document already went out), the message (and usage) on stderr in every case.
 */
export function reportRefusal(
  io: CliIo,
  json: boolean,
  refusal: { code: string; message: string; usage?: string },
  jsonAlreadyPrinted = false,
): void {
  if (json && !jsonAlreadyPrinted) {
    io.stdout(`${JSON.stringify({ error: { code: refusal.code, message: refusal.message } }, null, 2)}\n`);
  }
  io.stderr(`bulkusers: ${refusal.message}\n`);
  if (refusal.usage) io.stderr(`${refusal.usage.trimEnd()}\n`);
}

/** Reads an option that parseArgs typed as a string. */
export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.options[name];
  return typeof value === "string" ? value : undefined;
}

/** Reads a whole, non-negative number option; a bad value is a usage refusal. */
export function integerOption(
  ctx: CommandContext,
  name: string,
  limits: { min?: number; max?: number } = {},
): number | undefined {
  const text = stringOption(ctx, name);
  if (text === undefined) return undefined;
  const min = limits.min ?? 0;
  const max = limits.max ?? Number.MAX_SAFE_INTEGER;
  const value = /^\s*\d+\s*$/.test(text) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    ctx.usageError(
      "cli.bad_option",
      `--${name} must be a whole number from ${min} to ${max.toLocaleString("en-US")}, not '${text}'`,
    );
  }
  return value;
}

/** The npm scripts that run this CLI (package.json): `npm run` starts them in the package's folder. */
const CLI_SCRIPTS = new Set(["bulkusers", "db:migrate"]);

/**
 * The folder the person typed the command in, against which relative paths (files, `pglite:<dir>`)
 * resolve. `npm run -s bulkusers -- …` moves to the package folder and says where it came from in
 * INIT_CWD; `npx bulkusers` and the bin do not move. Only our own npm scripts are trusted: INIT_CWD is
 * inherited by every child of any npm script (a test runner's, say), where it means nothing to us.
 */
export function invocationDirectory(env: Record<string, string | undefined>, cwd: string): string {
  const lifecycle = env.npm_lifecycle_event;
  if (env.INIT_CWD && lifecycle && CLI_SCRIPTS.has(lifecycle)) return resolve(env.INIT_CWD);
  return cwd;
}
