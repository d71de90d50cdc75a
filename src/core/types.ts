// The data that flows through the pure core: bytes → CsvTable → Plan.
// Every adapter (CLI, Slack, HTTP API, scheduler) speaks these types; nothing here does I/O.

/** Operations users can run (contract: DESIGN.md §4). */
export const OPERATIONS = [
  "create",
  "update",
  "disable",
  "enable",
  "delete",
  "restore",
  "reset-password",
  "assign-license",
  "remove-license",
  "add-to-group",
  "remove-from-group",
  "set-service-plans",
] as const;
export type Operation = (typeof OPERATIONS)[number];

export function isOperation(value: string): value is Operation {
  return (OPERATIONS as readonly string[]).includes(value);
}

/**
 * Canonical fields a CSV column can map to. User columns map 1:1 onto `users` columns;
 * ATTRIBUTE_FIELDS are stored in `users.attributes` (jsonb) under the same name.
 */
export const USER_FIELDS = [
  "email",
  "displayName",
  "firstName",
  "lastName",
  "username",
  "department",
  "jobTitle",
  "manager",
  "employeeId",
  "office",
  "phone",
  "mobile",
  "city",
  "country",
  "usageLocation",
] as const;
export type UserField = (typeof USER_FIELDS)[number];

/** Fields that drive the operation rather than describe the user. */
export const CONTROL_FIELDS = [
  "password",
  "forceChangePassword",
  "blockSignIn",
  "license",
  "removeLicense",
  "group",
  // Dated operations (core/effective-dates.ts): when a row takes effect. Never planned as user data.
  // (A start date is an attribute, kept on the user; dated operations read it too, without stripping it.)
  "effectiveDate",
  "lastDay",
  // Service plans of a license: the disabled set as Entra exports it, or plans to switch on / off.
  "disabledPlans",
  "enablePlans",
  "disablePlans",
] as const;
export type ControlField = (typeof CONTROL_FIELDS)[number];

/** Recognised template fields without their own column: kept in users.attributes. */
export const ATTRIBUTE_FIELDS = [
  "company",
  "postalCode",
  "state",
  "streetAddress",
  "fax",
  "homePhone",
  "initials",
  "notes",
  "webPage",
  "mailboxPlan",
  "costCenter",
  "division",
  "employeeType",
  // Where the welcome message goes before the hire has a mailbox, and the date it names.
  "personalEmail",
  "startDate",
  ...Array.from({ length: 15 }, (_, i) => `customAttribute${i + 1}` as const),
] as const;
export type AttributeField = (typeof ATTRIBUTE_FIELDS)[number];

export type Field = UserField | ControlField | AttributeField;

/** A file-level refusal: nothing is processed. `code` is stable (e.g. `csv.missing_column`). */
export interface Refusal {
  code: string;
  message: string;
}

export interface ColumnMapping {
  /** 0-based position in the header. */
  index: number;
  /** The header cell as written in the file. */
  header: string;
  /** The field it maps to, or null when ignored. */
  field: Field | null;
}

/** One data record of the file, values already mapped to fields and trimmed. */
export interface CsvRecord {
  /** 1-based number of the data record (after the header, blank records not counted). */
  row: number;
  /** 1-based physical line where the record starts. */
  line: number;
  /** Mapped values, trimmed; a blank cell is "" (whitespace-only is blank). Formula prefix `'` already dropped. */
  values: Partial<Record<Field, string>>;
  /**
   * The record's cells as read (untrimmed), for re-emitting the original columns in results CSVs; empty
   * when the reader was told not to keep them (ReadOptions.keepCells: planning an upload).
   */
  cells: string[];
  /** Non-empty cells beyond the header's width: the row fails (planner's job to say so). */
  extraCells: string[];
}

export interface CsvTable {
  /** For a workbook: "utf-8" (cells are text already). */
  encoding: "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";
  /** For a workbook: ",". */
  delimiter: "," | ";" | "\t";
  /** Where the rows came from: a CSV (the default) or an Excel workbook, then which sheet. */
  format?: "csv" | "xlsx";
  sheet?: string;
  /** Header cells as written (after preamble lines). */
  header: string[];
  columns: ColumnMapping[];
  records: CsvRecord[];
  /** Human warnings, e.g. "Column 'Nickname' is not recognised and was ignored." */
  warnings: string[];
}

export type ReadResult = { ok: true; table: CsvTable } | { ok: false; refusal: Refusal };

// ---------------------------------------------------------------------------------------------
// The directory as the planner sees it: plain data loaded by the adapter before planning.

export type UserStatus = "active" | "disabled" | "deleted";

export interface DirectoryUser {
  id: string;
  email: string;
  displayName: string;
  firstName: string | null;
  lastName: string | null;
  username: string | null;
  department: string | null;
  jobTitle: string | null;
  /** Manager's e-mail (lower-case) or null. */
  manager: string | null;
  employeeId: string | null;
  office: string | null;
  phone: string | null;
  mobile: string | null;
  city: string | null;
  country: string | null;
  usageLocation: string | null;
  attributes: Record<string, string>;
  status: UserStatus;
  mustChangePassword: boolean;
  /** License SKUs assigned. */
  licenses: string[];
  /** Disabled service plans by assigned SKU (upper-case); licenses with every plan on are absent. */
  disabledPlans: Record<string, string[]>;
  /** Group names the user is a member of. */
  groups: string[];
  lastLoginAt: string | null;
  createdAt: string;
  disabledAt: string | null;
  deletedAt: string | null;
}

export interface DirectoryLicense {
  sku: string;
  name: string;
  totalSeats: number;
  assignedSeats: number;
  /** The SKU's service plans (may be empty: a license without known plans). */
  servicePlans: string[];
}

export interface DirectoryGroup {
  id: string;
  name: string;
}

/**
 * What the planner may know of the directory. The adapter loads the users the file names
 * (keys and managers) plus their manager chains, every license and every group.
 */
export interface DirectoryView {
  /** Keyed by lower-case e-mail. */
  users: Map<string, DirectoryUser>;
  /** Keyed by SKU as stored (compare case-insensitively via upper-case key). */
  licenses: Map<string, DirectoryLicense>;
  /** Keyed by lower-case group name. */
  groups: Map<string, DirectoryGroup>;
  /** ISO time "now" for the plan (the core never reads the clock). */
  now: string;
}

// ---------------------------------------------------------------------------------------------
// Plans.

export type Outcome = "change" | "skip" | "error";

export interface FieldChange {
  field: string;
  from: string | null;
  to: string | null;
}

/** What the executor does for a `change` row; the data it needs, never a plain-text password. */
export interface PlannedAction {
  kind: Operation;
  /** Target user e-mail (lower-case). */
  email: string;
  /** Field values to write (create: all; update: only the changed ones; null clears). */
  set?: Partial<Record<UserField | AttributeField, string | null>>;
  status?: UserStatus;
  mustChangePassword?: boolean;
  /** A password was supplied in the file for this row (kept in the plan's sealed secrets, not here). */
  suppliedPassword?: boolean;
  /** Generate a temporary password at execution. */
  generatePassword?: boolean;
  licenses?: { assign?: string[]; remove?: string[] };
  /** assign-license: disabled plans of the licenses it assigns, by SKU. */
  disabledPlans?: Record<string, string[]>;
  /** set-service-plans: the license and its disabled plans after the change. */
  servicePlans?: { sku: string; disabled: string[] };
  groups?: { add?: string[]; remove?: string[] };
}

export interface PlanRow {
  row: number;
  line: number;
  /** The row's key (lower-case e-mail), "" when the row has none. */
  key: string;
  outcome: Outcome;
  /** Human reason: why it errors or skips, or a one-line description of the change. */
  reason: string;
  changes: FieldChange[];
  /** Present for `change` rows. */
  action?: PlannedAction;
}

export interface PlanSummary {
  change: number;
  skip: number;
  error: number;
}

export interface Plan {
  operation: Operation;
  summary: PlanSummary;
  /** In file order. */
  rows: PlanRow[];
  /** Order in which `change` rows must execute (row numbers): creates after their in-file managers. */
  executionOrder: number[];
  warnings: string[];
  /** The file's header, so results CSVs can re-emit the original columns. */
  header: string[];
}
