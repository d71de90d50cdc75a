// What every operation of a batch shares: the item and outcome shapes, the users columns, the staging
// tables, outcome constructors and loading the batch's users as they are now (locked for the transaction).
import { sql } from "drizzle-orm";
import type { AttributeField, PlannedAction, UserField, UserStatus } from "../../core/types.ts";
import { anyOf, type Executor, queryRows } from "../../directory/client.ts";
import type { StagingTable } from "../../directory/copy.ts";

export interface WorkItem {
  row: number;
  action: PlannedAction;
  /** Hash of the supplied or generated password (create, reset-password). */
  passwordHash?: string;
}

export interface ItemOutcome {
  row: number;
  status: "succeeded" | "failed" | "skipped";
  reason: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  userId: string | null;
}

/** users columns written from PlannedAction.set (manager is resolved from an e-mail separately). */
export const COLUMN_OF: Record<Exclude<UserField, "manager" | "email">, string> = {
  displayName: "display_name",
  firstName: "first_name",
  lastName: "last_name",
  username: "username",
  department: "department",
  jobTitle: "job_title",
  employeeId: "employee_id",
  office: "office",
  phone: "phone",
  mobile: "mobile",
  city: "city",
  country: "country",
  usageLocation: "usage_location",
};
export const COLUMN_FIELDS = Object.keys(COLUMN_OF) as (keyof typeof COLUMN_OF)[];

export const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

// Staging tables the hot paths COPY a batch into (one per statement shape; each is filled once per batch
// transaction and emptied at commit). Small side lists (licenses, groups) still travel as one jsonb value.
export const CREATE_STAGE: StagingTable = {
  name: "bulkusers_stage_create",
  columns: [
    ["email", "text"],
    ["display_name", "text"],
    ...COLUMN_FIELDS.filter((f) => f !== "displayName").map((f) => [COLUMN_OF[f], "text"] as const),
    ["attributes", "jsonb"],
    ["status", "text"],
    ["must_change_password", "boolean"],
    ["password_hash", "text"],
    ["manager", "text"],
  ],
};
export const UPDATE_STAGE: StagingTable = {
  name: "bulkusers_stage_update",
  columns: [
    ["email", "text"],
    ["s", "jsonb"],
    ["attrs", "jsonb"],
    ["clear", "jsonb"],
    ["manager", "text"],
    ["has_manager", "boolean"],
  ],
};
export const STATUS_STAGE: StagingTable = {
  name: "bulkusers_stage_status",
  columns: [
    ["email", "text"],
    ["status", "text"],
    ["disabled", "timestamptz"],
    ["deleted", "timestamptz"],
  ],
};

/**
 * `u.email = any(array(select email from <stage>))`: added to an UPDATE … FROM a staging table next to
 * `u.email = x.email`, so the batch's users are found through the e-mail index. The fresh staging table
 * has no statistics; on the join alone the planner hashed the whole directory for every batch (70–100 ms
 * of a 5,000-row batch against 100,000 users, growing with the directory). Given the array it reads
 * just the batch's rows: cost O(batch), whatever the directory's size.
 */
export function batchUsers(stage: StagingTable) {
  return sql.raw(`u.email = any(array(select email from ${stage.name}))`);
}

export const ok = (
  row: number,
  before: ItemOutcome["before"],
  after: ItemOutcome["after"],
  userId: string | null,
): ItemOutcome => ({
  row,
  status: "succeeded",
  reason: "",
  before,
  after,
  userId,
});
export const fail = (row: number, reason: string): ItemOutcome => ({
  row,
  status: "failed",
  reason,
  before: null,
  after: null,
  userId: null,
});
export const skip = (row: number, reason: string): ItemOutcome => ({
  row,
  status: "skipped",
  reason,
  before: null,
  after: null,
  userId: null,
});

interface CurrentUser {
  id: string;
  email: string;
  status: UserStatus;
  disabled_at: string | null;
  deleted_at: string | null;
  must_change_password: boolean;
  /** Loaded when asked for (loadCurrent's `fields`). */
  manager?: string | null;
  attributes?: Record<string, string> | string;
  [column: string]: unknown;
}

/**
 * The batch's users as they are now, locked for the transaction. `fields`: the user fields the caller
 * reads (profile columns, `manager`, attributes); the state every operation needs (id, status, when
 * disabled or deleted, must-change-password) always comes. Without `fields`, everything: a status change
 * of 5,000 users reading every profile column and each one's manager was most of what the batch read.
 */
export async function loadCurrent(
  tx: Executor,
  emails: string[],
  fields?: Iterable<string>,
): Promise<Map<string, CurrentUser>> {
  if (emails.length === 0) return new Map();
  const wanted = fields === undefined ? undefined : new Set(fields);
  const columns = Object.entries(COLUMN_OF)
    .filter(([field]) => wanted === undefined || wanted.has(field))
    .map(([, column]) => `, u.${column}`)
    .join("");
  const withManager = wanted === undefined || wanted.has("manager");
  const withAttributes =
    wanted === undefined || [...wanted].some((f) => f !== "manager" && f !== "email" && !(f in COLUMN_OF));
  const rows = await queryRows<CurrentUser>(
    tx,
    sql`select u.id::text as id, u.email, u.status, u.disabled_at::text as disabled_at,
          u.deleted_at::text as deleted_at, u.must_change_password
          ${withManager ? sql`, m.email as manager` : sql``}${withAttributes ? sql`, u.attributes` : sql``}
          ${sql.raw(columns)}
        from users u ${withManager ? sql`left join users m on m.id = u.manager_id` : sql``}
        where u.email = ${anyOf(emails)}
        for update of u`,
  );
  return new Map(rows.map((r) => [r.email, r]));
}

function attributesOf(user: CurrentUser): Record<string, string> {
  return typeof user.attributes === "string" ? JSON.parse(user.attributes) : (user.attributes ?? {});
}

export function currentValue(user: CurrentUser, field: string): string | null {
  if (field === "manager") return user.manager ?? null;
  if (field in COLUMN_OF) return (user[COLUMN_OF[field as keyof typeof COLUMN_OF]] as string | null) ?? null;
  return attributesOf(user)[field] ?? null;
}

/** The manager a set names, as users are looked up by it (lower case); null when cleared or not named. */
export function managerOf(set: PlannedAction["set"] = {}): string | null {
  return set.manager ? set.manager.toLowerCase() : null;
}

export function splitSet(set: PlannedAction["set"] = {}) {
  const columns: Record<string, string | null> = {};
  const attributes: Record<string, string> = {};
  const clear: string[] = [];
  let manager: string | null | undefined;
  for (const [field, value] of Object.entries(set) as [UserField | AttributeField, string | null][]) {
    if (field === "email") continue;
    if (field === "manager") manager = managerOf(set);
    else if (field in COLUMN_OF) columns[COLUMN_OF[field as keyof typeof COLUMN_OF]] = value;
    else if (value === null) clear.push(field);
    else attributes[field] = value;
  }
  return { columns, attributes, clear, manager };
}
