// The worker: runs queued jobs one at a time (FIFO) and resumes interrupted ones, reporting progress and
// the end of each job to a JobReporter (Slack, or nothing). It polls; `stop()` finishes the current batch,
// releases the lease and resolves once the loop has ended (what SIGTERM calls: `stopOnSignals`).
//
// Durability (DESIGN §7): while a job runs its lease is renewed every leaseSeconds / 3 (executor.ts), so a
// long batch never lets another worker in; a worker that dies (SIGKILL, power loss) stops renewing, and
// once its lease expires any other worker resumes the job from its pending rows. Several workers, in one
// process or many, on one PostgreSQL: claims are serialised (queue.ts), so a job runs once, jobs run one
// at a time, first in first out.
import type { JobRecord } from "../directory/schema.ts";
import { drainQueue } from "./queue.ts";
import { type Engine, executorDeps } from "./service.ts";

/**
 * Where progress goes. Both calls must return quickly: they run between batches, and a slow Slack must not
 * hold a job (or its lease). Implementations queue and throttle on their own.
 */
export interface JobReporter {
  onProgress(job: JobRecord): void | Promise<void>;
  onFinished(job: JobRecord): void | Promise<void>;
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
                onProgress: (job) => options.reporter?.onProgress(job),
                onFinished: (job) => options.reporter?.onFinished(job),
              }
            : {}),
        });
        if (options.untilIdle) return;
      } catch (error) {
        engine.logger?.error({ err: error }, "worker loop failed; retrying");
      }
      if (!stopping) await pause(pollMs);
    }
  };
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
