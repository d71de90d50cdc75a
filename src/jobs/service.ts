// The use cases every adapter calls (CLI, Slack, HTTP API, scheduler): plan a file or a selection, confirm a
// plan, run the queue, read results. Dependencies come in as arguments; nothing here knows who is calling.
import type { Logger } from "pino";
import {
  type ApprovalPolicy,
  approvalRuleFor,
  defaultApprovalPolicy,
  describeRule,
} from "../core/approval-rules.ts";
import { writeCsv } from "../core/csv/index.ts";
import {
  applyDateErrors,
  groupByTime,
  rowEffectiveTimes,
  splitDateColumns,
} from "../core/effective-dates.ts";
import { OPERATION_DEFINITIONS } from "../core/operations/index.ts";
import { type PlanResult, planOperation } from "../core/plan.ts";
import { tableFromSelection } from "../core/selection.ts";
import type { CsvTable, DirectoryUser, Field, Operation, Plan, Refusal } from "../core/types.ts";
import type { Database } from "../directory/client.ts";
import type { JobRecord } from "../directory/schema.ts";
import { loadDirectoryView, viewNeedsFor } from "../directory/view.ts";
import { readUpload } from "../files/read.ts";
import {
  ApprovalError,
  type ApprovalRequest,
  decide,
  fileApprovalRequest,
  findApprovalByPlan,
  getApproval,
  planDifferences,
  type RowDifference,
  refuseDecision,
  setApprovalJob,
} from "./approvals.ts";
import type { ExecutorDeps } from "./executor.ts";
import {
  type ConfirmInput,
  type ConfirmResult,
  confirmPlan,
  findJobByPlan,
  getJob,
  JobError,
} from "./job-store.ts";
import { loadPlan, loadPlanRows, type Source, type StoredPlan, savePlan } from "./plan-store.ts";
import { drainQueue } from "./queue.ts";
import {
  batchesOfPlan,
  claimBatch,
  dueBatches,
  finishBatch,
  type ScheduledBatch,
  scheduleBatches,
} from "./scheduled-rows.ts";
import type { Sealer } from "./secrets.ts";
import type { WelcomeDelivery } from "./welcome-delivery.ts";

export interface Engine {
  db: Database;
  sealer: Sealer;
  logger?: Logger;
  clock: () => Date;
  limits: {
    maxRows: number;
    passwordMinLength: number;
    leaseSeconds: number;
    /** BULKUSERS_DOMAINS (lower-case); absent or empty: any domain. */
    domains?: readonly string[];
  };
  /** The two-person rule (BULKUSERS_APPROVAL_RULES); absent: the default rules. */
  approvalPolicy?: ApprovalPolicy;
  /** The organisation's time zone for dates without an offset (BULKUSERS_TIME_ZONE); absent: UTC. */
  timeZone?: string;
  /** Welcome messages (SMTP configured); undefined when mail is off. */
  welcome?: WelcomeDelivery;
}

/** When the rows of a dated plan run: (time, rows) groups, earliest first. Stored in plans.options. */
export type PlanSchedule = Array<{ at: string; rows: number[] }>;

export type PlanOutcome = { ok: true; stored: StoredPlan } | { ok: false; refusal: Refusal };

export interface PlanFileInput {
  operation: Operation;
  bytes: Uint8Array;
  fileName?: string;
  source: Source;
  actor: string;
  context?: Record<string, unknown>;
  /** Values applied to every row (e.g. the password-change flag chosen in a Slack modal). */
  defaults?: Partial<Record<Field, string>>;
  /** Dated operations: one effective time for every row without its own date (`--at`). */
  at?: Date;
  /**
   * Send each user a welcome message once the job ran: create jobs do by default when mail is configured;
   * reset-password jobs only when asked. Other operations set no password and ignore it.
   */
  welcome?: boolean;
}

/** The e-mails a plan needs from the directory: every key and every manager the file names. */
function referencedEmails(table: CsvTable): string[] {
  const emails: string[] = [];
  for (const record of table.records) {
    if (record.values.email) emails.push(record.values.email);
    if (record.values.manager) emails.push(record.values.manager);
  }
  return emails;
}

function withDefaults(table: CsvTable, defaults: Partial<Record<Field, string>> | undefined): CsvTable {
  if (!defaults || Object.keys(defaults).length === 0) return table;
  const extra = (Object.keys(defaults) as Field[]).filter((f) => !table.columns.some((c) => c.field === f));
  if (!extra.length) return table;
  return {
    ...table,
    columns: [
      ...table.columns,
      ...extra.map((field, i) => ({ index: table.header.length + i, header: field, field })),
    ],
    records: table.records.map((r) => ({
      ...r,
      values: { ...Object.fromEntries(extra.map((f) => [f, defaults[f] ?? ""])), ...r.values },
    })),
  };
}

/**
 * table → directory view → plan, with its schedule: timing columns (EffectiveDate, LastDay) say when rows run,
 * not what they change, so they are taken out before planning; a create's StartDate times it too but stays
 * (it is the hire's start date, kept on the user). A row with an unreadable date fails.
 * Only rows that would change are scheduled; skips and errors are reported at once.
 */
async function planDated(
  engine: Engine,
  operation: Operation,
  table: CsvTable,
  defaults: Partial<Record<Field, string>> | undefined,
  now: Date,
  at?: Date,
): Promise<(PlanResult & { ok: true; schedule: PlanSchedule }) | (PlanResult & { ok: false })> {
  const dated = rowEffectiveTimes(table, {
    timeZone: engine.timeZone ?? "UTC",
    now,
    operation,
    ...(at ? { at } : {}),
  });
  const result = await planAgainstDirectory(engine, operation, splitDateColumns(table).table, defaults, now);
  if (!result.ok) return result;
  const plan = applyDateErrors(result.plan, dated.errors);
  const changing = new Set(plan.rows.filter((r) => r.outcome === "change").map((r) => r.row));
  return { ...result, plan, schedule: groupByTime(dated.at, changing) };
}

/** table → directory view (the users the file names) → plan. Reads the directory; stores nothing. */
async function planAgainstDirectory(
  engine: Engine,
  operation: Operation,
  table: CsvTable,
  defaults: Partial<Record<Field, string>> | undefined,
  now: Date,
): Promise<PlanResult> {
  const withValues = withDefaults(table, defaults);
  const fields = withValues.columns.flatMap((c) => (c.field ? [c.field] : []));
  const directory = await loadDirectoryView(
    engine.db,
    referencedEmails(withValues),
    now,
    viewNeedsFor(operation, fields),
  );
  return planOperation({
    operation,
    table: withValues,
    directory,
    options: {
      passwordMinLength: engine.limits.passwordMinLength,
      ...(engine.limits.domains?.length ? { domains: engine.limits.domains } : {}),
    },
  });
}

/** Plans without storing anything: the CLI's `plan` (validate and diff; changes nothing). */
export async function previewFile(
  engine: Engine,
  input: { operation: Operation; bytes: Uint8Array; defaults?: Partial<Record<Field, string>>; at?: Date },
): Promise<{ ok: true; plan: Plan; schedule: PlanSchedule } | { ok: false; refusal: Refusal }> {
  const read = await readUpload(input.bytes, { maxRows: engine.limits.maxRows, operation: input.operation });
  if (!read.ok) return read;
  const result = await planDated(
    engine,
    input.operation,
    read.table,
    input.defaults,
    engine.clock(),
    input.at,
  );
  return result.ok ? { ok: true, plan: result.plan, schedule: result.schedule } : result;
}

export async function planTable(
  engine: Engine,
  input: Omit<PlanFileInput, "bytes"> & { table: CsvTable; bytes: Uint8Array },
): Promise<PlanOutcome> {
  const welcome = wantsWelcome(engine, input.operation, input.welcome);
  if (!welcome.ok) return welcome;
  const now = engine.clock();
  const result = await planDated(engine, input.operation, input.table, input.defaults, now, input.at);
  if (!result.ok) return result;
  const options: Record<string, unknown> = {
    ...(input.defaults ? { defaults: input.defaults } : {}),
    ...(result.schedule.length ? { schedule: result.schedule, timeZone: engine.timeZone ?? "UTC" } : {}),
    ...(welcome.welcome ? { welcome: true } : {}),
  };
  const stored = await savePlan(engine.db, engine.sealer, {
    plan: result.plan,
    secrets: result.secrets,
    source: input.source,
    actor: input.actor,
    fileName: input.fileName ?? null,
    file: input.bytes,
    context: input.context ?? {},
    options,
    now,
  });
  engine.logger?.info(
    { planId: stored.id, operation: input.operation, summary: result.plan.summary, actor: input.actor },
    "plan stored",
  );
  return { ok: true, stored };
}

function wantsWelcome(
  engine: Engine,
  operation: Operation,
  asked: boolean | undefined,
): { ok: true; welcome: boolean } | { ok: false; refusal: Refusal } {
  const setsPasswords = operation === "create" || operation === "reset-password";
  if (asked && !setsPasswords) {
    return {
      ok: false,
      refusal: {
        code: "welcome.not_applicable",
        message: `Welcome messages go with create and reset-password, not ${operation}.`,
      },
    };
  }
  if (asked && !engine.welcome) {
    return {
      ok: false,
      refusal: {
        code: "welcome.mail_off",
        message: "Welcome messages need an SMTP server: set SMTP_URL and BULKUSERS_MAIL_FROM.",
      },
    };
  }
  return { ok: true, welcome: engine.welcome !== undefined && (asked ?? operation === "create") };
}

/** bytes → rows → plan (stored). A refusal changes nothing and stores nothing. */
export async function planFile(engine: Engine, input: PlanFileInput): Promise<PlanOutcome> {
  const read = await readUpload(input.bytes, { maxRows: engine.limits.maxRows, operation: input.operation });
  if (!read.ok) return read;
  return planTable(engine, { ...input, table: read.table });
}

/** A selection (users matched by a filter) planned exactly like an uploaded file of their e-mails. */
export async function planSelection(
  engine: Engine,
  input: Omit<PlanFileInput, "bytes"> & { users: DirectoryUser[]; values: Partial<Record<Field, string>> },
): Promise<PlanOutcome> {
  if (input.users.length > engine.limits.maxRows) {
    return {
      ok: false,
      refusal: {
        code: "selection.too_many_rows",
        message: `The filter matches ${input.users.length} users; at most ${engine.limits.maxRows} can be changed at once.`,
      },
    };
  }
  const table = tableFromSelection(input.operation, input.users, input.values);
  const bytes = writeCsv(
    table.header,
    table.records.map((r) => r.cells),
  );
  return planTable(engine, { ...input, table, bytes, fileName: input.fileName ?? "selection.csv" });
}

export async function confirm(engine: Engine, input: Omit<ConfirmInput, "now">): Promise<ConfirmResult> {
  return confirmPlan(engine.db, { ...input, now: engine.clock() });
}

export type SubmitResult =
  | { kind: "job"; job: JobRecord; created: boolean }
  | { kind: "awaiting_approval"; request: ApprovalRequest; created: boolean }
  /** A dated plan: its rows wait as scheduled batches (rows due now run at once as a first batch). */
  | { kind: "scheduled"; batches: ScheduledBatch[]; jobs: JobRecord[]; created: boolean };

/**
 * What a person's confirmation does: the job, or (two-person rule) an approval request that a second person
 * must decide. Plans made by the scheduler and undo plans (which put back what a confirmed job changed) are
 * not held. Idempotent on the plan id like `confirm`.
 */
export async function submitPlan(engine: Engine, input: Omit<ConfirmInput, "now">): Promise<SubmitResult> {
  const now = engine.clock();
  const existing = await findApprovalByPlan(engine.db, input.planId);
  if (existing) return answerForExisting(engine, existing);
  const job = await findJobByPlan(engine.db, input.planId);
  if (job) return { kind: "job", job, created: false };
  const stored = await loadPlan(engine.db, input.planId, { rows: false });
  const rule =
    stored && input.source !== "schedule" && !input.undoOf
      ? approvalRuleFor(
          engine.approvalPolicy ?? defaultApprovalPolicy(),
          stored.plan.operation,
          stored.plan.summary.change,
        )
      : null;
  if (!stored || !rule) return startPlan(engine, stored, { ...input, now });
  // The same checks a confirmation makes, before anyone is asked to look at the plan.
  if (stored.status === "cancelled") throw new JobError("plan.cancelled", "This preview was cancelled.");
  if (stored.status === "expired" || new Date(stored.expiresAt) <= now) {
    throw new JobError(
      "plan.expired",
      "This preview has expired: upload the file again for a fresh preview.",
    );
  }
  if (stored.plan.summary.error > 0 && !input.allowPartial) {
    throw new JobError(
      "plan.needs_partial_confirmation",
      `${stored.plan.summary.error} row(s) have errors: confirm that the ${stored.plan.summary.change} valid row(s) should run and the rest be reported.`,
    );
  }
  const filed = await fileApprovalRequest(engine.db, {
    planId: stored.id,
    operation: stored.plan.operation,
    summary: stored.plan.summary,
    rule: describeRule(rule),
    requestedBy: input.approvedBy,
    source: input.source,
    allowPartial: input.allowPartial,
    now,
    context: input.slack?.channel ? { home: input.slack } : {},
  });
  engine.logger?.info(
    { planId: stored.id, approvalId: filed.request.id, rule: filed.request.rule },
    "plan awaits a second approver",
  );
  return { kind: "awaiting_approval", ...filed };
}

/** The schedule a stored plan carries (dated operations), or an empty one. */
export function scheduleOf(stored: Pick<StoredPlan, "options">): PlanSchedule {
  const schedule = stored.options.schedule;
  return Array.isArray(schedule) ? (schedule as PlanSchedule) : [];
}

/** Confirms a plan: a job now, or (dated plan) scheduled batches, the rows due now running at once. */
async function startPlan(
  engine: Engine,
  stored: StoredPlan | null,
  input: ConfirmInput,
): Promise<SubmitResult> {
  const schedule = stored ? scheduleOf(stored) : [];
  if (!stored || schedule.length === 0) {
    const confirmed = await confirmPlan(engine.db, input);
    return { kind: "job", ...confirmed };
  }
  const existing = await batchesOfPlanIfAny(engine, stored.id);
  if (existing) return existing;
  if (stored.status === "cancelled") throw new JobError("plan.cancelled", "This preview was cancelled.");
  if (stored.status === "expired" || new Date(stored.expiresAt) <= input.now) {
    throw new JobError(
      "plan.expired",
      "This preview has expired: upload the file again for a fresh preview.",
    );
  }
  if (stored.plan.summary.error > 0 && !input.allowPartial) {
    throw new JobError(
      "plan.needs_partial_confirmation",
      `${stored.plan.summary.error} row(s) have errors: confirm that the ${stored.plan.summary.change} valid row(s) should run and the rest be reported.`,
    );
  }
  // Every row that is not scheduled (skips, errors, rows due now) goes in a first batch due now, so it is
  // reported (and run) at once like any job.
  const keys = new Map((await loadPlanRows(engine.db, stored.id)).map((r) => [r.row, r.key]));
  const later = new Set(schedule.flatMap((g) => g.rows));
  const now = [...keys.keys()].filter((row) => !later.has(row));
  const groups = [...(now.length ? [{ at: input.now.toISOString(), rows: now }] : []), ...schedule].map(
    (g) => ({ at: g.at, rows: g.rows.map((row) => ({ row, key: keys.get(row) ?? "" })) }),
  );
  const { batches, created } = await scheduleBatches(engine.db, {
    planId: stored.id,
    operation: stored.plan.operation,
    requestedBy: stored.actor,
    approvedBy: input.approvedBy,
    source: input.source,
    ...(input.slack ? { slack: input.slack } : {}),
    groups,
    now: input.now,
  });
  if (!created) return { kind: "scheduled", batches, jobs: [], created };
  const jobs = await runDueScheduledWork(engine, { instance: `confirm:${input.approvedBy}` });
  // Read again: the batch due now has started and carries its job.
  return { kind: "scheduled", batches: await batchesOfPlan(engine.db, stored.id), jobs, created };
}

async function batchesOfPlanIfAny(engine: Engine, planId: string): Promise<SubmitResult | null> {
  const batches = await batchesOfPlan(engine.db, planId);
  return batches.length ? { kind: "scheduled", batches, jobs: [], created: false } : null;
}

/**
 * Runs every scheduled batch whose time has come: claims it (one instance wins, through the run coordinator),
 * re-plans its rows from the original file against the directory of now (a user who changed meanwhile is
 * re-checked), and confirms them as a normal job reporting to the original thread. Returns the jobs made.
 */
export async function runDueScheduledWork(
  engine: Engine,
  options: { instance: string },
): Promise<JobRecord[]> {
  const made: JobRecord[] = [];
  const now = engine.clock();
  for (const batch of await dueBatches(engine.db, now)) {
    const rows = await claimBatch(engine.db, batch, options.instance, now);
    if (!rows) continue;
    try {
      if (rows.length === 0) {
        await finishBatch(engine.db, batch, { now: engine.clock() });
        continue;
      }
      const stored = await loadPlan(engine.db, batch.planId, { rows: false });
      // The original upload (CSV or workbook), read as when it was planned.
      const read = stored?.file
        ? await readUpload(stored.file, {
            maxRows: Number.MAX_SAFE_INTEGER,
            operation: stored.plan.operation,
          })
        : null;
      if (!stored?.file || !read?.ok) throw new Error("the plan's file could not be read again");
      const wanted = new Set(rows.map((r) => r.row));
      // Planned again with its date column: the dates are due (they run now, confirmPlan below ignores any
      // schedule), and a row whose date cannot be read fails again instead of running.
      const table = { ...read.table, records: read.table.records.filter((r) => wanted.has(r.row)) };
      const defaults = stored.options.defaults as Partial<Record<Field, string>> | undefined;
      const planned = await planTable(engine, {
        operation: stored.plan.operation,
        table,
        bytes: stored.file,
        source: "schedule",
        actor: stored.actor,
        ...(stored.fileName ? { fileName: stored.fileName } : {}),
        context: { ...stored.context, scheduledBatch: batch.id, datedPlan: stored.id },
        ...(defaults ? { defaults } : {}),
        // Welcome messages as confirmed (never switched on by default at run time); mail may be off by now.
        welcome: stored.options.welcome === true && engine.welcome !== undefined,
      });
      if (!planned.ok) throw new Error(planned.refusal.message);
      const { job } = await confirmPlan(engine.db, {
        planId: planned.stored.id,
        approvedBy: batch.approvedBy,
        source: "schedule",
        allowPartial: true,
        now: engine.clock(),
        ...(batch.slackChannel
          ? {
              slack: {
                channel: batch.slackChannel,
                ...(batch.slackThreadTs ? { threadTs: batch.slackThreadTs } : {}),
              },
            }
          : {}),
      });
      await finishBatch(engine.db, batch, { jobId: job.id, now: engine.clock() });
      made.push(job);
      engine.logger?.info({ batchId: batch.id, jobId: job.id, rows: rows.length }, "scheduled rows started");
    } catch (error) {
      engine.logger?.error({ err: error, batchId: batch.id }, "a scheduled batch failed to start");
      await finishBatch(engine.db, batch, {
        error: error instanceof Error ? error.message : String(error),
        now: engine.clock(),
      });
    }
  }
  return made;
}

async function answerForExisting(engine: Engine, request: ApprovalRequest): Promise<SubmitResult> {
  if (request.status === "pending") return { kind: "awaiting_approval", request, created: false };
  const job = request.jobId ? await getJob(engine.db, request.jobId) : null;
  if (job) return { kind: "job", job, created: false };
  throw new ApprovalError(
    `approval.${request.status}`,
    `This plan was ${request.status}${request.reason ? `: ${request.reason}` : ""}. Nothing was changed.`,
    request,
  );
}

export interface DecisionInput {
  approvalId: string;
  decision: "approve" | "reject";
  actor: string;
  source: Source;
  /** Why (rejections must say). */
  reason?: string;
  /** Where the job reports (the approval's thread); default: where the request was made. */
  slack?: { channel?: string; threadTs?: string };
}

export type DecisionResult =
  | { kind: "approved"; request: ApprovalRequest; job: JobRecord; created: boolean }
  /** An approved dated plan: its rows now wait as scheduled work (rows due now already have a job). */
  | {
      kind: "scheduled";
      request: ApprovalRequest;
      batches: ScheduledBatch[];
      jobs: JobRecord[];
      created: boolean;
    }
  | { kind: "rejected"; request: ApprovalRequest }
  /** The directory changed under the plan: it was re-made, and the new one needs a decision of its own. */
  | { kind: "changed"; request: ApprovalRequest; next: ApprovalRequest; differences: RowDifference[] };

/**
 * A second person's decision. The requester (and the plan's author) may not decide; approval re-checks the
 * plan's expiry and re-plans the file against today's directory: any difference supersedes the request with
 * a fresh plan and request instead of running. A decided request answers with what happened (same job).
 */
export async function decideApproval(engine: Engine, input: DecisionInput): Promise<DecisionResult> {
  const now = engine.clock();
  const request = await getApproval(engine.db, input.approvalId);
  if (!request) {
    throw new ApprovalError("approval.not_found", `There is no approval request '${input.approvalId}'.`);
  }
  const step = { id: request.id, actor: input.actor, source: input.source, now };
  if (request.status !== "pending") return alreadyDecided(engine, request, input);
  const stored = await loadPlan(engine.db, request.planId, { rows: false });
  if (!stored) throw new ApprovalError("plan.not_found", `Plan ${request.planId} does not exist.`, request);
  if (input.actor === request.requestedBy || input.actor === stored.actor) {
    return refuseDecision(engine.db, {
      ...step,
      request,
      code: "approval.own_request",
      message: "You asked for this change, so someone else has to approve or reject it.",
    });
  }
  if (input.decision === "reject") {
    const reason = input.reason?.trim();
    if (!reason)
      throw new ApprovalError("approval.reason_required", "Say why the plan is rejected.", request);
    const decided = await decide(engine.db, { ...step, status: "rejected", reason });
    return decided ? { kind: "rejected", request: decided } : alreadyDecided(engine, request, input);
  }
  if (stored.status === "expired" || new Date(stored.expiresAt) <= now) {
    const reason = "the plan expired before it was approved: upload the file again";
    const decided = await decide(engine.db, { ...step, status: "expired", reason });
    throw new ApprovalError(
      "plan.expired",
      `Not approved: ${reason}. Nothing was changed.`,
      decided ?? request,
    );
  }
  const changed = await recheckDirectory(engine, stored, request);
  if (changed) {
    const decided = await decide(engine.db, {
      ...step,
      status: "superseded",
      reason: `the directory changed under ${changed.differences.length} row(s); a new plan needs approval`,
      supersededBy: changed.next.id,
      details: { differences: changed.differences.length },
    });
    if (!decided) return alreadyDecided(engine, request, input);
    return { kind: "changed", request: decided, next: changed.next, differences: changed.differences };
  }
  const approved = await decide(engine.db, { ...step, status: "approved" });
  if (!approved) return alreadyDecided(engine, request, input);
  return runApproved(engine, approved, input);
}

async function runApproved(
  engine: Engine,
  request: ApprovalRequest,
  input: DecisionInput,
): Promise<DecisionResult> {
  const home = input.slack ?? (request.context.home as { channel?: string; threadTs?: string } | undefined);
  const stored = await loadPlan(engine.db, request.planId, { rows: false });
  const started = await startPlan(engine, stored, {
    planId: request.planId,
    approvedBy: request.decidedBy ?? input.actor,
    source: request.decidedSource ?? input.source,
    allowPartial: request.allowPartial,
    now: engine.clock(),
    ...(home ? { slack: home } : {}),
  });
  if (started.kind === "scheduled") {
    const { batches, jobs, created } = started;
    return { kind: "scheduled", request, batches, jobs, created };
  }
  if (started.kind !== "job")
    throw new ApprovalError("approval.unexpected", "The approved plan did not start.");
  const { job, created } = started;
  if (request.jobId !== job.id) await setApprovalJob(engine.db, request.id, job.id);
  return { kind: "approved", request: { ...request, jobId: job.id }, job, created };
}

/** A request someone already decided: the same answer again (a double click runs nothing twice). */
async function alreadyDecided(
  engine: Engine,
  request: ApprovalRequest,
  input: DecisionInput,
): Promise<DecisionResult> {
  const current = (await getApproval(engine.db, request.id)) ?? request;
  if (current.status === "approved") {
    // Approved but the job not made yet (a crash in between): confirming is idempotent.
    return runApproved(engine, current, input);
  }
  if (current.status === "rejected") return { kind: "rejected", request: current };
  const next = current.supersededBy ? await getApproval(engine.db, current.supersededBy) : null;
  if (current.status === "superseded" && next) {
    return { kind: "changed", request: current, next, differences: [] };
  }
  throw new ApprovalError(
    `approval.${current.status}`,
    `This request is ${current.status}${current.reason ? `: ${current.reason}` : ""}.`,
    current,
  );
}

/** Re-plans the stored file against the directory now; a new plan and request when any row differs. */
async function recheckDirectory(
  engine: Engine,
  stored: StoredPlan,
  request: ApprovalRequest,
): Promise<{ next: ApprovalRequest; differences: RowDifference[] } | null> {
  if (!stored.file) return null;
  const read = await readUpload(stored.file, {
    maxRows: engine.limits.maxRows,
    operation: stored.plan.operation,
  });
  if (!read.ok) return null;
  const defaults = stored.options.defaults as Partial<Record<Field, string>> | undefined;
  const fresh = await planAgainstDirectory(
    engine,
    stored.plan.operation,
    read.table,
    defaults,
    engine.clock(),
  );
  if (!fresh.ok) return null;
  const differences = planDifferences(await loadPlanRows(engine.db, stored.id), fresh.plan.rows);
  if (differences.length === 0) return null;
  const replanned = await planTable(engine, {
    operation: stored.plan.operation,
    table: read.table,
    bytes: stored.file,
    source: stored.source,
    actor: stored.actor,
    ...(stored.fileName ? { fileName: stored.fileName } : {}),
    context: { ...stored.context, replanOf: stored.id },
    ...(defaults ? { defaults } : {}),
  });
  if (!replanned.ok) return null;
  const { request: next } = await fileApprovalRequest(engine.db, {
    planId: replanned.stored.id,
    operation: request.operation,
    summary: replanned.stored.plan.summary,
    rule: request.rule,
    requestedBy: request.requestedBy,
    source: request.requestedSource,
    allowPartial: request.allowPartial,
    now: engine.clock(),
    context: request.context.home ? { home: request.context.home } : {},
    supersedes: request.id,
  });
  return { next, differences };
}

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
