// The dated-operations ticker: every `everyMs` (default 30 s) each instance looks for scheduled batches whose
// time has come and starts them (service.runDueScheduledWork: one instance wins each batch through the run
// coordinator, its rows run once). A batch due while every instance was down starts at the next tick after a
// restart: the schedule lives in the database, not in timers.
import type { Logger } from "pino";
import type { JobRecord } from "../directory/schema.ts";
import { type Engine, runDueScheduledWork } from "../jobs/service.ts";

export interface DatedRunner {
  /** One tick now (tests drive it with an injected clock). */
  tick(): Promise<JobRecord[]>;
  stop(): Promise<void>;
}

export function startDatedRunner(options: {
  engine: Engine;
  instance: string;
  logger?: Logger;
  /** Told when jobs were made (wake the worker). */
  onJobs?: (jobs: JobRecord[]) => void;
  everyMs?: number;
  /** Create the interval timer (default true); tests call tick(). */
  timers?: boolean;
}): DatedRunner {
  let running: Promise<JobRecord[]> | null = null;
  let stopped = false;
  const tick = async (): Promise<JobRecord[]> => {
    if (stopped) return [];
    if (running) return running; // one tick at a time in this instance
    running = runDueScheduledWork(options.engine, { instance: options.instance })
      .then((jobs) => {
        if (jobs.length) options.onJobs?.(jobs);
        return jobs;
      })
      .catch((error: unknown) => {
        options.logger?.error({ err: error }, "scheduled rows: tick failed");
        return [];
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = options.timers === false ? null : setInterval(() => void tick(), options.everyMs ?? 30_000);
  timer?.unref?.();
  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
