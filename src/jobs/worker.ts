// The worker: runs queued jobs one at a time (FIFO) and resumes interrupted ones, reporting progress and
// the end of each job to a JobReporter (Slack, or nothing). It polls; `stop()` finishes the current batch,
// releases the lease and resolves once the loop has ended (what SIGTERM calls: `stopOnSignals`).
//
// Durability (DESIGN §7): while a job runs its lease is renewed every leaseSeconds / 3 (executor.ts), so a
// long batch never lets another worker in; a worker that dies (SIGKILL, power loss) stops renewing, and
// once its lease expires any other worker resumes the job from its pending rows. Several workers, in one
// process or many, on one PostgreSQL: claims are serialised (queue.ts), so a job runs once, jobs run one
// at a time, first in first out.

import { isDatabaseUnavailable } from "../directory/faults.ts";
import type { JobRecord } from "../directory/schema.ts";
import { drainQueue } from "./queue.ts";
import { type Engine, executorDeps } from "./service.ts";

/**
 * Where progress goes. Both calls must return quickly: they run between batches, and a slow Slack must not
 * hold a job (or its lease). Implementations queue and throttle on their own.
 */
export interface JobReporter {
  /** This worker took the job (new, or resumed from its pending rows). */
  onStarted?(job: JobRecord): void;
  onProgress(job: JobRecord): void | Promise<void>;
  onFinished(job: JobRecord): void | Promise<void>;
}

/** One reporter that calls each of `reporters` in turn; one failing never keeps the others from hearing. */
export function combineReporters(reporters: JobReporter[], logger?: Engine["logger"]): JobReporter {
  const each = async (call: (reporter: JobReporter) => void | Promise<void>) => {
    for (const reporter of reporters) {
      try {
        await call(reporter);
      } catch (error) {
        logger?.warn({ err: error }, "job reporter failed");
      }
    }
  };
  return {
    onStarted: (job) => void each((reporter) => reporter.onStarted?.(job)),
    onProgress: (job) => each((reporter) => reporter.onProgress(job)),
    onFinished: (job) => each((reporter) => reporter.onFinished(job)),
  };
}

export interface WorkerOptions {
  /** Recorded as the lease owner of the job it runs: make it unique per process (e.g. `worker:<host>:<pid>`). */
  owner: string;
  reporter?: JobReporter;
  /** Pause between polls of an idle queue, and while another worker holds the head (ms; default 1,000). */
  pollMs?: number;
  batchSize?: number;
  /** Lease renewal period while a job runs (ms; default a third of the lease). */
  renewEveryMs?: number;
  /** End the loop once the queue is empty (CLI `worker --until-idle`); default: run until stopped. */
  untilIdle?: boolean;
  /** Longest pause between attempts while the database is away (ms; default 5,000). */
  maxBackoffMs?: number;
}

export interface Worker {
  readonly owner: string;
  /** Resolves when the loop has stopped (after the current batch; its lease released). */
  stop(): Promise<void>;
  /** Asks the worker to look at the queue now (e.g. right after a job was confirmed). */
  wake(): void;
  /** True once stop() was called. */
  readonly stopping: boolean;
  /** Resolves when the loop has ended (stopped, or idle with `untilIdle`). Never rejects. */
  readonly done: Promise<void>;
}

export function startWorker(engine: Engine, options: WorkerOptions): Worker {
  let stopping = false;
  let woken = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping || woken) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  const poke = () => {
    if (wake) wake();
    else woken = true;
  };
  const pollMs = options.pollMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;
  // While the database is away, say so once (and once when it is back), retrying with a growing pause.
  let unavailableSince: number | undefined;
  let failures = 0;
  const loop = async () => {
    while (!stopping) {
      try {
        await drainQueue(executorDeps(engine), {
          owner: options.owner,
          leaseSeconds: engine.limits.leaseSeconds,
          shouldStop: () => stopping,
          sleep: pause,
          pollMs,
          ...(options.batchSize ? { batchSize: options.batchSize } : {}),
          ...(options.renewEveryMs ? { renewEveryMs: options.renewEveryMs } : {}),
          ...(options.reporter
            ? {
                onStarted: (job) => options.reporter?.onStarted?.(job),
                onProgress: (job) => {
                  recovered();
                  return options.reporter?.onProgress(job);
                },
                onFinished: (job) => options.reporter?.onFinished(job),
              }
            : { onProgress: () => recovered() }),
        });
        recovered();
        if (options.untilIdle) return;
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          failures += 1;
          if (unavailableSince === undefined) {
            unavailableSince = Date.now();
            engine.logger?.warn(
              { err: error, component: "database" },
              "database unavailable: the worker waits and resumes where it stopped",
            );
          }
          if (!stopping) await pause(Math.min(maxBackoffMs, pollMs * 2 ** Math.min(failures - 1, 8)));
          continue;
        }
        engine.logger?.error({ err: error }, "worker loop failed; retrying");
      }
      if (!stopping) await pause(pollMs);
    }
  };
  function recovered() {
    failures = 0;
    if (unavailableSince === undefined) return;
    engine.logger?.info(
      { component: "database", downForMs: Date.now() - unavailableSince },
      "database reachable again: the worker resumed",
    );
    unavailableSince = undefined;
  }
  const done = loop();
  return {
    owner: options.owner,
    done,
    wake: poke,
    get stopping() {
      return stopping;
    },
    async stop() {
      stopping = true;
      poke();
      await done;
    },
  };
}

/**
 * SIGTERM semantics (DESIGN §7): on the first signal, stop taking work, finish the current batch and
 * release the lease (`worker.stop()`), then call `onStopped` (e.g. close the database and exit 0).
 * Returns a function that removes the handlers.
 */
export function stopOnSignals(
  worker: Worker,
  onStopped: (signal: NodeJS.Signals) => void | Promise<void> = () => {},
  signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"],
): () => void {
  const handler = (signal: NodeJS.Signals) => {
    for (const s of signals) process.off(s, handler);
    void worker.stop().then(() => onStopped(signal));
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
