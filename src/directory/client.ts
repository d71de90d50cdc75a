// One Database type for both drivers: PGlite (embedded, the default) and postgres.js (a real server).
// The URL picks the driver: `pglite:<dir>`, `pglite:memory`, `postgres://…` / `postgresql://…`.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { Sql } from "postgres";
import { innermostMessage, isDatabaseUnavailable } from "./faults.ts";
import { acquireLock } from "./pglite-lock.ts";
import postgres, { noDelaySocket } from "./postgres-driver.ts";
import * as schema from "./schema.ts";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle: everything a repository needs, nothing more. */
export type Executor = Pick<Database, "select" | "insert" | "update" | "delete" | "execute">;

export interface DatabaseHandle {
  db: Database;
  kind: "pglite" | "postgres";
  /** The URL it was opened with (without credentials worth hiding: trust auth or pglite). */
  url: string;
  /**
   * Closes it. On PostgreSQL, queries still running get `timeoutSeconds` (default 5) to finish before
   * their connections are cut.
   */
  close(timeoutSeconds?: number): Promise<void>;
}

/**
 * The migrations folder of the package: found upwards from this module, which runs from src/directory/
 * (tsx, tests) or from a bundle in dist/ (npm start).
 */
export const MIGRATIONS_FOLDER = findMigrations(dirname(fileURLToPath(import.meta.url)));

function findMigrations(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "migrations");
    if (existsSync(join(candidate, "meta", "_journal.json"))) return candidate;
    if (dirname(dir) === dir) return resolve(from, "../../migrations");
  }
}

/** Any stable 64-bit key: serialises migrations across processes sharing one PostgreSQL. */
const MIGRATION_LOCK_KEY = 7_265_301_449n;

export interface OpenOptions {
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** For tests: start PGlite from a dumped, already migrated data dir. */
  pgliteDataDir?: Blob;
  /** postgres.js pool size (default 10). */
  maxConnections?: number;
  /**
   * PGlite's buffer pool (PostgreSQL's shared_buffers, e.g. "32MB") for a `pglite:<dir>`; default
   * PGLITE_SHARED_BUFFERS. Set with ALTER SYSTEM in the folder, read at the next start.
   */
  pgliteSharedBuffers?: string;
}

/**
 * The buffer pool of an embedded database folder, for the server and every CLI command. PGlite's own
 * default, 128MB, is allocated by its WASM heap up front and zeroed at each start: with 32MB a command
 * opens the folder ~0.4 s sooner and peaks ~120 MB lower, and jobs of 50,000 and 150,000 rows ran as fast
 * (docs/performance.md). A folder made with the old default is set once, on its next open.
 */
export const PGLITE_SHARED_BUFFERS = "32MB";

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<DatabaseHandle> {
  const handle = url.startsWith("pglite:")
    ? await openPglite(url, options)
    : await openPostgres(url, options);
  if (options.migrate ?? true) {
    try {
      await runMigrations(handle);
    } catch (error) {
      // The handle is not returned, so no one else can close it: an open pool would keep the process
      // alive after its error (the CLI and the server hung there, their message printed, never exiting).
      // Nothing is worth waiting for (a pool still retrying a refused login would take the 5 s).
      await handle.close(0).catch(() => {});
      throw isDatabaseUnavailable(error) ? error : new DatabaseSetupError(error);
    }
  }
  return handle;
}

/**
 * The database answered, but could not be used: it does not exist, the login was refused, or its schema
 * could not be brought up to date (most often a user that may not create tables there). The message is
 * the server's own reason — drizzle wraps it in a "Failed query: …" that hides it — and what to do about
 * it; the original is the `cause`.
 */
export class DatabaseSetupError extends Error {
  readonly code: string;
  constructor(cause: unknown) {
    const reason = innermostMessage(cause);
    const state = sqlStateOf(cause) ?? "";
    let code = "database.migration_failed";
    let message = `The database's tables could not be created or updated (migrations): ${reason}.`;
    if (state === "3D000") {
      code = "database.not_found";
      message = `${reason}: create it first (e.g. \`createdb <name>\`), or point DATABASE_URL / --db at an existing one.`;
    } else if (state.startsWith("28")) {
      code = "database.login_failed";
      message = `${reason}: check the user and password in DATABASE_URL / --db.`;
    } else if (state === "42501") {
      message +=
        " The database user may not create tables there: run `npm run db:migrate` once with DATABASE_URL set to the database's owner (or grant this user CREATE on the database and its public schema); after that, a user with only read and write rights on the tables is enough.";
    }
    super(message, { cause });
    this.code = code;
  }
}

/**
 * A database that cannot be used — away, missing, refusing the login, not migratable — as a code and a
 * one-line message for a person (no stack trace: not a bug of this program); undefined for anything else.
 */
export function describeDatabaseProblem(error: unknown): { code: string; message: string } | undefined {
  if (error instanceof DatabaseSetupError) return { code: error.code, message: error.message };
  if (isDatabaseUnavailable(error)) {
    return {
      code: "database.unavailable",
      message: `cannot reach the database (${innermostMessage(error)}); is it running, and is DATABASE_URL (or --db) right?`,
    };
  }
  return undefined;
}

/** The first SQLSTATE (`code`) in an error's cause chain. */
function sqlStateOf(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

async function openPglite(url: string, options: OpenOptions): Promise<DatabaseHandle> {
  const location = url.slice("pglite:".length);
  let dataDir: string | undefined;
  if (location && location !== "memory") {
    dataDir = resolve(location);
    mkdirSync(dataDir, { recursive: true });
  }
  // One process per folder (pglite-lock.ts): refused here, before PGlite reads or writes anything.
  const lock = dataDir ? acquireLock(dataDir) : undefined;
  let client: PGlite;
  try {
    if (dataDir && !options.pgliteDataDir)
      await preparePgliteFolder(dataDir, options.pgliteSharedBuffers ?? PGLITE_SHARED_BUFFERS);
    client = await PGlite.create({
      ...(dataDir ? { dataDir } : {}),
      ...(options.pgliteDataDir ? { loadDataDir: options.pgliteDataDir } : {}),
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = drizzlePglite({ client, schema }) as unknown as Database;
  return {
    db,
    kind: "pglite",
    url,
    close: async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * Gets a PGlite folder ready in a short-lived child process, when there is something to do:
 * - a new folder is initialised there (initdb): PGlite's initdb leaves ~400 MB of WASM memory behind that
 *   a long-running server would otherwise keep for good;
 * - the buffer pool size is set with ALTER SYSTEM (postgresql.auto.conf; PGlite's own `postgresqlconf`
 *   option would overwrite the whole postgresql.conf), read at the next start, i.e. the open that follows.
 */
async function preparePgliteFolder(dataDir: string, sharedBuffers?: string): Promise<void> {
  if (sharedBuffers !== undefined && !/^\d+(kB|MB|GB)$/.test(sharedBuffers)) {
    throw new Error(`shared_buffers must look like 32MB, not '${sharedBuffers}'`);
  }
  const initialised = existsSync(join(dataDir, "PG_VERSION"));
  let configured = sharedBuffers === undefined;
  if (!configured && initialised) {
    try {
      const auto = readFileSync(join(dataDir, "postgresql.auto.conf"), "utf8");
      configured = new RegExp(`^shared_buffers = '${sharedBuffers}'$`, "m").test(auto);
    } catch {
      configured = false;
    }
  }
  if (initialised && configured) return;
  const script = `const { PGlite } = await import(process.argv[1]);
const db = await PGlite.create({ dataDir: process.argv[2] });
if (process.argv[3]) await db.exec("alter system set shared_buffers = '" + process.argv[3] + "'");
await db.close();`;
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script,
        import.meta.resolve("@electric-sql/pglite"),
        dataDir,
        configured ? "" : (sharedBuffers ?? ""),
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`preparing the embedded database in ${dataDir} failed: ${stderr.slice(-500)}`)),
    );
  });
}

async function openPostgres(url: string, options: OpenOptions): Promise<DatabaseHandle> {
  const client = postgres(url, {
    max: options.maxConnections ?? 10,
    onnotice: () => {},
    // Reconnect delay after failed attempts, in seconds. postgres.js's default grows to 20 s (3^n / 100),
    // so after a restart of the server the first query could wait that long; capped at 1 s here, a job
    // resumes within about a second of the database answering again.
    backoff: (attempt: number) => Math.min(1, 0.05 * 2 ** attempt),
    // Not in postgres.js's typings, but a documented option (see postgres-driver.ts: Nagle off).
    ...({ socket: noDelaySocket() } as object),
  });
  const db = drizzlePostgres({ client, schema }) as unknown as Database;
  return {
    db,
    kind: "postgres",
    url,
    close: (timeoutSeconds = 5) => client.end({ timeout: timeoutSeconds }),
  };
}

/**
 * Applies pending migrations; on PostgreSQL under an advisory lock so instances can start together.
 * Nothing is pending in nearly every start: one read of the last applied migration says so, and the
 * migrator — which always runs CREATE SCHEMA / CREATE TABLE IF NOT EXISTS, needing the right to create
 * in the database even when everything exists, and takes the lock — is not run at all. So a database
 * user with only read and write rights on the tables can run the app on a migrated database, and each
 * CLI command is four round trips shorter.
 */
export async function runMigrations(handle: DatabaseHandle): Promise<void> {
  if (await migrationsApplied(handle.db)) return;
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  if (handle.kind === "pglite") {
    // PGlite is one connection in one process: nothing to serialise against.
    await migratePglite(handle.db as never, config);
    return;
  }
  const client = (handle.db as unknown as { $client: Sql }).$client;
  const reserved = await client.reserve();
  try {
    await reserved`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    await migratePostgres(handle.db as never, config);
  } finally {
    await reserved`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`.catch(() => {});
    reserved.release();
  }
}

/**
 * True when the database has every migration of MIGRATIONS_FOLDER, judged as drizzle's migrator judges
 * it: a migration is pending when its journal time (`when`) is later than the `created_at` of the last
 * one recorded in drizzle.__drizzle_migrations. No such table (a new database) is "not applied"; a
 * database that is away is thrown, as any query would.
 */
export async function migrationsApplied(db: Pick<Database, "execute">): Promise<boolean> {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as {
    entries: { when: number }[];
  };
  const latest = Math.max(...journal.entries.map((entry) => entry.when));
  try {
    const [last] = await queryRows<{ created_at: string | number | null }>(
      db,
      sql`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`,
    );
    return last !== undefined && Number(last.created_at) >= latest;
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error;
    // Missing schema or table, or not allowed to read it: the migrator decides (and says why it cannot).
    return false;
  }
}

/**
 * `= any(…)` of a list of text values sent as one jsonb parameter (no limit on its length, unlike one
 * parameter per value). Used as `column = ${anyOf(list)}`: one ordered index scan over the list, where
 * `in (select …)` first hashed and de-duplicated it and then probed the index once per value
 * (50,000 e-mails: 430 ms → 115 ms on the server).
 */
export function anyOf(values: readonly string[]): SQL {
  return sql`any(array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb)))`;
}

/** Runs raw SQL and returns its rows, whatever the driver (PGlite answers {rows}, postgres.js an array). */
export async function queryRows<T = Record<string, unknown>>(
  db: Pick<Database, "execute">,
  query: SQL,
): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** True when the database answers: what /healthz reports. */
export async function ping(db: Database): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
