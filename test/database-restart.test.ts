// PostgreSQL restarted under a running server (its own cluster, stopped with `-m immediate` mid-job, like a
// crash or a failover, then started again): the server process never crashes, answers 503 meanwhile
// (/healthz naming the database, the API with Retry-After), and the job resumes by itself and finishes
// with every row applied exactly once.
import { afterEach, describe, expect, it, onTestFailed } from "vitest";
import { type DatabaseHandle, openDatabase } from "../src/directory/client.ts";
import { testEngine } from "./support/engine.ts";
import { type Cluster, clusterAvailable, createCluster } from "./support/pg-cluster.ts";
import {
  cleanEnv,
  listeningPort,
  type Spawned,
  spawnWatched,
  waitForOutput,
} from "./support/process-tree.ts";
import { exactly, jobCounts, mustGetJob, queueCreateJob, ROOT, waitUntil } from "./support/workers.ts";

const TOKEN = "ops:restart-test-token-0123456789";
const ROWS = 30_000;

let cluster: Cluster | undefined;
let server: Spawned | undefined;
let handle: DatabaseHandle | undefined;
afterEach(async () => {
  if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
  await handle?.close().catch(() => undefined);
  cluster?.destroy();
  server = handle = cluster = undefined;
});

describe.skipIf(!clusterAvailable())("PostgreSQL restarted mid-job", () => {
  it("the server answers 503 while it is down, then resumes the job: every row once", {
    timeout: 600_000,
  }, async () => {
    cluster = await createCluster();
    handle = await openDatabase(cluster.url, { maxConnections: 2 });
    const engine = { ...testEngine(handle, { maxRows: ROWS }), clock: () => new Date() };

    server = spawnWatched(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: cleanEnv({
        DATABASE_URL: cluster.url,
        PORT: "0",
        LOG_FORMAT: "json",
        API_TOKENS: TOKEN,
        BULKUSERS_SECRET_KEY: "test-secret-key",
        BULKUSERS_MAX_ROWS: String(ROWS),
      }),
    });
    const watched = server;
    onTestFailed(() => {
      console.error(
        `server exit ${watched.child.exitCode}\nstdout:\n${watched.output.stdout.slice(-4000)}\nstderr:\n${watched.output.stderr.slice(-4000)}`,
      );
    });
    const port = await waitForOutput(server, listeningPort, "listening line");
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${TOKEN.split(":")[1]}` };

    const job = await queueCreateJob(engine, ROWS);
    const before = await waitUntil(
      async () => {
        const current = await mustGetJob(handle!.db, job.id);
        return current.processed > 0 ? current : undefined;
      },
      { timeoutMs: 300_000, what: "the server's first batch" },
    );
    cluster.crash();
    expect(before.processed).toBeLessThan(ROWS);

    // Down: liveness names the database, the API says come back later, and the process is still there.
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, failing: ["database"] });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    const api = await fetch(`${base}/api/automation/bulk-users/jobs/${job.id}`, { headers: auth });
    expect(api.status).toBe(503);
    expect(api.headers.get("retry-after")).toBe("5");
    expect(await api.json()).toMatchObject({ error: { code: "service.unavailable" } });
    expect(server.child.exitCode).toBeNull();

    const restartedAt = Date.now();
    cluster.start();
    const resumed = await waitUntil(
      async () => {
        const current = await mustGetJob(handle!.db, job.id).catch(() => undefined);
        return current && current.processed > before.processed ? Date.now() : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 50, what: "progress after the restart" },
    );
    // Reported, not asserted (no timed tests): how long the worker took to pick the job up again.
    console.info(`resume after database restart: ${resumed - restartedAt} ms (includes a batch commit)`);

    const finished = await waitUntil(
      async () => {
        const current = await mustGetJob(handle!.db, job.id);
        return current.status === "running" ? undefined : current;
      },
      { timeoutMs: 300_000, what: "the job to finish" },
    );
    expect(finished).toMatchObject({ status: "succeeded", processed: ROWS, succeeded: ROWS, failed: 0 });
    expect(await jobCounts(handle.db, job.id)).toEqual(exactly(ROWS));

    // Healthy again, the API answers, and the logs said what happened once each way.
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    expect((await fetch(`${base}/api/automation/bulk-users/jobs/${job.id}`, { headers: auth })).status).toBe(
      200,
    );
    const lines = server.output.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(lines.filter((l) => l.msg?.startsWith("database unavailable"))).toHaveLength(1);
    expect(lines.filter((l) => l.msg?.startsWith("database reachable again"))).toHaveLength(1);
    expect(lines.some((l) => l.jobId === job.id && /succeeded: 30,000 succeeded/.test(l.msg))).toBe(true);

    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
