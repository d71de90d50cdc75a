// Plans at rest: a validated operation waiting for confirmation, with an id and an expiry.
import { gunzipSync, gzipSync } from "node:zlib";
import { and, asc, eq, getTableColumns, lt, sql } from "drizzle-orm";
import { customAlphabet } from "nanoid";
import { compactRow, expandAction, expandChanges } from "../core/stored-row.ts";
import type { Operation, Plan, PlanRow } from "../core/types.ts";
import type { Database, Executor } from "../directory/client.ts";
import { copyIn, copyRows } from "../directory/copy.ts";
import { planRows, plans } from "../directory/schema.ts";
import type { Sealer } from "./secrets.ts";

/** Short, unambiguous ids people can type in Slack (`status job_4kq7…`). */
export const newId = customAlphabet("23456789abcdefghijkmnpqrstuvwxyz", 12);

export type Source = "slack" | "api" | "cli" | "schedule";

export const PLAN_TTL_HOURS = 24;

export interface StoredPlan {
  id: string;
  plan: Plan;
  source: Source;
  actor: string;
  fileName: string | null;
  file: Uint8Array | null;
  context: Record<string, unknown>;
  options: Record<string, unknown>;
  status: "pending" | "confirmed" | "expired" | "cancelled";
  createdAt: string;
  expiresAt: string;
  /** Sealed passwords supplied in the file (row → sealed). */
  sealedSecrets: string | null;
}

export interface SavePlanInput {
  plan: Plan;
  secrets: Map<number, string>;
  source: Source;
  actor: string;
  fileName?: string | null;
  file?: Uint8Array | null;
  context?: Record<string, unknown>;
  options?: Record<string, unknown>;
  now: Date;
  ttlHours?: number;
}

export async function savePlan(db: Database, sealer: Sealer, input: SavePlanInput): Promise<StoredPlan> {
  const id = `plan_${newId()}`;
  const expiresAt = new Date(
    input.now.getTime() + (input.ttlHours ?? PLAN_TTL_HOURS) * 3600_000,
  ).toISOString();
  const sealedSecrets = input.secrets.size
    ? sealer.seal(JSON.stringify(Object.fromEntries(input.secrets)))
    : null;
  const seqOf = new Map(input.plan.executionOrder.map((row, index) => [row, index]));
  await db.transaction(async (tx) => {
    await tx.insert(plans).values({
      id,
      operation: input.plan.operation,
      source: input.source,
      actor: input.actor,
      fileName: input.fileName ?? null,
      // Gzipped (a CSV shrinks 5–10×: 18 MB → 2 MB at 150,000 rows, less to send, store and hold in
      // memory), then as hex text decoded by the server: PGlite's own bytea parameter encoding takes
      // seconds a MB.
      file: input.file ? sql`decode(${gzipSync(input.file, { level: 1 }).toString("hex")}, 'hex')` : null,
      header: input.plan.header,
      summary: input.plan.summary,
      warnings: input.plan.warnings,
      options: input.options ?? {},
      secrets: sealedSecrets,
      context: input.context ?? {},
      createdAt: input.now.toISOString(),
      expiresAt,
    });
    // One COPY, its rows made as they are sent (copyRows; copyIn builds the text a piece at a time while
    // the server writes the piece before). Each row is in its compact form (compactRow): no value is
    // stored twice.
    const operation = input.plan.operation;
    const rows = copyRows(input.plan.rows, (r) => {
      const { changes, action } = compactRow(operation, r);
      return [id, r.row, r.line, seqOf.get(r.row) ?? null, r.key, r.outcome, r.reason, changes, action];
    });
    await copyIn(tx, "plan_rows", PLAN_ROW_COLUMNS, rows);
  });
  return {
    id,
    plan: input.plan,
    source: input.source,
    actor: input.actor,
    fileName: input.fileName ?? null,
    file: input.file ?? null,
    context: input.context ?? {},
    options: input.options ?? {},
    status: "pending",
    createdAt: input.now.toISOString(),
    expiresAt,
    sealedSecrets,
  };
}

const PLAN_ROW_COLUMNS = ["plan_id", "row", "line", "seq", "key", "outcome", "reason", "changes", "action"];

function toBytes(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  const bytes =
    value instanceof Uint8Array
      ? value
      : typeof value === "string" && value.startsWith("\\x")
        ? Buffer.from(value.slice(2), "hex")
        : null;
  return bytes && isGzip(bytes) ? new Uint8Array(gunzipSync(bytes)) : bytes;
}

/** Files are stored gzipped (plans stored before that were not): a CSV or workbook never starts 1f 8b. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface LoadPlanOptions {
  /** Load the plan's rows too (default true); the executor reads actions a batch at a time instead. */
  rows?: boolean;
  /**
   * Load the uploaded file's bytes too (default true). Confirming and executing never need them, and
   * a 150,000-row file is 18 MB a read.
   */
  file?: boolean;
}

export async function loadPlan(
  db: Executor,
  id: string,
  options: LoadPlanOptions = {},
): Promise<StoredPlan | null> {
  const { file: _file, ...withoutFile } = getTableColumns(plans);
  const [row] =
    options.file === false
      ? (await db.select(withoutFile).from(plans).where(eq(plans.id, id))).map((r) => ({ ...r, file: null }))
      : await db.select().from(plans).where(eq(plans.id, id));
  if (!row) return null;
  const rows = options.rows === false ? [] : await loadPlanRows(db, id);
  const executionOrder = rows
    .filter((r) => r.seq !== null)
    .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
    .map((r) => r.row);
  return {
    id: row.id,
    plan: {
      operation: row.operation as Operation,
      summary: row.summary,
      rows: rows.map(({ seq: _seq, ...rest }) => rest),
      executionOrder,
      warnings: row.warnings,
      header: row.header,
    },
    source: row.source,
    actor: row.actor,
    fileName: row.fileName,
    file: toBytes(row.file),
    context: row.context,
    options: row.options,
    status: row.status,
    createdAt: new Date(row.createdAt).toISOString(),
    expiresAt: new Date(row.expiresAt).toISOString(),
    sealedSecrets: row.secrets,
  };
}

export interface PageOptions {
  outcome?: PlanRow["outcome"];
  offset?: number;
  limit?: number;
}

/** A plan's rows in file order, optionally one outcome and one page at a time (previews). */
export async function loadPlanRows(
  db: Executor,
  planId: string,
  page: PageOptions = {},
): Promise<(PlanRow & { seq: number | null })[]> {
  const rows = await db
    .select()
    .from(planRows)
    .where(
      page.outcome
        ? and(eq(planRows.planId, planId), eq(planRows.outcome, page.outcome))
        : eq(planRows.planId, planId),
    )
    .orderBy(asc(planRows.row))
    .offset(page.offset ?? 0)
    .limit(page.limit ?? Number.MAX_SAFE_INTEGER);
  const operation = rows.length ? await planOperationOf(db, planId) : "";
  return rows.map((r) => {
    const changes = expandChanges(r.changes);
    const action = expandAction(operation, r.key, r.action, changes);
    return {
      row: r.row,
      line: r.line,
      seq: r.seq,
      key: r.key,
      outcome: r.outcome,
      reason: r.reason,
      changes,
      ...(action ? { action } : {}),
    };
  });
}

async function planOperationOf(db: Executor, planId: string): Promise<string> {
  const [row] = await db.select({ operation: plans.operation }).from(plans).where(eq(plans.id, planId));
  return row?.operation ?? "";
}

export function openSecrets(sealer: Sealer, sealed: string | null): Map<number, string> {
  if (!sealed) return new Map();
  const record = JSON.parse(sealer.open(sealed)) as Record<string, string>;
  return new Map(Object.entries(record).map(([row, password]) => [Number(row), password]));
}

/** Marks pending plans past their expiry; their rows stay for the audit trail. */
export async function expirePlans(db: Database, now: Date): Promise<number> {
  const expired = await db
    .update(plans)
    .set({ status: "expired", secrets: null })
    .where(and(eq(plans.status, "pending"), lt(plans.expiresAt, now.toISOString())))
    .returning({ id: plans.id });
  return expired.length;
}

/** Merges keys into a plan's Slack context (e.g. the thread a preview was posted in). */
export async function updatePlanContext(
  db: Database,
  id: string,
  patch: Record<string, unknown>,
): Promise<void> {
  await db
    .update(plans)
    .set({ context: sql`${plans.context} || ${JSON.stringify(patch)}::jsonb` })
    .where(eq(plans.id, id));
}
