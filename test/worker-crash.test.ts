// A confirmed job survives a crash (DESIGN §7): a worker process running a large job is killed with SIGKILL
// mid-job; another worker resumes it once the lease has expired, and every row is applied exactly once
// (directory, job items, audit rows and temporary passwords). The resume time is printed, never asserted.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../src/directory/client.ts";
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
  spawnWorkerChild,
} from "./support/workers.ts";

const children: ChildWorker[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const child of children.splice(0)) killQuietly(child);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function realClockEngine(handle: DatabaseHandle, leaseSeconds: number, maxRows: number) {
  return { ...testEngine(handle, { leaseSeconds, maxRows }), clock: () => new Date() };
}

describe.skipIf(!process.env.TEST_DATABASE_URL)("worker crash [postgres]", () => {
  it("SIGKILL mid-job: a standby worker resumes after the lease expires; every row exactly once", async () => {
    const ROWS = 20_000;
    const LEASE = 3;
    const { url, drop } = await createPostgresDatabase();
    const handle = await openDatabase(url);
    cleanups.push(async () => {
      await handle.close();
      await drop();
    });
    const engine = realClockEngine(handle, LEASE, ROWS);
    const job = await queueCreateJob(engine, ROWS);

    const a = spawnWorkerChild(url, { owner: "worker-a", lease: LEASE, batch: 100, untilIdle: true });
    children.push(a);
    await a.waitFor((e) => e.event === "progress" && (e.processed ?? 0) > 0, 90_000);
    // A standby instance: finds the head busy under A's live lease and waits.
    const b = spawnWorkerChild(url, {
      owner: "worker-b",
      lease: LEASE,
      batch: 100,
      pollMs: 100,
      untilIdle: true,
    });
    children.push(b);
    await b.waitFor((e) => e.event === "ready", 60_000);

    const before = await mustGetJob(handle.db, job.id);
    expect(before.status).toBe("running");
    expect(before.leaseOwner).toBe("worker-a");
    expect(before.processed).toBeGreaterThan(0);
    expect(before.processed).toBeLessThan(ROWS);

    a.proc.kill("SIGKILL");
    const killedAt = Date.now();
    expect(await a.exited).toEqual({ code: null, signal: "SIGKILL" });
    const atKill = await mustGetJob(handle.db, job.id);
    expect(atKill.processed).toBeLessThan(ROWS);

    const resumed = await b.waitFor((e) => e.event === "progress" && e.jobId === job.id, 90_000);
    await b.waitFor((e) => e.event === "finished" && e.jobId === job.id, 120_000);
    expect((await b.exited).code).toBe(0);

    const finished = await mustGetJob(handle.db, job.id);
    expect(finished).toMatchObject({
      status: "succeeded",
      total: ROWS,
      processed: ROWS,
      succeeded: ROWS,
      failed: 0,
      skipped: 0,
      leaseOwner: null,
    });
    expect(await jobCounts(handle.db, job.id)).toEqual(exactly(ROWS));
    // B only ever continued from where A's last committed batch left off.
    const bProgress = b.events.filter((e) => e.event === "progress").map((e) => e.processed ?? 0);
    expect(bProgress[0]).toBeGreaterThan(atKill.processed);
    expect([...bProgress].sort((x, y) => x - y)).toEqual(bProgress);

    const resumeMs = resumed.at - killedAt;
    console.info(
      `[bench] resume after SIGKILL (lease ${LEASE} s, renewal every ${LEASE / 3} s, standby polling 100 ms): ` +
        `${resumeMs} ms from the kill to the standby's first committed batch; ` +
        `A had committed ${atKill.processed}/${ROWS} rows`,
    );
  }, 240_000);
});

describe("worker crash [pglite, one data dir used by one process at a time]", () => {
  it("SIGKILL mid-job: the next process to open the data dir resumes it; every row exactly once", async () => {
    const ROWS = 3000;
    const LEASE = 30;
    const dir = await mkdtemp(join(tmpdir(), "bulkusers-crash-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const url = `pglite:${dir}`;

    // 1. This process creates the directory and queues the job, then lets go of the data dir.
    const dump = await readFile(inject("pgliteDumpPath"));
    let handle = await openDatabase(url, { pgliteDataDir: new Blob([dump]), migrate: false });
    const job = await queueCreateJob(realClockEngine(handle, LEASE, ROWS), ROWS);
    await handle.close();

    // 2. A worker process opens it, starts the job, and is killed mid-job.
    const a = spawnWorkerChild(url, { owner: "worker-a", lease: LEASE, batch: 50, untilIdle: true });
    children.push(a);
    const progress = await a.waitFor((e) => e.event === "progress" && (e.processed ?? 0) > 0, 120_000);
    a.proc.kill("SIGKILL");
    expect(await a.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(progress.processed).toBeLessThan(ROWS);

    // 3. The next process opens the data dir (PostgreSQL crash recovery inside PGlite) and sees A's lease.
    handle = await openDatabase(url);
    cleanups.push(() => handle.close());
    const atKill = await mustGetJob(handle.db, job.id);
    expect(atKill.status).toBe("running");
    expect(atKill.leaseOwner).toBe("worker-a");
    expect(atKill.processed).toBeGreaterThanOrEqual(progress.processed ?? 0);
    expect(atKill.processed).toBeLessThan(ROWS);
    expect(await jobCounts(handle.db, job.id)).toMatchObject({
      users: atKill.processed,
      audit: atKill.processed,
      credentials: atKill.processed,
      pendingItems: ROWS - atKill.processed,
    });

    // 4. Once A's lease has expired (the clock moved past it), a new worker resumes the pending rows.
    const engine = testEngine(handle, { leaseSeconds: LEASE, maxRows: ROWS });
    engine.setNow(new Date(Date.now() + (LEASE + 1) * 1000).toISOString());
    await runUntilFinished(engine, job.id, { owner: "worker-b", batchSize: 500 });
    expect(await mustGetJob(handle.db, job.id)).toMatchObject({
      status: "succeeded",
      processed: ROWS,
      succeeded: ROWS,
      leaseOwner: null,
    });
    expect(await jobCounts(handle.db, job.id)).toEqual(exactly(ROWS));
  }, 240_000);
});
