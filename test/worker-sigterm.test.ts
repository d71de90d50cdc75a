// SIGTERM (DESIGN §7): a worker stops taking work, finishes the batch in progress, releases the lease and
// exits 0; another worker then completes the job at once (no lease to wait for), every row exactly once.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../src/directory/client.ts";
import { claimNextJob } from "../src/jobs/queue.ts";
import { runUntilFinished } from "../src/jobs/service.ts";
import { createPostgresDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import {
  type ChildWorker,
  exactly,
  jobCounts,
  killQuietly,
  mustGetJob,
  queueCreateJob,
  spawnCli,
  spawnWorkerChild,
  waitUntil,
} from "./support/workers.ts";

const children: ChildWorker[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const child of children.splice(0)) killQuietly(child);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function realClockEngine(handle: DatabaseHandle, maxRows: number) {
  return { ...testEngine(handle, { leaseSeconds: 30, maxRows }), clock: () => new Date() };
}

/** After a clean stop: the job is still running but nobody holds it, and nothing was left half-done. */
async function expectReleasedMidJob(handle: DatabaseHandle, jobId: string, total: number) {
  const job = await mustGetJob(handle.db, jobId);
  expect(job.status).toBe("running");
  expect(job.leaseOwner).toBeNull();
  expect(job.leaseExpiresAt).toBeNull();
  expect(job.processed).toBeGreaterThan(0);
  expect(job.processed).toBeLessThan(total);
  expect(await jobCounts(handle.db, jobId)).toMatchObject({
    users: job.processed,
    succeededItems: job.processed,
    audit: job.processed,
    credentials: job.processed,
    pendingItems: total - job.processed,
  });
  return job;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)("worker SIGTERM [postgres]", () => {
  async function freshDatabase() {
    const { url, drop } = await createPostgresDatabase();
    const handle = await openDatabase(url);
    cleanups.push(async () => {
      await handle.close();
      await drop();
    });
    return { url, handle };
  }

  it("finishes its batch, releases the lease, exits 0; another worker completes the job at once", async () => {
    const ROWS = 20_000;
    const { url, handle } = await freshDatabase();
    const engine = realClockEngine(handle, ROWS);
    const job = await queueCreateJob(engine, ROWS);

    const a = spawnWorkerChild(url, { owner: "worker-a", lease: 30, batch: 100 });
    children.push(a);
    await a.waitFor((e) => e.event === "progress" && (e.processed ?? 0) > 0, 90_000);
    a.proc.kill("SIGTERM");
    expect(await a.exited).toEqual({ code: 0, signal: null });
    const stopped = a.events.find((e) => e.event === "stopped");
    expect(stopped?.signal).toBe("SIGTERM");
    // The last batch it committed is the last one it reported: it did not stop half-way through one.
    const lastReported = a.events.filter((e) => e.event === "progress").at(-1)?.processed;
    const released = await expectReleasedMidJob(handle, job.id, ROWS);
    expect(released.processed).toBe(lastReported);

    // No lease to wait for: the next worker claims it straight away (same clock as the release).
    const claim = await claimNextJob(handle.db, "worker-b", 30, new Date());
    expect(claim).toMatchObject({ kind: "claimed", job: { id: job.id, leaseOwner: "worker-b" } });
    await runUntilFinished(engine, job.id, { owner: "worker-b" });
    expect(await mustGetJob(handle.db, job.id)).toMatchObject({
      status: "succeeded",
      processed: ROWS,
      succeeded: ROWS,
      leaseOwner: null,
    });
    expect(await jobCounts(handle.db, job.id)).toEqual(exactly(ROWS));
  }, 240_000);

  it("the real CLI `bulkusers worker`: SIGTERM mid-job exits 0 with the lease released", async () => {
    const ROWS = 20_000;
    const { url, handle } = await freshDatabase();
    const engine = realClockEngine(handle, ROWS);
    const job = await queueCreateJob(engine, ROWS);

    const cli = spawnCli("cli-worker", ["worker", "--db", url], {
      BULKUSERS_JOB_LEASE_SECONDS: "5",
      BULKUSERS_MAX_ROWS: String(ROWS),
    });
    children.push(cli);
    await waitUntil(
      async () => {
        const current = await mustGetJob(handle.db, job.id);
        return current.processed > 0 ? current : undefined;
      },
      { timeoutMs: 90_000, what: "the CLI worker's first batch" },
    );
    cli.proc.kill("SIGTERM");
    const exit = await cli.exited;
    expect(exit, cli.stderr()).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toContain("Worker stopped.");

    const after = await mustGetJob(handle.db, job.id);
    // The lease is released whether the signal landed mid-job (usual) or after the last batch.
    expect(after.leaseOwner).toBeNull();
    expect(after.leaseExpiresAt).toBeNull();
    await runUntilFinished(engine, job.id, { owner: "worker-b" });
    expect(await jobCounts(handle.db, job.id)).toEqual(exactly(ROWS));
  }, 240_000);
});

describe("worker SIGTERM [pglite data dir]", () => {
  it("finishes its batch, releases the lease and exits 0; the next process completes the job", async () => {
    const ROWS = 3000;
    const dir = await mkdtemp(join(tmpdir(), "bulkusers-sigterm-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const url = `pglite:${dir}`;
    const dump = await readFile(inject("pgliteDumpPath"));
    let handle = await openDatabase(url, { pgliteDataDir: new Blob([dump]), migrate: false });
    const job = await queueCreateJob(realClockEngine(handle, ROWS), ROWS);
    await handle.close();

    const a = spawnWorkerChild(url, { owner: "worker-a", lease: 30, batch: 50 });
    children.push(a);
    await a.waitFor((e) => e.event === "progress" && (e.processed ?? 0) > 0, 120_000);
    a.proc.kill("SIGTERM");
    expect(await a.exited).toEqual({ code: 0, signal: null });
    const lastReported = a.events.filter((e) => e.event === "progress").at(-1)?.processed;

    handle = await openDatabase(url);
    cleanups.push(() => handle.close());
    const released = await expectReleasedMidJob(handle, job.id, ROWS);
    expect(released.processed).toBe(lastReported);
    // Same clock as the release: a released lease needs no waiting.
    const engine = realClockEngine(handle, ROWS);
    await runUntilFinished(engine, job.id, { owner: "worker-b", batchSize: 500 });
    expect(await mustGetJob(handle.db, job.id)).toMatchObject({ status: "succeeded", processed: ROWS });
    expect(await jobCounts(handle.db, job.id)).toEqual(exactly(ROWS));
  }, 240_000);
});
