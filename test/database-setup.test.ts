// Opening a database: a migrated one without running the migrator (so a user with only read and write
// rights on the tables can run the app); one that cannot be used — a user without the right to create
// tables, a database that does not exist — with the server's own reason and what to do, and the process
// exits; an embedded folder with the small buffer pool, whoever opens it.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import {
  DatabaseSetupError,
  migrationsApplied,
  openDatabase,
  PGLITE_SHARED_BUFFERS,
  queryRows,
} from "../src/directory/client.ts";
import { users } from "../src/directory/schema.ts";
import { createPostgresDatabase } from "./support/db.ts";
import { cleanEnv, spawnWatched } from "./support/process-tree.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The real CLI (bin/bulkusers.js) with a deadline: a process that does not exit in time is a failure. */
async function cli(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string; hung: boolean }> {
  const run = spawnWatched(process.execPath, [join(ROOT, "bin", "bulkusers.js"), ...args], {
    cwd: ROOT,
    env: cleanEnv(),
  });
  // "close", not "exit": every byte of its output has been read by then.
  const closed = new Promise<void>((resolve) => run.child.on("close", () => resolve()));
  let hung = false;
  const deadline = setTimeout(() => {
    hung = true;
    run.child.kill("SIGKILL");
  }, 30_000);
  const { code } = await run.exited;
  await closed;
  clearTimeout(deadline);
  return { status: code, stdout: run.output.stdout, stderr: run.output.stderr, hung };
}

describe("migrations already applied", () => {
  it("are recognised from the last recorded migration, and not run again", async () => {
    const fresh = await openDatabase("pglite:memory", { migrate: false });
    try {
      expect(await migrationsApplied(fresh.db)).toBe(false);
    } finally {
      await fresh.close();
    }
    const migrated = await openDatabase("pglite:memory");
    try {
      expect(await migrationsApplied(migrated.db)).toBe(true);
      // An older record than the journal's last migration: pending again.
      await migrated.db.execute(sql`update drizzle.__drizzle_migrations set created_at = 0`);
      expect(await migrationsApplied(migrated.db)).toBe(false);
    } finally {
      await migrated.close();
    }
  });
});

describe("an embedded database folder", () => {
  it("runs with the small buffer pool, for the CLI too; a folder made with PGlite's default is set on its next open", {
    timeout: 60_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "bulkusers-pglite-"));
    try {
      // A folder as PGlite makes it by itself (shared_buffers 128MB), as older versions of the CLI left it.
      const raw = await PGlite.create({ dataDir: dir });
      expect(
        (await raw.query<{ shared_buffers: string }>("show shared_buffers")).rows[0]?.shared_buffers,
      ).toBe("128MB");
      await raw.close();
      const handle = await openDatabase(`pglite:${dir}`);
      try {
        const [row] = await queryRows<{ shared_buffers: string }>(handle.db, sql`show shared_buffers`);
        expect(row?.shared_buffers).toBe(PGLITE_SHARED_BUFFERS);
      } finally {
        await handle.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)("database setup [postgres]", () => {
  // Databases first (the grants in them depend on the roles), then the roles.
  const databases: Array<() => Promise<void>> = [];
  const roles: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of [...databases.splice(0), ...roles.splice(0)]) await cleanup();
  });

  /** A login role with no rights of its own (roles are per server: dropped at the end). */
  async function plainRole(): Promise<string> {
    const role = `bulkusers_r_${randomBytes(5).toString("hex")}`;
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create role ${role} login`);
    await admin.end();
    roles.push(async () => {
      const again = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop role if exists ${role}`);
      await again.end();
    });
    return role;
  }

  async function database(): Promise<string> {
    const { url, drop } = await createPostgresDatabase();
    databases.push(drop);
    return url;
  }

  const as = (url: string, role: string) => {
    const u = new URL(url);
    u.username = role;
    u.password = "";
    return u.toString();
  };

  it("a user with only read and write rights on the tables runs the CLI on a migrated database", {
    timeout: 60_000,
  }, async () => {
    const url = await database();
    const role = await plainRole();
    const owner = await openDatabase(url);
    await owner.db.insert(users).values({ email: "ada@example.com", displayName: "Ada" });
    await owner.db.execute(
      sql.raw(`grant select, insert, update, delete on all tables in schema public to ${role};
        grant usage, select on all sequences in schema public to ${role};
        grant usage on schema drizzle to ${role};
        grant select on all tables in schema drizzle to ${role}`),
    );
    await owner.close();
    // The role may not create anything in this database (PostgreSQL 15: not even in public).
    const handle = await openDatabase(as(url, role));
    try {
      const rows = await queryRows<{ email: string }>(handle.db, sql`select email from users`);
      expect(rows.map((r) => r.email)).toEqual(["ada@example.com"]);
    } finally {
      await handle.close();
    }
    const listed = await cli(["users", "--json", "--db", as(url, role)]);
    expect(listed.hung).toBe(false);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain("ada@example.com");
  });

  it("a user that may not create the tables gets the reason and what to do; the process exits", {
    timeout: 60_000,
  }, async () => {
    const url = await database();
    const role = await plainRole();
    const error = await openDatabase(as(url, role)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseSetupError);
    expect((error as DatabaseSetupError).code).toBe("database.migration_failed");
    expect((error as Error).message).toMatch(/permission denied for database/);
    expect((error as Error).message).toContain("npm run db:migrate");

    // Before: the message hid the reason behind drizzle's "Failed query: CREATE SCHEMA …", and the open
    // connection pool kept the process alive for good after printing it.
    const run = await cli(["jobs", "--db", as(url, role)]);
    expect(run.hung).toBe(false);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^bulkusers: The database's tables could not be created or updated/);
    expect(run.stderr).toContain("permission denied for database");
    expect(run.stderr).not.toContain("Failed query");
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace

    // Nothing was created: the database is as it was.
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    const schemas = await admin`select nspname from pg_namespace where nspname = 'drizzle'`;
    await admin.end();
    expect(schemas).toHaveLength(0);
  });

  it("a database that does not exist, or a user that cannot log in: one line naming it, exit 1", {
    timeout: 60_000,
  }, async () => {
    const missing = new URL(process.env.TEST_DATABASE_URL!);
    missing.pathname = `/bulkusers_missing_${randomBytes(4).toString("hex")}`;
    const notFound = await cli(["jobs", "--json", "--db", missing.toString()]);
    expect(notFound.hung).toBe(false);
    expect(notFound.status).toBe(1);
    expect(JSON.parse(notFound.stdout).error.code).toBe("database.not_found");
    expect(notFound.stderr).toMatch(/does not exist: create it first/);

    const nobody = as(process.env.TEST_DATABASE_URL!, `bulkusers_nobody_${randomBytes(4).toString("hex")}`);
    const refused = await cli(["jobs", "--db", nobody]);
    expect(refused.hung).toBe(false);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^bulkusers: role "bulkusers_nobody_\w+" does not exist: check the user/);
  });
});
