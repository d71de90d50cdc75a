// What every operation module provides, and what the planner hands to it.

import * as z from "zod";
import type { LicenseCatalog } from "../plan-rules/catalog.ts";
import type {
  CsvRecord,
  DirectoryUser,
  DirectoryView,
  Field,
  FieldChange,
  Operation,
  PlannedAction,
} from "../types.ts";

export interface PlanOptions {
  /** PASSWORD_MIN_LENGTH: supplied passwords shorter than this fail their row. */
  passwordMinLength: number;
  /** BULKUSERS_DOMAINS, lower-case: new addresses outside them fail. Absent or empty: no check. */
  domains?: readonly string[];
}

/** Built once per plan and shared by every row. */
export interface PlanContext {
  operation: Operation;
  directory: DirectoryView;
  options: PlanOptions;
  /** directory.now in epoch milliseconds. */
  nowMs: number;
  licenses: LicenseCatalog;
  /** The header this file uses for a field (for messages); the template header when the file has none. */
  headerOf(field: Field): string;
  /** The fields this file's columns map to, in column order, each once. */
  fields: readonly Field[];
  /** Per-plan memo for work that repeats across rows (e.g. resolving the same license cell). */
  memo: Map<string, unknown>;
}

export interface ErrorDraft {
  outcome: "error";
  reason: string;
}

export interface SkipDraft {
  outcome: "skip";
  reason: string;
}

export interface ChangeDraft {
  outcome: "change";
  reason: string;
  changes: FieldChange[];
  action: PlannedAction;
  /** A password supplied in the file: goes to PlanResult.secrets, never into the plan. */
  password?: string;
  /** create: the manager's e-mail when the manager is not in the directory (must be created by this file). */
  dependsOn?: string;
  /** update: the manager this row sets when it changes (null = cleared); checked for reporting cycles. */
  newManager?: string | null;
}

/** One row's verdict before the plan-wide rules (in-file managers, cycles, seats) have run. */
export type RowDraft = ErrorDraft | SkipDraft | ChangeDraft;

export interface OperationDefinition {
  operation: Operation;
  /** Human title, e.g. "Create users". */
  title: string;
  description: string;
  /** Columns the file must have (`csv.missing_column` otherwise). */
  requiredFields: Field[];
  /** Fields the operation reads; other mapped columns are ignored (with one warning). */
  usedFields: Field[];
  /** The downloadable template's header. */
  templateColumns: string[];
  /** Example rows for the template (example.com addresses), aligned with templateColumns. */
  templateExample: string[][];
  /** Shape of one row's values (field → string), for callers that receive rows as JSON. */
  rowSchema: z.ZodType<Partial<Record<Field, string>>>;
  /**
   * Decide one row. The key is already validated (lower-case e-mail) and unique in the file; formulas and
   * extra cells are already checked. Pure.
   */
  planRow(record: CsvRecord, key: string, ctx: PlanContext): RowDraft;
  /**
   * Operations on (user, item) pairs (licenses, groups) read files with one row per assignment: the same
   * user on several rows is normal, only a pair named twice is a duplicate. The comparison keys of the
   * items the row names; absent for operations where the user alone is the row's key.
   */
  pairKeys?(record: CsvRecord, ctx: PlanContext): readonly string[];
}

export function rowSchemaFor(
  required: readonly Field[],
  used: readonly Field[],
): z.ZodType<Partial<Record<Field, string>>> {
  const shape: Record<string, z.ZodType<string | undefined>> = {};
  for (const f of used) shape[f] = required.includes(f) ? z.string().trim().min(1) : z.string().optional();
  return z.strictObject(shape) as unknown as z.ZodType<Partial<Record<Field, string>>>;
}

/** The template rows of operations whose file is a list of e-mails. */
export const EMAIL_ONLY_EXAMPLE = [["jane.doe@example.com"], ["john.smith@example.com"]];

/** What an operation reads from a file and offers as its template; rowSchema follows from the fields. */
export function fileShape(
  required: Field[],
  used: Field[],
  templateColumns: string[],
  templateExample: string[][],
): Pick<
  OperationDefinition,
  "requiredFields" | "usedFields" | "templateColumns" | "templateExample" | "rowSchema"
> {
  return {
    requiredFields: required,
    usedFields: used,
    templateColumns,
    templateExample,
    rowSchema: rowSchemaFor(required, used),
  };
}

/** A mapped value of the record ("" when blank or absent). The reader has already trimmed it. */
export function cell(record: CsvRecord, field: Field): string {
  return record.values[field] ?? "";
}

/** A value the operation needs on every row: "" (and "<Header> is required" in `errors`) when blank. */
export function requiredCell(record: CsvRecord, field: Field, ctx: PlanContext, errors: string[]): string {
  const value = cell(record, field);
  if (value === "") errors.push(`${ctx.headerOf(field)} is required`);
  return value;
}

export function error(reason: string): ErrorDraft {
  return { outcome: "error", reason };
}

export function skip(reason: string): SkipDraft {
  return { outcome: "skip", reason };
}

export const USER_NOT_FOUND = "User not found";
export const USER_DELETED = "This user is deleted; restore it first";

/** The target user for operations on existing users: missing → error; deleted → error unless allowed. */
export function existingUser(
  key: string,
  ctx: PlanContext,
  allowDeleted = false,
): { user: DirectoryUser } | { draft: ErrorDraft } {
  const user = ctx.directory.users.get(key);
  if (user === undefined) return { draft: error(USER_NOT_FOUND) };
  if (user.status === "deleted" && !allowDeleted) return { draft: error(USER_DELETED) };
  return { user };
}
