// The lease, in one process: renewed while a job runs (a slow step never lets another worker in), lost
// when someone else holds it (nothing more is committed), and the queue's head is never skipped while its
// owner briefly locks the job row. Plus the in-process worker's stop() and wake(), and queue positions.
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, queryRows } from "../src/directory/client.ts";
import type { JobRecord } from "../src/directory/schema.ts";
import { claimJob, executeJob, LeaseLostError } from "../src/jobs/executor.ts";
import { queuePosition } from "../src/jobs/job-store.ts";
import { CLAIM_LOCK_KEY, claimNextJob } from "../src/jobs/queue.ts";
import { executorDeps } from "../src/jobs/service.ts";
import { startWorker } from "../src/jobs/worker.ts";
import { createPostgresDatabase, describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import { exactly, jobCounts, mustGetJob, queueCreateJob, waitUntil } from "./support/workers.ts";

const T0 = "2026-11-02T09:00:00.000Z";
const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

async function leaseOf(db: Parameters<typeof mustGetJob>[0], jobId: string) {
  const [row] = await queryRows<{ owner: string | null; expires: string | null }>(
    db,
    sql`select lease_owner as owner, to_char(lease_expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as expires
        from jobs where id = ${jobId}`,
  );
  return row;
}

describeEachDatabase("job lease", (ctx) => {
  it("is renewed while a slow step runs, so another worker finds the job busy, never free", async () => {
    const engine = testEngine(ctx.handle, { leaseSeconds: 30 });
    const job = await queueCreateJob(engine, 25);
    const claimed = await claimJob(ctx.handle.db, job.id, "worker-a", 30, engine.clock());
    expect(claimed).not.toBeNull();
    let first = true;
    const seen: { renewedTo?: string; otherClaim?: string; owner?: string | null } = {};
    const finished = await executeJob(executorDeps(engine), claimed!, {
      owner: "worker-a",
      leaseSeconds: 30,
      batchSize: 10,
      renewEveryMs: 20,
      // A slow step between batches (a slow Slack, scrypt…): a minute passes on the clock, twice the lease.
      onProgress: async () => {
        if (!first) return;
        first = false;
        engine.setNow(plus(T0, 60));
        const lease = await waitUntil(
          async () => {
            const current = await leaseOf(ctx.handle.db, job.id);
            return current?.expires === plus(T0, 90) ? current : undefined;
          },
          { what: "the lease renewal" },
        );
        seen.renewedTo = lease.expires ?? undefined;
        seen.owner = lease.owner;
        seen.otherClaim = (await claimNextJob(ctx.handle.db, "worker-b", 30, engine.clock())).kind;
      },
    });
    expect(seen).toEqual({ renewedTo: plus(T0, 90), owner: "worker-a", otherClaim: "busy" });
    expect(finished).toMatchObject({ status: "succeeded", processed: 25, leaseOwner: null });
    expect(await jobCounts(ctx.handle.db, job.id)).toEqual(exactly(25));
  });

  it("a worker whose lease was taken over commits nothing more and stops with LeaseLostError", async () => {
    const engine = testEngine(ctx.handle, { leaseSeconds: 30 });
    const job = await queueCreateJob(engine, 25);
    const claimed = await claimJob(ctx.handle.db, job.id, "worker-a", 30, engine.clock());
    let batches = 0;
    const outcome = await executeJob(executorDeps(engine), claimed!, {
      owner: "worker-a",
      leaseSeconds: 30,
      batchSize: 10,
      renewEveryMs: 20,
      onProgress: async () => {
        batches++;
        if (batches === 1) {
          // Meanwhile another worker took the job over (e.g. A was paused longer than its lease).
          await ctx.handle.db.execute(sql`update jobs set lease_owner = 'worker-b' where id = ${job.id}`);
        }
      },
    }).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(LeaseLostError);
    const after = await mustGetJob(ctx.handle.db, job.id);
    expect(after).toMatchObject({ status: "running", processed: 10, leaseOwner: "worker-b" });
    expect(await jobCounts(ctx.handle.db, job.id)).toMatchObject({ users: 10, audit: 10, pendingItems: 15 });
  });

  it("startWorker: runs queued jobs in order; wake() runs a new one at once; stop() ends the loop", async () => {
    const engine = { ...testEngine(ctx.handle, { leaseSeconds: 30 }), clock: () => new Date() };
    const one = await queueCreateJob(engine, 5, "one");
    const two = await queueCreateJob(engine, 5, "two");
    expect(await queuePosition(ctx.handle.db, one)).toBe(1);
    expect(await queuePosition(ctx.handle.db, two)).toBe(2);
    const finished: JobRecord[] = [];
    const worker = startWorker(engine, {
      owner: "worker-a",
      // Polls once a minute: only wake() can make it run a new job within the test.
      pollMs: 60_000,
      reporter: { onProgress: () => {}, onFinished: (job) => void finished.push(job) },
    });
    try {
      await waitUntil(async () => (finished.length === 2 ? true : undefined), { what: "both jobs" });
      expect(finished.map((j) => [j.id, j.status])).toEqual([
        [one.id, "succeeded"],
        [two.id, "succeeded"],
      ]);
      expect(await queuePosition(ctx.handle.db, await mustGetJob(ctx.handle.db, two.id))).toBeNull();
      // Let the worker go idle (its minute-long pause), then hand it a job.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const three = await queueCreateJob(engine, 5, "three");
      worker.wake();
      await waitUntil(async () => (finished.length === 3 ? true : undefined), { what: "the woken job" });
      expect(finished[2]).toMatchObject({ id: three.id, status: "succeeded" });
    } finally {
      await worker.stop();
    }
    expect(worker.stopping).toBe(true);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)("queue head [postgres]", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Two queued jobs, the first claimed by worker A, and a second connection to play another worker. */
  async function firstOfTwoClaimed() {
    const { url, drop } = await createPostgresDatabase();
    const handle = await openDatabase(url);
    const other = postgres(url, { max: 1, onnotice: () => {} });
    cleanups.push(async () => {
      await other.end();
      await handle.close();
      await drop();
    });
    const engine = { ...testEngine(handle), clock: () => new Date() };
    const first = await queueCreateJob(engine, 3, "first");
    const second = await queueCreateJob(engine, 3, "second");
    expect(await claimNextJob(handle.db, "worker-a", 30, new Date())).toMatchObject({
      kind: "claimed",
      job: { id: first.id },
    });
    /** Runs `lock` in a transaction of the other connection and holds it until `release` is called. */
    async function holding(lock: (tx: postgres.TransactionSql) => Promise<unknown>) {
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const done = other.begin(async (tx) => {
        await lock(tx);
        locked();
        await held;
      });
      await isLocked;
      return {
        release: async () => {
          release();
          await done;
        },
      };
    }
    return { handle, first, second, holding };
  }

  it("while the running head's row is locked (its owner commits a batch), the next job is not handed out", async () => {
    const { handle, first, second, holding } = await firstOfTwoClaimed();
    // Worker A's batch transaction: it holds the job row until it commits.
    const batch = await holding((tx) => tx`select id from jobs where id = ${first.id} for update`);
    try {
      const claim = await claimNextJob(handle.db, "worker-b", 30, new Date());
      expect(claim).toEqual({ kind: "busy", jobId: first.id });
      expect((await mustGetJob(handle.db, second.id)).status).toBe("queued");
    } finally {
      await batch.release();
    }
  });

  it("a worker that waited for the claim lock dates the job's start after the finish of the job before it", async () => {
    const { handle, first, second, holding } = await firstOfTwoClaimed();
    // Another worker is claiming (it holds the claim lock) while worker B starts to claim and waits.
    const claiming = await holding((tx) => tx`select pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`);
    const claimB = claimNextJob(handle.db, "worker-b", 30, () => new Date());
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Worker A finishes the first job meanwhile; then the lock is let go.
    const finishedAt = new Date().toISOString();
    await handle.db.execute(
      sql`update jobs set status = 'succeeded', finished_at = ${finishedAt}::timestamptz, lease_owner = null
          where id = ${first.id}`,
    );
    await claiming.release();
    expect(await claimB).toMatchObject({ kind: "claimed", job: { id: second.id } });
    const started = (await mustGetJob(handle.db, second.id)).startedAt;
    expect(Date.parse(started ?? "")).toBeGreaterThanOrEqual(Date.parse(finishedAt));
  });
});
