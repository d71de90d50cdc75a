// Worker processes for the durability tests: spawn test/support/worker-child.ts (or the real CLI), read
// its JSON event lines, wait for events and for its exit; plus the job and count helpers those tests share.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Operation } from "../../src/core/types.ts";
import { type Database, queryRows } from "../../src/directory/client.ts";
import type { JobRecord } from "../../src/directory/schema.ts";
import { getJob } from "../../src/jobs/job-store.ts";
import type { StoredPlan } from "../../src/jobs/plan-store.ts";
import { confirm, type Engine, planFile } from "../../src/jobs/service.ts";

export const ROOT = join(import.meta.dirname, "..", "..");

export interface ChildEvent {
  event: "ready" | "progress" | "finished" | "stopped";
  at: number;
  jobId?: string;
  status?: string;
  processed?: number;
  total?: number;
  owner?: string;
  signal?: string | null;
}

export interface ChildWorker {
  readonly proc: ChildProcess;
  readonly name: string;
  readonly events: ChildEvent[];
  stdout(): string;
  stderr(): string;
  /** The first event (already seen or still to come) matching `match`. */
  waitFor(match: (e: ChildEvent) => boolean, timeoutMs?: number): Promise<ChildEvent>;
  /** Resolves with the exit code and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function watch(name: string, proc: ChildProcess): ChildWorker {
  const events: ChildEvent[] = [];
  const waiters: Array<{ match: (e: ChildEvent) => boolean; resolve: (e: ChildEvent) => void }> = [];
  let out = "";
  let err = "";
  let pending = "";
  proc.stdout?.setEncoding("utf8");
  proc.stderr?.setEncoding("utf8");
  proc.stdout?.on("data", (chunk: string) => {
    out += chunk;
    pending += chunk;
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      nl = pending.indexOf("\n");
      if (!line.startsWith("{")) continue;
      let event: ChildEvent;
      try {
        event = JSON.parse(line) as ChildEvent;
      } catch {
        continue;
      }
      if (!event.event) continue;
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.match(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    }
  });
  proc.stderr?.on("data", (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return {
    proc,
    name,
    events,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(match, timeoutMs = 60_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`${name}: no matching event within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`),
          );
        }, timeoutMs);
        const waiter = {
          match,
          resolve: (e: ChildEvent) => {
            clearTimeout(timer);
            resolve(e);
          },
        };
        waiters.push(waiter);
        void exited.then(({ code, signal }) => {
          if (!waiters.includes(waiter)) return;
          waiters.splice(waiters.indexOf(waiter), 1);
          clearTimeout(timer);
          reject(
            new Error(
              `${name} exited (${code ?? signal}) before the event\nstdout:\n${out}\nstderr:\n${err}`,
            ),
          );
        });
      });
    },
  };
}

export interface WorkerChildOptions {
  owner: string;
  lease?: number;
  batch?: number;
  pollMs?: number;
  renewMs?: number;
  untilIdle?: boolean;
}

/** Starts `test/support/worker-child.ts` on `url`. */
export function spawnWorkerChild(url: string, options: WorkerChildOptions): ChildWorker {
  const args = ["--import", "tsx", join(ROOT, "test/support/worker-child.ts"), url, "--owner", options.owner];
  if (options.lease !== undefined) args.push("--lease", String(options.lease));
  if (options.batch !== undefined) args.push("--batch", String(options.batch));
  if (options.pollMs !== undefined) args.push("--poll", String(options.pollMs));
  if (options.renewMs !== undefined) args.push("--renew-ms", String(options.renewMs));
  if (options.untilIdle) args.push("--until-idle");
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: process.env,
  });
  return watch(options.owner, proc);
}

/** Starts the real command line: `node --import tsx src/cli.ts <args…>`. */
export function spawnCli(name: string, args: string[], env: Record<string, string> = {}): ChildWorker {
  const proc = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli.ts"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LOG_LEVEL: "info", ...env },
  });
  return watch(name, proc);
}

/** Polls `probe` until it returns a value that is not undefined (generous timeouts; no timing asserted). */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 25, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A create file of `n` new hires. */
export function hiresCsv(n: number, prefix = "hire"): Uint8Array {
  const lines = ["UserPrincipalName,DisplayName,Department"];
  for (let i = 0; i < n; i++) lines.push(`${prefix}${i}@example.com,Hire ${i},Sales`);
  return new TextEncoder().encode(`${lines.join("\n")}\n`);
}

/** Plans a file and confirms it as a job (rows with errors reported, not run): queued, nothing run yet. */
export async function confirmedJob(
  engine: Engine,
  operation: Operation,
  bytes: Uint8Array,
): Promise<{ job: JobRecord; plan: StoredPlan }> {
  const planned = await planFile(engine, { operation, bytes, source: "cli", actor: "cli:test" });
  if (!planned.ok) throw new Error(planned.refusal.message);
  const { job } = await confirm(engine, {
    planId: planned.stored.id,
    approvedBy: "cli:test",
    source: "cli",
    allowPartial: true,
  });
  return { job, plan: planned.stored };
}

/** Plans and confirms a create job of `n` rows (queued, nothing run). */
export async function queueCreateJob(engine: Engine, n: number, prefix = "hire"): Promise<JobRecord> {
  return (await confirmedJob(engine, "create", hiresCsv(n, prefix))).job;
}

export interface ExactCounts {
  users: number;
  succeededItems: number;
  /** Change rows still to run: no item yet (items are written as batches commit), or a legacy pending one. */
  pendingItems: number;
  processedItems: number;
  audit: number;
  auditTargets: number;
  credentials: number;
}

/** What "every row exactly once" is checked against: directory, job items, audit and credentials. */
export async function jobCounts(db: Database, jobId: string, prefix = "hire"): Promise<ExactCounts> {
  const [row] = await queryRows<ExactCounts>(
    db,
    sql`select
      (select count(*)::int from users where email like ${`${prefix}%`}) as "users",
      (select count(*)::int from job_items where job_id = ${jobId} and status = 'succeeded') as "succeededItems",
      (select count(*)::int from jobs j join plan_rows p on p.plan_id = j.plan_id
        where j.id = ${jobId} and p.outcome = 'change' and not exists (select 1 from job_items i
          where i.job_id = j.id and i.row = p.row and i.status <> 'pending')) as "pendingItems",
      (select count(*)::int from job_items where job_id = ${jobId} and processed_at is not null) as "processedItems",
      (select count(*)::int from audit_log where job_id = ${jobId} and action = 'user.create') as "audit",
      (select count(distinct target)::int from audit_log where job_id = ${jobId} and action = 'user.create') as "auditTargets",
      (select coalesce(sum(count), 0)::int from job_credentials where job_id = ${jobId}) as "credentials"`,
  );
  if (!row) throw new Error("no counts");
  return row;
}

export function exactly(n: number): ExactCounts {
  return {
    users: n,
    succeededItems: n,
    pendingItems: 0,
    processedItems: n,
    audit: n,
    auditTargets: n,
    credentials: n,
  };
}

export async function mustGetJob(db: Database, id: string): Promise<JobRecord> {
  const job = await getJob(db, id);
  if (!job) throw new Error(`job ${id} not found`);
  return job;
}

/** Kills a child if it is still running (test clean-up). */
export function killQuietly(worker: ChildWorker | undefined): void {
  if (worker && worker.proc.exitCode === null && worker.proc.signalCode === null) worker.proc.kill("SIGKILL");
}
