// Running: the queue in this process, and what the executor needs from the engine.
import { OPERATION_DEFINITIONS } from "../../core/operations/index.ts";
import type { Operation } from "../../core/types.ts";
import type { JobRecord } from "../../directory/schema.ts";
import type { Engine } from "../engine.ts";
import type { ExecutorDeps } from "../executor.ts";
import { drainQueue } from "../queue.ts";

export interface RunOptions {
  owner: string;
  onProgress?: (job: JobRecord) => void | Promise<void>;
  onFinished?: (job: JobRecord) => void | Promise<void>;
  shouldStop?: () => boolean;
  batchSize?: number;
}

/** Runs the queue in this process until `jobId` is finished (earlier queued jobs run first: FIFO). */
export async function runUntilFinished(
  engine: Engine,
  jobId: string,
  options: RunOptions,
): Promise<JobRecord[]> {
  return drainQueue(executorDeps(engine), {
    owner: options.owner,
    leaseSeconds: engine.limits.leaseSeconds,
    untilJob: jobId,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onFinished ? { onFinished: options.onFinished } : {}),
    ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
  });
}

export function executorDeps(engine: Engine): ExecutorDeps {
  return {
    db: engine.db,
    sealer: engine.sealer,
    clock: engine.clock,
    ...(engine.logger ? { logger: engine.logger } : {}),
    ...(engine.welcome ? { welcome: engine.welcome } : {}),
  };
}

export function operationTitle(operation: Operation): string {
  return OPERATION_DEFINITIONS[operation].title;
}
