// The job queue: one job at a time per directory, first in first out. Workers claim the head of the queue
// with FOR UPDATE SKIP LOCKED and a lease; a job whose lease expired (its worker crashed) is the head again
// and is resumed from its pending rows. Claims are serialised by a transaction-scoped advisory lock, so two
// workers can never both believe they hold the head.
import { sql } from "drizzle-orm";
import { type Database, queryRows } from "../directory/client.ts";
import { isDatabaseUnavailable } from "../directory/faults.ts";
import type { JobRecord } from "../directory/schema.ts";
import {
  claimJob,
  type ExecuteOptions,
  type ExecutorDeps,
  executeJob,
  failJob,
  LeaseLostError,
} from "./executor.ts";
import { getJob } from "./job-store.ts";

export const CLAIM_LOCK_KEY = 7_265_301_450;

export type ClaimResult =
  | { kind: "claimed"; job: JobRecord }
  /** The head job runs elsewhere under a live lease. */
  | { kind: "busy"; jobId: string }
  | { kind: "idle" };

/**
 * `now` may be the clock itself: it is then read when the head has been found claimable, so a job's start
 * is never dated before the finish of the job ahead of it (a worker can wait here, on the lock or for
 * the head's owner, while that job finishes).
 */
export async function claimNextJob(
  db: Database,
  owner: string,
  leaseSeconds: number,
  now: Date | (() => Date),
): Promise<ClaimResult> {
  const read = () => (typeof now === "function" ? now() : now);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`);
    const nowIso = read().toISOString();
    // The head is found without locking: a running job's row is briefly locked by its owner's batch
    // commit or lease renewal, and SKIP LOCKED over the whole queue would then skip the head and hand out
    // the second job while the first still runs (two jobs at once, out of order). Only the head itself
    // is then locked, skipping it when its owner holds it right now: that is "busy", never "next".
    const [first] = await queryRows<{ id: string }>(
      tx,
      sql`select id from jobs where status in ('queued', 'running') order by queued_at, id limit 1`,
    );
    if (!first) return { kind: "idle" } as const;
    const [head] = await queryRows<{ id: string; status: string; lease_owner: string | null; live: boolean }>(
      tx,
      sql`select id, status, lease_owner,
            (lease_expires_at is not null and lease_expires_at >= ${nowIso}::timestamptz) as live
          from jobs where id = ${first.id} and status in ('queued', 'running')
          for update skip locked`,
    );
    if (!head) return { kind: "busy", jobId: first.id } as const;
    if (head.status === "running" && head.live && head.lease_owner !== owner) {
      return { kind: "busy", jobId: head.id } as const;
    }
    const job = await claimJob(tx as unknown as Database, head.id, owner, leaseSeconds, read());
    return job ? ({ kind: "claimed", job } as const) : ({ kind: "busy", jobId: head.id } as const);
  });
}

/** Sends due welcome messages; a failure is logged and retried on the next drain, never fails a job. */
async function deliverWelcomes(deps: ExecutorDeps, jobId?: string): Promise<void> {
  if (!deps.welcome) return;
  try {
    await deps.welcome.deliverPending(jobId ? { jobId } : {});
  } catch (error) {
    deps.logger?.error({ err: error, jobId }, "welcome delivery failed; it resumes on the next run");
  }
}

export interface DrainOptions extends Omit<ExecuteOptions, "onProgress"> {
  /** Called when this worker takes a job (new or resumed), before its first batch. */
  onStarted?: (job: JobRecord) => void;
  onProgress?: (job: JobRecord) => void | Promise<void>;
  /** Called when a job finishes (or fails), after its last batch. */
  onFinished?: (job: JobRecord) => void | Promise<void>;
  /** Stop once this job is finished (the CLI's `run`), rather than when the queue is empty. */
  untilJob?: string;
  /** How long to wait before asking again while another worker holds the head (ms). */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs queued jobs until the queue is idle (or `untilJob` is done, or shouldStop). Returns the jobs it ran. */
export async function drainQueue(deps: ExecutorDeps, options: DrainOptions): Promise<JobRecord[]> {
  const clock = deps.clock ?? (() => new Date());
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const ran: JobRecord[] = [];
  // Welcome messages left by an earlier run (a crash, or a retry that is now due).
  await deliverWelcomes(deps);
  for (;;) {
    if (options.shouldStop?.()) return ran;
    if (options.untilJob && ran.some((j) => j.id === options.untilJob && j.status !== "running")) return ran;
    const claim = await claimNextJob(deps.db, options.owner, options.leaseSeconds, clock);
    if (claim.kind === "idle") {
      if (!options.untilJob) return ran;
      const [target] = await queryRows<{ status: string }>(
        deps.db,
        sql`select status from jobs where id = ${options.untilJob}`,
      );
      if (!target || (target.status !== "queued" && target.status !== "running")) return ran;
      await sleep(options.pollMs ?? 500);
      continue;
    }
    if (claim.kind === "busy") {
      await sleep(options.pollMs ?? 500);
      continue;
    }
    try {
      options.onStarted?.(claim.job);
    } catch (error) {
      deps.logger?.warn({ err: error, jobId: claim.job.id }, "job start callback failed");
    }
    try {
      const finished = await executeJob(deps, claim.job, options);
      ran.push(finished);
      if (finished.status !== "running") {
        // Before the report, so the results CSV already says where each welcome went.
        await deliverWelcomes(deps, finished.id);
        await options.onFinished?.(finished);
      }
    } catch (error) {
      if (error instanceof LeaseLostError) {
        deps.logger?.warn({ jobId: claim.job.id }, error.message);
        continue;
      }
      // The database went away mid-job: not the job's fault. The uncommitted batch rolled back; the caller
      // waits for the database and this owner takes the job up again from its pending rows.
      if (isDatabaseUnavailable(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      deps.logger?.error({ err: error, jobId: claim.job.id }, "job failed");
      await failJob(deps.db, claim.job.id, options.owner, message, clock());
      const failed = (await getJob(deps.db, claim.job.id)) ?? {
        ...claim.job,
        status: "failed",
        error: message,
      };
      ran.push(failed);
      await options.onFinished?.(failed);
    }
  }
}
