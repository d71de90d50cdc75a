// Several instances on one PostgreSQL (DESIGN §7): worker processes started together never run a job twice
// and never run two jobs at once; jobs run first in first out. Throughput is printed, never asserted.
import { afterEach, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../src/directory/client.ts";
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

function realClockEngine(handle: DatabaseHandle, maxRows: number) {
  return { ...testEngine(handle, { leaseSeconds: 10, maxRows }), clock: () => new Date() };
}

async function freshDatabase() {
  const { url, drop } = await createPostgresDatabase();
  const handle = await openDatabase(url);
  cleanups.push(async () => {
    await handle.close();
    await drop();
  });
  return { url, handle };
}

function startPair(url: string, batch: number): [ChildWorker, ChildWorker] {
  const a = spawnWorkerChild(url, { owner: "worker-a", lease: 10, batch, pollMs: 50, untilIdle: true });
  const b = spawnWorkerChild(url, { owner: "worker-b", lease: 10, batch, pollMs: 50, untilIdle: true });
  children.push(a, b);
  return [a, b];
}

/** Committed batches as the workers reported them (the final "finished" progress call left out). */
function progressOf(...workers: ChildWorker[]) {
  return workers.flatMap((w) =>
    w.events
      .filter((e) => e.event === "progress" && e.status === "running")
      .map((e) => ({ owner: w.name, jobId: e.jobId, processed: e.processed ?? 0 })),
  );
}

describe.skipIf(!process.env.TEST_DATABASE_URL)("several workers [postgres]", () => {
  it("two worker processes started together on one queued job: it runs once", async () => {
    const ROWS = 10_000;
    const { url, handle } = await freshDatabase();
    const job = await queueCreateJob(realClockEngine(handle, ROWS), ROWS);

    const [a, b] = startPair(url, 500);
    const [exitA, exitB] = await Promise.all([a.exited, b.exited]);
    // Both processes end cleanly once the queue is idle.
    expect(exitA).toEqual({ code: 0, signal: null });
    expect(exitB).toEqual({ code: 0, signal: null });

    expect(await mustGetJob(handle.db, job.id)).toMatchObject({
      status: "succeeded",
      total: ROWS,
      processed: ROWS,
      succeeded: ROWS,
      failed: 0,
      leaseOwner: null,
    });
    expect(await jobCounts(handle.db, job.id)).toEqual(exactly(ROWS));

    // Exactly one process ran it (the lease owner), and every batch was committed once: the counters the
    // workers saw after their commits are distinct and add up in steps of one batch.
    const batches = progressOf(a, b).filter((p) => p.jobId === job.id);
    const owners = new Set(batches.map((p) => p.owner));
    expect(owners.size).toBe(1);
    const processed = batches.map((p) => p.processed);
    expect(new Set(processed).size).toBe(processed.length);
    expect(processed).toEqual(Array.from({ length: ROWS / 500 }, (_, i) => (i + 1) * 500));
    const finishers = [a, b].filter((w) =>
      w.events.some((e) => e.event === "finished" && e.jobId === job.id),
    );
    expect(finishers.map((w) => w.name)).toEqual([...owners]);
  }, 240_000);

  it("two queued jobs and two workers: first in first out, never at the same time", async () => {
    const ROWS = 6000;
    const { url, handle } = await freshDatabase();
    const engine = realClockEngine(handle, ROWS);
    const first = await queueCreateJob(engine, ROWS, "first");
    const second = await queueCreateJob(engine, ROWS, "second");

    // The default batch size (2,000 rows per transaction), as in production.
    const [a, b] = startPair(url, 2000);
    const [exitA, exitB] = await Promise.all([a.exited, b.exited]);
    expect(exitA.code).toBe(0);
    expect(exitB.code).toBe(0);

    const one = await mustGetJob(handle.db, first.id);
    const two = await mustGetJob(handle.db, second.id);
    expect(one).toMatchObject({ status: "succeeded", processed: ROWS, succeeded: ROWS });
    expect(two).toMatchObject({ status: "succeeded", processed: ROWS, succeeded: ROWS });
    expect(await jobCounts(handle.db, first.id, "first")).toEqual(exactly(ROWS));
    expect(await jobCounts(handle.db, second.id, "second")).toEqual(exactly(ROWS));

    // FIFO and one at a time: the second job started after the first had finished.
    const interval = (j: typeof one) =>
      [Date.parse(j.startedAt ?? ""), Date.parse(j.finishedAt ?? "")] as const;
    const [start1, end1] = interval(one);
    const [start2, end2] = interval(two);
    expect(start1).toBeLessThanOrEqual(end1);
    expect(end1).toBeLessThanOrEqual(start2);
    expect(start2).toBeLessThanOrEqual(end2);
    // Each job was run by one worker from start to end.
    for (const id of [first.id, second.id]) {
      expect(
        new Set(
          progressOf(a, b)
            .filter((p) => p.jobId === id)
            .map((p) => p.owner),
        ).size,
      ).toBe(1);
    }

    const seconds = (end2 - start1) / 1000;
    console.info(
      `[bench] two worker processes, two queued jobs of ${ROWS} creates (batches of 2,000): ` +
        `${(2 * ROWS).toLocaleString("en-US")} rows in ${seconds.toFixed(2)} s = ` +
        `${Math.round((2 * ROWS) / seconds).toLocaleString("en-US")} rows/s ` +
        `(job 1 ${((end1 - start1) / 1000).toFixed(2)} s, gap ${((start2 - end1) / 1000).toFixed(2)} s, job 2 ${((end2 - start2) / 1000).toFixed(2)} s)`,
    );
  }, 240_000);
});
