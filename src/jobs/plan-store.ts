// Plans at rest: a validated operation waiting for confirmation, with an id and an expiry.
import { and, eq, lt, sql } from "drizzle-orm";
import { customAlphabet } from "nanoid";
import type { Operation, Plan, PlanRow } from "../core/types.ts";
import type { Database, Executor } from "../directory/client.ts";
import { plans } from "../directory/schema.ts";
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
  await db.insert(plans).values({
    id,
    operation: input.plan.operation,
    source: input.source,
    actor: input.actor,
    fileName: input.fileName ?? null,
    file: input.file ?? null,
    header: input.plan.header,
    rows: input.plan.rows,
    executionOrder: input.plan.executionOrder,
    summary: input.plan.summary,
    warnings: input.plan.warnings,
    options: input.options ?? {},
    secrets: sealedSecrets,
    context: input.context ?? {},
    createdAt: input.now.toISOString(),
    expiresAt,
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

function toBytes(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string" && value.startsWith("\\x")) return Buffer.from(value.slice(2), "hex");
  return null;
}

export async function loadPlan(db: Executor, id: string): Promise<StoredPlan | null> {
  const [row] = await db.select().from(plans).where(eq(plans.id, id));
  if (!row) return null;
  return {
    id: row.id,
    plan: {
      operation: row.operation as Operation,
      summary: row.summary,
      rows: row.rows as PlanRow[],
      executionOrder: row.executionOrder,
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
