// Runs a claimed job in batches. Each batch commits, in ONE transaction, the directory changes, its rows'
// job items (outcome, before/after for undo), the audit rows, the sealed temporary passwords and the job's
// counters — guarded by the lease, so a crash or a lost lease never loses or repeats a row: the next owner
// simply continues with the plan's change rows that have no item yet.
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { expandAction, expandChanges } from "../core/stored-row.ts";
import { type Database, queryRows } from "../directory/client.ts";
import { type JobRecord, jobCredentials, jobs, plans } from "../directory/schema.ts";
import { applyBatch, type ItemOutcome, type WorkItem } from "./apply.ts";
import { type ItemPlace, writeItems } from "./item-writes.ts";
import { getJob } from "./job-store.ts";
import { loadPlan, openSecrets } from "./plan-store.ts";
import { generatePassword, hashChosenPassword, hashGeneratedPassword, type Sealer } from "./secrets.ts";
import { recordWelcomes, type WelcomeDelivery } from "./welcome-delivery.ts";

export interface ExecutorDeps {
  db: Database;
  sealer: Sealer;
  logger?: Logger;
  clock?: () => Date;
  /** Sends the welcome messages a finished job recorded (when mail is configured). */
  welcome?: WelcomeDelivery;
}

export interface ExecuteOptions {
  owner: string;
  leaseSeconds: number;
  /** Rows per transaction (default 5,000; batches with chosen passwords are smaller: scrypt is slow). */
  batchSize?: number;
  /** Called after every committed batch with the job's new counters. Never inside a transaction. */
  onProgress?: (job: JobRecord) => void | Promise<void>;
  /** Polled between batches: true stops after the current batch and releases the lease (SIGTERM). */
  shouldStop?: () => boolean;
  /**
   * How often the lease is renewed while the job runs (ms; default a third of the lease), so a batch or a
   * slow step (scrypt, a slow database) that takes longer than the lease never lets another worker in.
   */
  renewEveryMs?: number;
}

export class LeaseLostError extends Error {
  readonly code = "job.lease_lost";
  constructor(jobId: string) {
    super(`Job ${jobId}: the lease was lost to another worker; stopping without committing the batch.`);
  }
}

const CHOSEN_PASSWORD_BATCH = 64;
/**
 * Rows per batch transaction. Each batch pays a fixed price (reading its items, half a dozen statements,
 * a commit) on top of its rows: 2,000 → 5,000 took a 50,000-row create from 11.2 s to 9.9 s and an update
 * from 10.3 s to 8.6 s; 10,000 gained nothing more (bench figures in docs/performance.md). A batch of
 * 5,000 still commits in well under a second, so a stop (SIGTERM) still finishes promptly.
 */
const DEFAULT_BATCH = 5_000;

/** Claims one specific job if it is queued, or running with an expired lease (resume). */
export async function claimJob(
  db: Database,
  jobId: string,
  owner: string,
  leaseSeconds: number,
  now: Date,
): Promise<JobRecord | null> {
  const nowIso = now.toISOString();
  const [job] = await db
    .update(jobs)
    .set({
      status: "running",
      leaseOwner: owner,
      leaseExpiresAt: new Date(now.getTime() + leaseSeconds * 1000).toISOString(),
      startedAt: sql`coalesce(${jobs.startedAt}, ${nowIso}::timestamptz)`,
    })
    .where(
      and(
        eq(jobs.id, jobId),
        sql`(${jobs.status} = 'queued' or (${jobs.status} = 'running' and (${jobs.leaseExpiresAt} is null or ${jobs.leaseExpiresAt} < ${nowIso}::timestamptz or ${jobs.leaseOwner} = ${owner})))`,
      ),
    )
    .returning();
  return job ?? null;
}

/**
 * The rows of a job still to run among the next `limit` positions of its execution order after `after`
 * (seq): the plan's change rows there without an item (a row's item is written by the batch that runs it),
 * in order. Each read is bounded by its range of positions (seqs are 0, 1, 2, … in a plan), so it costs
 * O(batch) whatever remains and whatever the database estimates: a "next N by seq" read with the not-yet-run
 * filter let it — guessing the filter kept few rows — read and sort every remaining row for each batch.
 * Each row's item is looked up by its key (job_id, row) with a correlated subquery: one index probe a row
 * (as a NOT EXISTS it was planned as a join to every item of the job). An item still 'pending' is the mark
 * of a job confirmed before items were written at commit: such a row still runs. Exported for its test.
 */
export function pendingItemsQuery(job: Pick<JobRecord, "id" | "planId">, after: number, limit: number): SQL {
  // A row's changes are read only when its action takes its values from them (compactRow's
  // setFromChanges: creates, updates); a status change's are not needed to run it.
  return sql`select p.row, p.line, p.seq, p.key, p.action,
      case when p.action ? 'setFromChanges' then p.changes end as changes from plan_rows p
    where p.plan_id = ${job.planId} and p.seq > ${after} and p.seq <= ${after + limit}
      and coalesce((select j.status from job_items j where j.job_id = ${job.id} and j.row = p.row),
        'pending') = 'pending'
    order by p.seq`;
}

/** The last position of a plan's execution order (-1 when nothing runs). */
async function lastSeqOf(db: Database, planId: string): Promise<number> {
  const [row] = await queryRows<{ last: number }>(
    db,
    sql`select coalesce(max(seq), -1) as last from plan_rows where plan_id = ${planId} and seq is not null`,
  );
  return Number(row?.last ?? -1);
}

interface PendingItem {
  row: number;
  line: number;
  seq: number;
  key: string;
  /** The stored (compact) action and changes: see core/stored-row.ts. */
  action: unknown;
  changes: unknown;
}

/** Executes a job this owner has claimed until no row is left to run, the lease is lost, or it is told to stop. */
export async function executeJob(
  deps: ExecutorDeps,
  claimed: JobRecord,
  options: ExecuteOptions,
): Promise<JobRecord> {
  const { db, sealer } = deps;
  const clock = deps.clock ?? (() => new Date());
  const stored = await loadPlan(db, claimed.planId, { rows: false, file: false });
  if (!stored) throw new Error(`Plan ${claimed.planId} of job ${claimed.id} is missing`);
  const secrets = openSecrets(sealer, stored.sealedSecrets);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const hasChosenPasswords = secrets.size > 0;
  // Who asked, beyond the actor (e.g. the API client's IP): copied into every audit row of the job.
  const auditExtra = auditDetailsOf(stored.context);
  const lastSeq = await lastSeqOf(db, claimed.planId);
  // The plan asked for welcome messages (create, or reset-password when asked): see welcome-delivery.ts.
  const welcome = stored.options.welcome === true;
  const heartbeat = startLeaseHeartbeat(deps, claimed.id, options, clock);
  try {
    return await runBatches(deps, claimed, options, {
      secrets,
      batchSize,
      hasChosenPasswords,
      auditExtra,
      heartbeat,
      welcome,
      lastSeq,
    });
  } finally {
    await heartbeat.stop();
  }
}

interface BatchContext {
  secrets: Map<number, string>;
  batchSize: number;
  hasChosenPasswords: boolean;
  auditExtra: string;
  heartbeat: LeaseHeartbeat;
  welcome: boolean;
  /** The plan's last execution position: reading stops there. */
  lastSeq: number;
}

async function runBatches(
  deps: ExecutorDeps,
  claimed: JobRecord,
  options: ExecuteOptions,
  { secrets, batchSize, hasChosenPasswords, auditExtra, heartbeat, welcome, lastSeq }: BatchContext,
): Promise<JobRecord> {
  const { db } = deps;
  const clock = deps.clock ?? (() => new Date());
  let job = claimed;
  const limit = hasChosenPasswords ? Math.min(batchSize, CHOSEN_PASSWORD_BATCH) : batchSize;

  // Reads the next rows to run after position `after` (in execution order) and prepares them (passwords):
  // a range of `limit` positions at a time, moving on while a range has nothing left to run (a resumed
  // job's first ranges). While a batch's transaction runs, the next batch is read and prepared alongside
  // it: it only reads rows the running batch does not touch, and writes nothing, so the database and this
  // process work at the same time. Whatever it read is re-checked inside its own transaction (not yet
  // run, lease).
  const prepare = async (after: number): Promise<PreparedBatch | null> => {
    let end = after;
    let pending: PendingItem[] = [];
    while (pending.length === 0 && end < lastSeq) {
      pending = await queryRows<PendingItem>(db, pendingItemsQuery(job, end, limit));
      end += limit;
    }
    if (pending.length === 0) return null;
    const credentials: { row: number; email: string; password: string }[] = [];
    // Every password the batch sets, generated or chosen, for the welcome messages (when asked).
    const passwords = new Map<number, string>();
    const items: WorkItem[] = await Promise.all(
      pending.map(async ({ row, key, action: raw, changes }): Promise<WorkItem> => {
        const action = expandAction(job.operation, key, raw, () => expandChanges(changes));
        if (!action) throw new Error(`Job ${job.id}: row ${row} has no planned action`);
        if (action.suppliedPassword && secrets.has(row)) {
          if (welcome) passwords.set(row, secrets.get(row)!);
          return { row, action, passwordHash: await hashChosenPassword(secrets.get(row)!) };
        }
        if (action.generatePassword) {
          const password = generatePassword();
          credentials.push({ row, email: action.email, password });
          if (welcome) passwords.set(row, password);
          return { row, action, passwordHash: hashGeneratedPassword(password) };
        }
        return { row, action };
      }),
    );
    const emails = new Map(items.map((item) => [item.row, item.action.email]));
    // Items are in the order of `pending` (Promise.all keeps it).
    const places = new Map(
      items.map((item, i) => {
        const { line, seq, key } = pending[i]!;
        return [item.row, { line, seq: Number(seq), key, kind: item.action.kind }];
      }),
    );
    return { items, credentials, passwords, emails, places, last: end };
  };
  // The batch being prepared; settled (never left running) whenever this function returns or throws.
  let next: Promise<PreparedBatch | null> = prepare(-1);
  let rescanned = false;
  const settleNext = () =>
    next.then(
      () => undefined,
      () => undefined,
    );
  try {
    for (;;) {
      // Let the event loop breathe between batches: PGlite answers without real I/O, so without this a
      // whole job would run in one macrotask, starving signals (SIGTERM), the lease timer and HTTP requests.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (heartbeat.lost) {
        deps.logger?.warn({ jobId: job.id, owner: options.owner }, "lease renewal found another owner");
        throw new LeaseLostError(job.id);
      }
      if (options.shouldStop?.()) {
        await settleNext();
        await heartbeat.stop();
        await releaseLease(db, job.id, options.owner);
        return (await getJob(db, job.id)) ?? job;
      }
      const batch = await next;
      if (!batch) {
        // The ranges cover every position once, so this is a safety net: unless the counters (committed
        // with the items) say every row has its outcome, one last pass from the start picks up any row
        // still without one.
        if (!rescanned && job.processed < job.total) {
          rescanned = true;
          next = prepare(-1);
          continue;
        }
        break;
      }
      rescanned = false;
      next = prepare(batch.last);
      // Awaited at the next turn (or settled on the way out): never an unhandled rejection meanwhile.
      next.catch(() => undefined);
      job = await commitBatch(deps, job, options, batch, auditExtra, clock);
      deps.logger?.debug({ jobId: job.id, processed: job.processed, total: job.total }, "batch committed");
      await safely(deps, () => options.onProgress?.(job));
    }
  } finally {
    await settleNext();
  }

  await heartbeat.stop();
  const [finished] = await db
    .update(jobs)
    .set({
      status: job.failed > 0 ? "completed_with_errors" : "succeeded",
      finishedAt: clock().toISOString(),
      leaseOwner: null,
      leaseExpiresAt: null,
    })
    .where(and(eq(jobs.id, job.id), eq(jobs.leaseOwner, options.owner)))
    .returning();
  if (!finished) throw new LeaseLostError(job.id);
  // Chosen passwords are no longer needed once every row ran.
  await db.update(plans).set({ secrets: null }).where(eq(plans.id, job.planId));
  await safely(deps, () => options.onProgress?.(finished));
  return finished;
}

interface PreparedBatch {
  items: WorkItem[];
  credentials: { row: number; email: string; password: string }[];
  /** Passwords for welcome messages by row (empty unless the plan asked for them). */
  passwords: Map<number, string>;
  emails: Map<number, string>;
  /** Each row's place in the file and the plan, and its action's kind: what its job item records. */
  places: Map<number, ItemPlace>;
  /** The end of the range of positions read (seq): the next batch starts after it. */
  last: number;
}

/** Commits one prepared batch in one transaction, guarded by the lease; returns the job's new counters. */
async function commitBatch(
  deps: ExecutorDeps,
  job: JobRecord,
  options: ExecuteOptions,
  { items, credentials, passwords, emails, places }: PreparedBatch,
  auditExtra: string,
  clock: () => Date,
): Promise<JobRecord> {
  const { db, sealer } = deps;
  const now = clock();
  const nowIso = now.toISOString();
  return db.transaction(async (tx) => {
    const outcomes = await applyBatch(tx, items, nowIso);
    const counts = countOutcomes(outcomes);
    const written = await writeItems(tx, job, outcomes, places, auditExtra, nowIso);
    // A row that already has its outcome was run by someone else (only possible once this owner's lease
    // was lost): nothing of this batch may commit.
    if (written !== outcomes.length) throw new LeaseLostError(job.id);
    const succeededRows = new Set(outcomes.filter((o) => o.status === "succeeded").map((o) => o.row));
    const delivered = credentials.filter((c) => succeededRows.has(c.row));
    if (delivered.length) {
      await tx.insert(jobCredentials).values({
        jobId: job.id,
        firstRow: delivered[0]!.row,
        count: delivered.length,
        sealed: sealer.seal(JSON.stringify(delivered)),
      });
    }
    if (passwords.size) {
      await recordWelcomes(
        tx,
        sealer,
        job.id,
        outcomes.flatMap((o) =>
          o.status === "succeeded" && o.userId && passwords.has(o.row)
            ? [{ row: o.row, userId: o.userId, email: emails.get(o.row)!, password: passwords.get(o.row)! }]
            : [],
        ),
        nowIso,
      );
    }
    const [next] = await tx
      .update(jobs)
      .set({
        processed: sql`${jobs.processed} + ${outcomes.length}`,
        succeeded: sql`${jobs.succeeded} + ${counts.succeeded}`,
        failed: sql`${jobs.failed} + ${counts.failed}`,
        skipped: sql`${jobs.skipped} + ${counts.skipped}`,
        leaseExpiresAt: new Date(now.getTime() + options.leaseSeconds * 1000).toISOString(),
      })
      .where(and(eq(jobs.id, job.id), eq(jobs.leaseOwner, options.owner)))
      .returning();
    if (!next) throw new LeaseLostError(job.id);
    return next;
  });
}

export interface LeaseHeartbeat {
  /** True once a renewal found the lease held by someone else (or the job no longer running). */
  readonly lost: boolean;
  /** Stops renewing; resolves once a renewal in flight has finished. */
  stop(): Promise<void>;
}

/**
 * Renews the lease every `renewEveryMs` (default leaseSeconds / 3) for as long as the job runs, whatever
 * the executor is doing (a long batch, hashing chosen passwords, a slow database). Only the owner's lease
 * is extended; a renewal that finds another owner marks the lease lost, and the executor stops before
 * its next batch (the batch's own guarded update would refuse to commit anyway).
 */
export function startLeaseHeartbeat(
  deps: Pick<ExecutorDeps, "db" | "logger">,
  jobId: string,
  options: Pick<ExecuteOptions, "owner" | "leaseSeconds" | "renewEveryMs">,
  clock: () => Date,
): LeaseHeartbeat {
  let lost = false;
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  const renew = async () => {
    try {
      const renewed = await renewLease(deps.db, jobId, options.owner, options.leaseSeconds, clock());
      if (!renewed && !stopped) lost = true;
    } catch (error) {
      // A failed renewal is not a lost lease: the next tick (or the batch commit) tries again.
      deps.logger?.warn({ err: error, jobId }, "lease renewal failed");
    }
  };
  const every = Math.max(50, options.renewEveryMs ?? (options.leaseSeconds * 1000) / 3);
  const timer = setInterval(() => {
    if (inFlight || stopped) return;
    inFlight = renew().finally(() => {
      inFlight = undefined;
    });
  }, every);
  timer.unref?.();
  return {
    get lost() {
      return lost;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}

/** Extends the lease of a running job, for its owner only. False when the owner no longer holds it. */
export async function renewLease(
  db: Database,
  jobId: string,
  owner: string,
  leaseSeconds: number,
  now: Date,
): Promise<boolean> {
  const renewed = await db
    .update(jobs)
    .set({ leaseExpiresAt: new Date(now.getTime() + leaseSeconds * 1000).toISOString() })
    .where(and(eq(jobs.id, jobId), eq(jobs.leaseOwner, owner), eq(jobs.status, "running")))
    .returning({ id: jobs.id });
  return renewed.length > 0;
}

/** The plan context's audit extras as a JSON object text (only `ip` today): `{}` when none. */
function auditDetailsOf(context: Record<string, unknown>): string {
  const extra: Record<string, unknown> = {};
  if (typeof context.ip === "string" && context.ip) extra.ip = context.ip;
  return JSON.stringify(extra);
}

/** Lets another worker (or this one after a restart) take the job over at once. */
export async function releaseLease(db: Database, jobId: string, owner: string): Promise<void> {
  await db
    .update(jobs)
    .set({ leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(jobs.id, jobId), eq(jobs.leaseOwner, owner)));
}

/** Marks a job failed after an unexpected error; rows not run yet are reported as not run. */
export async function failJob(
  db: Database,
  jobId: string,
  owner: string,
  error: string,
  now: Date,
): Promise<void> {
  await db
    .update(jobs)
    .set({ status: "failed", error, finishedAt: now.toISOString(), leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(jobs.id, jobId), eq(jobs.leaseOwner, owner)));
}

function countOutcomes(outcomes: ItemOutcome[]) {
  const counts = { succeeded: 0, failed: 0, skipped: 0 };
  for (const o of outcomes) counts[o.status] += 1;
  return counts;
}

/** Progress reporting must never fail or repeat the job: errors are logged and dropped. */
async function safely(deps: ExecutorDeps, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (error) {
    deps.logger?.warn({ err: error }, "progress callback failed");
  }
}
