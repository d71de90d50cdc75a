// node-cron wiring. Every enabled policy gets a node-cron task in its own time zone, plus the daily purge;
// when a task fires, the instance first claims the slot in `cron_runs` (see coordinator.ts): only the
// instance whose claim succeeded runs it, so several instances sharing one PostgreSQL fire each slot once.
// `reload()` re-reads the policies (the Slack listeners call it after an edit; every instance also reloads
// on its own every minute, and a firing re-reads its policy, so a paused or deleted policy never runs).
import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "pino";
import type { Source } from "../jobs/plan-store.ts";
import type { Engine } from "../jobs/service.ts";
import { claimSlot, finishSlot, slotOf } from "./coordinator.ts";
import { type InactivityNotifier, type PolicyRunResult, runPolicy } from "./policy.ts";
import { type PurgeResult, purgeDeletedUsers } from "./purge.ts";
import { getSchedule, listSchedules } from "./schedules.ts";

/** Where run results go (the Slack implementation posts the report with its CSV and buttons). */
export interface ScheduleReporter {
  /** Must not throw for a Slack failure (log it); `channel` overrides the schedule's report channel. */
  report(run: PolicyRunResult, options?: { channel?: string }): Promise<void>;
  /** The daily purge, when it purged someone. */
  reportPurge?(result: PurgeResult & { slot: string }): Promise<void>;
}

/** The coordinator key of the daily purge in `cron_runs.schedule_id`. */
export const PURGE_SCHEDULE_ID = "purge";
export const DEFAULT_PURGE = { cron: "30 3 * * *", timezone: "UTC" } as const;

export interface StartSchedulerOptions {
  engine: Engine;
  /** This process, e.g. `${hostname}:${pid}`: recorded in cron_runs and used as the job lease owner. */
  instance: string;
  logger?: Logger;
  reporter?: ScheduleReporter;
  notifier?: InactivityNotifier;
  /** Defaults to engine.clock. */
  clock?: () => Date;
  /** The daily purge of soft-deleted users (default 03:30 UTC); false turns it off. */
  purge?: { cron: string; timezone: string } | false;
  /** Re-read the policies this often (ms; default 60 000; 0 = only on reload()). */
  reloadEveryMs?: number;
  /** Create node-cron tasks (default true). Tests may drive `fire` themselves. */
  timers?: boolean;
}

export type FireOutcome =
  | { ran: true; result: PolicyRunResult }
  | { ran: true; purge: PurgeResult }
  | { ran: false; reason: "claimed-elsewhere" | "missing" | "paused" | "changed" | "stopped" | "failed" };

export interface ScheduledEntry {
  scheduleId: string;
  name: string;
  cron: string;
  timezone: string;
}

export interface Scheduler {
  /** Re-reads the policies and (re)creates their tasks. */
  reload(): Promise<void>;
  /** Stops the timers and waits for runs in progress. */
  stop(): Promise<void>;
  /** What a cron tick does for `scheduleId` at `at`: claim the slot, run, record, report. */
  fire(scheduleId: string, at: Date): Promise<FireOutcome>;
  /** What the daily purge tick does. */
  firePurge(at: Date): Promise<FireOutcome>;
  /** A manual run ("run now"): not coordinated (no slot), reported like a scheduled one. */
  runNow(
    scheduleId: string,
    options: { actor: string; source?: Source; dryRun?: boolean; channel?: string },
  ): Promise<PolicyRunResult | null>;
  /** The policies that currently have a task. */
  scheduled(): ScheduledEntry[];
}

function cronLogger(logger: Logger | undefined) {
  const log = logger?.child({ component: "node-cron" });
  return {
    info: (message: string) => log?.info(message),
    warn: (message: string) => log?.warn(message),
    error: (message: string | Error, err?: Error) => log?.error({ err: err ?? message }, String(message)),
    debug: (message: string | Error) => log?.debug(String(message)),
  };
}

export function startScheduler(options: StartSchedulerOptions): Scheduler {
  const clock = options.clock ?? options.engine.clock;
  const engine: Engine = { ...options.engine, clock };
  const { db } = engine;
  const logger = options.logger ?? engine.logger;
  const useTimers = options.timers ?? true;
  const tasks = new Map<string, { entry: ScheduledEntry; task: ScheduledTask | null }>();
  const inFlight = new Set<Promise<unknown>>();
  let purgeTask: ScheduledTask | null = null;
  let stopped = false;
  let reloading: Promise<void> = Promise.resolve();

  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    work.then(
      () => inFlight.delete(work),
      () => inFlight.delete(work),
    );
    return work;
  };

  async function report(result: PolicyRunResult, channel?: string): Promise<void> {
    if (!options.reporter) return;
    try {
      await options.reporter.report(result, channel ? { channel } : undefined);
    } catch (error) {
      logger?.error({ err: error, scheduleId: result.schedule.id }, "posting the schedule report failed");
    }
  }

  async function fireOnce(scheduleId: string, at: Date, expected?: ScheduledEntry): Promise<FireOutcome> {
    if (stopped) return { ran: false, reason: "stopped" };
    const slot = slotOf(at);
    const schedule = await getSchedule(db, scheduleId);
    if (!schedule) return { ran: false, reason: "missing" };
    if (!schedule.enabled) return { ran: false, reason: "paused" };
    if (expected && (expected.cron !== schedule.cron || expected.timezone !== schedule.timezone)) {
      // Edited on another instance since our last reload: its new task fires at the right times.
      void reload();
      return { ran: false, reason: "changed" };
    }
    const won = await claimSlot(db, scheduleId, slot, options.instance, clock());
    if (!won) {
      logger?.debug({ scheduleId, slot }, "slot claimed by another instance");
      return { ran: false, reason: "claimed-elsewhere" };
    }
    let result: PolicyRunResult;
    try {
      result = await runPolicy(engine, schedule, {
        slot,
        owner: options.instance,
        ...(options.notifier ? { notifier: options.notifier } : {}),
      });
    } catch (error) {
      logger?.error({ err: error, scheduleId, slot }, "scheduled policy run failed");
      await finishSlot(db, scheduleId, slot, {
        status: "failed",
        result: { error: error instanceof Error ? error.message : String(error) },
        now: clock(),
      }).catch(() => {});
      return { ran: false, reason: "failed" };
    }
    await finishSlot(db, scheduleId, slot, {
      status: "succeeded",
      result: {
        decision: result.decision,
        summary: result.summary,
        planId: result.plan?.id ?? null,
        jobId: result.job?.id ?? null,
        refusal: result.refusal,
      },
      now: clock(),
    });
    logger?.info({ scheduleId, slot, decision: result.decision, summary: result.summary }, "policy run done");
    await report(result);
    return { ran: true, result };
  }

  async function firePurgeOnce(at: Date): Promise<FireOutcome> {
    if (stopped) return { ran: false, reason: "stopped" };
    const slot = slotOf(at);
    if (!(await claimSlot(db, PURGE_SCHEDULE_ID, slot, options.instance, clock()))) {
      return { ran: false, reason: "claimed-elsewhere" };
    }
    try {
      const purge = await purgeDeletedUsers(db, { now: clock() });
      await finishSlot(db, PURGE_SCHEDULE_ID, slot, { status: "succeeded", result: purge, now: clock() });
      if (purge.purged > 0) {
        logger?.info({ purged: purge.purged }, "purged users deleted more than 30 days ago");
        await options.reporter
          ?.reportPurge?.({ ...purge, slot: slot.toISOString() })
          .catch((error: unknown) => {
            logger?.error({ err: error }, "posting the purge report failed");
          });
      }
      return { ran: true, purge };
    } catch (error) {
      logger?.error({ err: error, slot }, "purge failed");
      await finishSlot(db, PURGE_SCHEDULE_ID, slot, {
        status: "failed",
        result: { error: error instanceof Error ? error.message : String(error) },
        now: clock(),
      }).catch(() => {});
      return { ran: false, reason: "failed" };
    }
  }

  function schedule(entry: ScheduledEntry): ScheduledTask | null {
    if (!useTimers) return null;
    try {
      return cron.schedule(entry.cron, (ctx) => track(fireOnce(entry.scheduleId, ctx.date, entry)), {
        timezone: entry.timezone,
        name: `bulkusers:${entry.scheduleId}`,
        noOverlap: true,
        unref: true,
        logger: cronLogger(logger),
      });
    } catch (error) {
      logger?.error({ err: error, scheduleId: entry.scheduleId, cron: entry.cron }, "cannot schedule policy");
      return null;
    }
  }

  async function reloadOnce(): Promise<void> {
    if (stopped) return;
    const rows = (await listSchedules(db)).filter((s) => s.enabled);
    const wanted = new Map(
      rows.map((s) => [s.id, { scheduleId: s.id, name: s.name, cron: s.cron, timezone: s.timezone }]),
    );
    for (const [id, current] of tasks) {
      const next = wanted.get(id);
      if (!next || next.cron !== current.entry.cron || next.timezone !== current.entry.timezone) {
        await current.task?.destroy();
        tasks.delete(id);
      } else {
        current.entry.name = next.name;
      }
    }
    for (const [id, entry] of wanted) {
      if (tasks.has(id)) continue;
      tasks.set(id, { entry, task: schedule(entry) });
    }
  }

  function reload(): Promise<void> {
    reloading = reloading.then(reloadOnce, reloadOnce).catch((error: unknown) => {
      logger?.error({ err: error }, "reloading schedules failed");
    });
    return reloading;
  }

  const purge = options.purge === undefined ? DEFAULT_PURGE : options.purge;
  if (purge && useTimers) {
    purgeTask = cron.schedule(purge.cron, (ctx) => track(firePurgeOnce(ctx.date)), {
      timezone: purge.timezone,
      name: "bulkusers:purge",
      noOverlap: true,
      unref: true,
      logger: cronLogger(logger),
    });
  }
  const every = options.reloadEveryMs ?? 60_000;
  const interval = every > 0 && useTimers ? setInterval(() => void reload(), every) : null;
  interval?.unref();
  void reload();

  return {
    reload,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (interval) clearInterval(interval);
      await purgeTask?.destroy();
      for (const { task } of tasks.values()) await task?.destroy();
      tasks.clear();
      await reloading;
      await Promise.allSettled([...inFlight]);
    },
    fire: (scheduleId, at) => track(fireOnce(scheduleId, at)),
    firePurge: (at) => track(firePurgeOnce(at)),
    async runNow(scheduleId, runOptions) {
      const found = await getSchedule(db, scheduleId);
      if (!found) return null;
      const dryRun = runOptions.dryRun ?? true;
      const result = await track(
        runPolicy(engine, found, {
          dryRun,
          actor: runOptions.actor,
          source: runOptions.source ?? "slack",
          owner: options.instance,
          ...(options.notifier && !dryRun ? { notifier: options.notifier } : {}),
        }),
      );
      await report(result, runOptions.channel);
      return result;
    },
    scheduled: () => [...tasks.values()].map((t) => ({ ...t.entry })),
  };
}
