// The worker: runs queued jobs one at a time (FIFO) and resumes interrupted ones, reporting progress and
// the end of each job to a JobReporter (Slack, or nothing). It polls; `stop()` finishes the current batch,
// releases the lease and resolves once the loop has ended (what SIGTERM calls).
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
  owner: string;
  reporter?: JobReporter;
  /** Pause between polls of an idle queue (ms). */
  pollMs?: number;
  batchSize?: number;
}

export interface Worker {
  /** Resolves when the loop has stopped (after the current batch). */
  stop(): Promise<void>;
  /** Asks the worker to look at the queue now (e.g. right after a job was confirmed). */
  wake(): void;
  readonly done: Promise<void>;
}

export function startWorker(engine: Engine, options: WorkerOptions): Worker {
  let stopping = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
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
          ...(options.reporter
            ? {
                onProgress: (job) => options.reporter?.onProgress(job),
                onFinished: (job) => options.reporter?.onFinished(job),
              }
            : {}),
        });
      } catch (error) {
        engine.logger?.error({ err: error }, "worker loop failed; retrying");
      }
      if (!stopping) await pause(pollMs);
    }
  };
  const done = loop();
  return {
    done,
    wake: () => wake?.(),
    async stop() {
      stopping = true;
      wake?.();
      await done;
    },
  };
}
