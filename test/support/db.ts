// Database targets for tests: always the embedded PGlite (from the migrated dump), and PostgreSQL too
// when TEST_DATABASE_URL is set (CI). Each test file gets its own PostgreSQL database, dropped after.

import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, inject } from "vitest";
import { type DatabaseHandle, openDatabase, queryRows } from "../../src/directory/client.ts";

export type TargetKind = "pglite" | "postgres";

export function databaseTargets(): TargetKind[] {
  return process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

/** Opens a migrated database of the given kind; `close()` also drops a PostgreSQL test database. */
export async function openTestDatabase(kind: TargetKind): Promise<DatabaseHandle> {
  if (kind === "pglite") {
    const dump = await readFile(inject("pgliteDumpPath"));
    return openDatabase("pglite:memory", { pgliteDataDir: new Blob([dump]), migrate: false });
  }
  const { url, drop } = await createPostgresDatabase();
  const handle = await openDatabase(url);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await drop();
    },
  };
}

/** A fresh database on the TEST_DATABASE_URL server; `drop` removes it (also with open sessions). */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error("TEST_DATABASE_URL is not set");
  const name = `bulkusers_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = postgres(base, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

const TABLES = [
  "scheduled_rows",
  "scheduled_batches",
  "approval_requests",
  "welcome_messages",
  "audit_log",
  "job_credentials",
  "job_items",
  "jobs",
  "plan_rows",
  "plans",
  "inactivity_warnings",
  "cron_runs",
  "schedules",
  "license_assignments",
  "licenses",
  "group_members",
  "groups",
  "users",
  "processed_events",
  "settings",
];

/** Empties every table: each test starts from a clean, migrated directory. */
export async function truncateAll(handle: DatabaseHandle): Promise<void> {
  await handle.db.execute(sql.raw(`truncate ${TABLES.join(", ")} restart identity cascade`));
}

export interface DatabaseContext {
  readonly handle: DatabaseHandle;
  readonly kind: TargetKind;
}

/**
 * Runs the same tests on every database target. Each target is opened once per file and emptied
 * before each test.
 */
export function describeEachDatabase(name: string, body: (ctx: DatabaseContext) => void): void {
  for (const kind of databaseTargets()) {
    describe(`${name} [${kind}]`, () => {
      let handle: DatabaseHandle | undefined;
      const ctx: DatabaseContext = {
        get handle() {
          if (!handle) throw new Error("database not open yet");
          return handle;
        },
        kind,
      };
      beforeAll(async () => {
        handle = await openTestDatabase(kind);
      });
      afterAll(async () => {
        await handle?.close();
      });
      beforeEach(async () => {
        if (handle) await truncateAll(handle);
      });
      body(ctx);
    });
  }
}

export { queryRows };
