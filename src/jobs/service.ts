// The use cases every adapter calls (CLI, Slack, HTTP API, scheduler): plan a file or a selection, confirm a
// plan, run the queue, read results. Dependencies come in as arguments; nothing here knows who is calling.
import type { Logger } from "pino";
import { writeCsv } from "../core/csv/index.ts";
import { OPERATION_DEFINITIONS } from "../core/operations/index.ts";
import { type PlanResult, planOperation } from "../core/plan.ts";
import { tableFromSelection } from "../core/selection.ts";
import type { CsvTable, DirectoryUser, Field, Operation, Plan, Refusal } from "../core/types.ts";
import type { Database } from "../directory/client.ts";
import type { JobRecord } from "../directory/schema.ts";
import { loadDirectoryView, viewNeedsFor } from "../directory/view.ts";
import { readUpload } from "../files/read.ts";
import type { ExecutorDeps } from "./executor.ts";
import { type ConfirmInput, type ConfirmResult, confirmPlan } from "./job-store.ts";
import { type Source, type StoredPlan, savePlan } from "./plan-store.ts";
import { drainQueue } from "./queue.ts";
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
  /** Welcome messages (SMTP configured); undefined when mail is off. */
  welcome?: WelcomeDelivery;
}

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
  input: { operation: Operation; bytes: Uint8Array; defaults?: Partial<Record<Field, string>> },
): Promise<{ ok: true; plan: Plan } | { ok: false; refusal: Refusal }> {
  const read = await readUpload(input.bytes, { maxRows: engine.limits.maxRows, operation: input.operation });
  if (!read.ok) return read;
  const result = await planAgainstDirectory(
    engine,
    input.operation,
    read.table,
    input.defaults,
    engine.clock(),
  );
  return result.ok ? { ok: true, plan: result.plan } : result;
}

export async function planTable(
  engine: Engine,
  input: Omit<PlanFileInput, "bytes"> & { table: CsvTable; bytes: Uint8Array },
): Promise<PlanOutcome> {
  const welcome = wantsWelcome(engine, input.operation, input.welcome);
  if (!welcome.ok) return welcome;
  const now = engine.clock();
  const result = await planAgainstDirectory(engine, input.operation, input.table, input.defaults, now);
  if (!result.ok) return result;
  const stored = await savePlan(engine.db, engine.sealer, {
    plan: result.plan,
    secrets: result.secrets,
    source: input.source,
    actor: input.actor,
    fileName: input.fileName ?? null,
    file: input.bytes,
    context: input.context ?? {},
    options: {
      ...(input.defaults ? { defaults: input.defaults } : {}),
      ...(welcome.welcome ? { welcome: true } : {}),
    },
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
