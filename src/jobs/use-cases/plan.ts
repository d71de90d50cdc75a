// Planning: a file, a table or a selection against the directory, stored (or only previewed), with the
// schedule of a dated plan.
import { writeCsv } from "../../core/csv/index.ts";
import {
  applyDateErrors,
  groupByTime,
  rowEffectiveTimes,
  splitDateColumns,
} from "../../core/effective-dates.ts";
import { type PlanResult, planOperation } from "../../core/plan.ts";
import { tableFromSelection } from "../../core/selection.ts";
import type { CsvTable, DirectoryUser, Field, Operation, Plan, Refusal } from "../../core/types.ts";
import { loadDirectoryView, viewNeedsFor } from "../../directory/view.ts";
import { readUpload } from "../../files/read.ts";
import type { Engine } from "../engine.ts";
import { type Source, type StoredPlan, savePlan } from "../plan-store.ts";

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
  at: Date | undefined,
  consume: boolean,
): Promise<(PlanResult & { ok: true; schedule: PlanSchedule }) | (PlanResult & { ok: false })> {
  const dated = rowEffectiveTimes(table, {
    timeZone: engine.timeZone ?? "UTC",
    now,
    operation,
    ...(at ? { at } : {}),
  });
  const result = await planAgainstDirectory(
    engine,
    operation,
    splitDateColumns(table).table,
    defaults,
    now,
    consume,
  );
  if (!result.ok) return result;
  const plan = applyDateErrors(result.plan, dated.errors);
  const changing = new Set(plan.rows.filter((r) => r.outcome === "change").map((r) => r.row));
  return { ...result, plan, schedule: groupByTime(dated.at, changing) };
}

/**
 * table → directory view (the users the file names) → plan. Reads the directory; stores nothing.
 * `consume`: the table was read for this plan alone — its records are let go as they are planned and
 * change rows are kept in stored form (see PlanInput.consume).
 */
export async function planAgainstDirectory(
  engine: Engine,
  operation: Operation,
  table: CsvTable,
  defaults: Partial<Record<Field, string>> | undefined,
  now: Date,
  consume = false,
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
    consume,
  });
}

/** An upload read for planning: only the mapped values are kept (the plan reads nothing else). */
function uploadReadOptions(engine: Engine, operation: Operation) {
  return { maxRows: engine.limits.maxRows, operation, keepCells: false };
}

/** Plans without storing anything: the CLI's `plan` (validate and diff; changes nothing). */
export async function previewFile(
  engine: Engine,
  input: { operation: Operation; bytes: Uint8Array; defaults?: Partial<Record<Field, string>>; at?: Date },
): Promise<{ ok: true; plan: Plan; schedule: PlanSchedule } | { ok: false; refusal: Refusal }> {
  const read = await readUpload(input.bytes, uploadReadOptions(engine, input.operation));
  if (!read.ok) return read;
  const result = await planDated(
    engine,
    input.operation,
    read.table,
    input.defaults,
    engine.clock(),
    input.at,
    true,
  );
  return result.ok ? { ok: true, plan: result.plan, schedule: result.schedule } : result;
}

export async function planTable(
  engine: Engine,
  input: Omit<PlanFileInput, "bytes"> & { table: CsvTable; bytes: Uint8Array },
): Promise<PlanOutcome> {
  const planned = await planOnly(engine, input, false);
  if (!planned.ok) return planned;
  return storePlanned(engine, input, planned);
}

type Planned = PlanResult & { ok: true; schedule: PlanSchedule; welcome: boolean; now: Date };

/** table → plan with its schedule, nothing stored (`consume`: the table is not needed after this). */
async function planOnly(
  engine: Engine,
  input: Omit<PlanFileInput, "bytes"> & { table: CsvTable },
  consume: boolean,
): Promise<Planned | { ok: false; refusal: Refusal }> {
  const welcome = wantsWelcome(engine, input.operation, input.welcome);
  if (!welcome.ok) return welcome;
  const now = engine.clock();
  const result = await planDated(
    engine,
    input.operation,
    input.table,
    input.defaults,
    now,
    input.at,
    consume,
  );
  if (!result.ok) return result;
  return { ...result, welcome: welcome.welcome, now };
}

async function storePlanned(
  engine: Engine,
  input: Omit<PlanFileInput, "bytes"> & { bytes: Uint8Array },
  result: Planned,
): Promise<PlanOutcome> {
  const options: Record<string, unknown> = {
    ...(input.defaults ? { defaults: input.defaults } : {}),
    ...(result.schedule.length ? { schedule: result.schedule, timeZone: engine.timeZone ?? "UTC" } : {}),
    ...(result.welcome ? { welcome: true } : {}),
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
    now: result.now,
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
  const planned = await readAndPlan(engine, input);
  if (!planned.ok) return planned;
  return storePlanned(engine, input, planned);
}

/**
 * The rows are read and planned here, and only the plan comes back. The table is the plan's alone: its
 * records are let go as they are planned (PlanInput.consume), so a large file and its plan are never
 * both whole in memory.
 */
async function readAndPlan(
  engine: Engine,
  input: PlanFileInput,
): Promise<Planned | { ok: false; refusal: Refusal }> {
  const read = await readUpload(input.bytes, uploadReadOptions(engine, input.operation));
  if (!read.ok) return read;
  return planOnly(engine, { ...input, table: read.table }, true);
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
