// `npm start` as an operator runs it, with real processes: npm → node on compiled JavaScript. SIGTERM to
// npm (the process a supervisor launched) stops the whole tree and exits 0. While it runs, it owns its
// embedded database folder: the CLI or a second server on the same folder is refused (exit 2, the holder
// named, nothing written). A lock left by a dead process is taken over.
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, inject, it } from "vitest";
import { openDatabase, queryRows } from "../src/directory/client.ts";
import { LOCK_FILE } from "../src/directory/pglite-lock.ts";
import {
  cleanEnv,
  commandOf,
  descendants,
  isAlive,
  listeningPort,
  type Spawned,
  spawnWatched,
  waitForOutput,
} from "./support/process-tree.ts";

const ROOT = join(import.meta.dirname, "..");
const cleanups: Array<() => Promise<void>> = [];
const started: Spawned[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    for (const pid of [s.child.pid!, ...descendants(s.child.pid!)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An on-disk embedded database, migrated (from the suite's dump: a fresh one is shown elsewhere). */
async function preparedFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bulkusers-service-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const db = join(dir, "db");
  const prepared = await PGlite.create({
    dataDir: db,
    loadDataDir: new Blob([await readFile(inject("pgliteDumpPath"))]),
  });
  await prepared.close();
  return db;
}

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(ROOT, "bin/bulkusers.js"), ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm start (real process tree)", () => {
  it("serves, owns its pglite folder against the CLI, and stops the whole tree with exit 0 on SIGTERM", {
    timeout: 300_000,
  }, async () => {
    const folder = await preparedFolder();
    const server = spawnWatched("npm", ["start", "--silent"], {
      cwd: ROOT,
      env: cleanEnv({ DATABASE_URL: `pglite:${folder}`, PORT: "0", LOG_FORMAT: "json" }),
    });
    started.push(server);
    const port = await waitForOutput(server, listeningPort, "listening line");
    const base = `http://127.0.0.1:${port}`;

    // npm → node: the server runs compiled JavaScript under plain node (no tsx, no shell in between).
    const tree = descendants(server.child.pid!);
    const commands = tree.map(commandOf);
    expect(
      commands.some((c) => /node .*dist\/main\.js/.test(c)),
      commands.join("\n"),
    ).toBe(true);
    expect(
      commands.some((c) => /tsx/.test(c)),
      commands.join("\n"),
    ).toBe(false);
    const nodePid = tree.find((pid) => /dist\/main\.js/.test(commandOf(pid)))!;

    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { slack: { state: "off" } } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^bulkusers_jobs\{status="queued"\} 0$/m);
    expect(metrics).toMatch(/^bulkusers_queue_depth 0$/m);

    // The CLI on the same folder: refused, the holder named, exit 2, nothing written.
    const refused = cli(["group", "add", "intruders", "--db", `pglite:${folder}`]);
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`process ${nodePid}`);
    expect(refused.stderr).toContain("use PostgreSQL");
    const json = cli(["group", "add", "intruders", "--db", `pglite:${folder}`, "--json"]);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "db.locked" } });

    // A second server on the same folder: refused the same way.
    const second = spawnWatched(process.execPath, ["dist/main.js"], {
      cwd: ROOT,
      env: cleanEnv({ DATABASE_URL: `pglite:${folder}`, PORT: "0" }),
    });
    started.push(second);
    expect((await second.exited).code).toBe(2);
    expect(second.output.stderr).toContain(`process ${nodePid}`);

    // SIGTERM to what the supervisor launched (npm): everything stops, exit 0, nothing left.
    server.child.kill("SIGTERM");
    expect(await server.exited, server.output.stderr).toEqual({ code: 0, signal: null });
    for (const pid of tree) expect(isAlive(pid), `${pid} ${commandOf(pid)}`).toBe(false);
    expect(server.output.stdout).toContain('"msg":"stopped"');

    // The lock went with it, and the refused commands wrote nothing.
    const handle = await openDatabase(`pglite:${folder}`);
    try {
      const groups = await queryRows<{ name: string }>(handle.db, sql`select name from groups`);
      expect(groups.map((g) => g.name)).not.toContain("intruders");
    } finally {
      await handle.close();
    }
  });
});

describe("pglite folder lock", () => {
  it("takes over a lock left by a process that is gone", { timeout: 120_000 }, async () => {
    const folder = await preparedFolder();
    // A PID that certainly existed and is gone now.
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    const deadPid = Number(gone.stdout);
    await writeFile(
      join(folder, LOCK_FILE),
      JSON.stringify({
        pid: deadPid,
        host: hostname(),
        command: "killed",
        since: "2026-01-01T00:00:00.000Z",
      }),
    );
    const result = cli(["group", "add", "after-crash", "--db", `pglite:${folder}`, "--json"]);
    expect(result.status, result.stderr).toBe(0);
    const handle = await openDatabase(`pglite:${folder}`);
    try {
      const groups = await queryRows<{ name: string }>(handle.db, sql`select name from groups`);
      expect(groups.map((g) => g.name)).toContain("after-crash");
    } finally {
      await handle.close();
    }
  });
});
