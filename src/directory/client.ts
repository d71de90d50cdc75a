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
  close(): Promise<void>;
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
   * PGlite's buffer pool (PostgreSQL's shared_buffers, e.g. "32MB") for a `pglite:<dir>`. PGlite's
   * default is 128MB, which its WASM heap allocates up front; the server passes a smaller one (see
   * docs/operations.md). Set with ALTER SYSTEM, so later opens of that folder (the CLI) use it too.
   */
  pgliteSharedBuffers?: string;
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<DatabaseHandle> {
  const handle = url.startsWith("pglite:")
    ? await openPglite(url, options)
    : await openPostgres(url, options);
  if (options.migrate ?? true) await runMigrations(handle);
  return handle;
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
    if (dataDir && !options.pgliteDataDir) await preparePgliteFolder(dataDir, options.pgliteSharedBuffers);
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
  return { db, kind: "postgres", url, close: () => client.end({ timeout: 5 }) };
}

/** Applies pending migrations; on PostgreSQL under an advisory lock so instances can start together. */
export async function runMigrations(handle: DatabaseHandle): Promise<void> {
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
