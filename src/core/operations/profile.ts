// The user-describing columns shared by create and update: profile text fields, manager, the two
// booleans. Row-local only: whether the manager exists is decided by the operation and the planner.

import { invalidEmailMessage, isValidEmail } from "../plan-rules/email.ts";
import { PROFILE_FIELDS, type ProfileField } from "../plan-rules/fields.ts";
import { booleanMessage, isClearToken, parseBoolean, quoteValue } from "../plan-rules/values.ts";
import type { CsvRecord, Field } from "../types.ts";
import { cell, type PlanContext } from "./definition.ts";

const PROFILE_SET: ReadonlySet<string> = new Set(PROFILE_FIELDS);

/** AD exports write the manager as a distinguished name (`CN=Jane Doe,OU=…`). */
export function isDistinguishedName(value: string): boolean {
  return /^cn=/i.test(value);
}

const profileFieldsOf = new WeakMap<PlanContext, ProfileField[]>();

/** The profile fields this file maps, in column order (computed once per plan). */
function mappedProfileFields(ctx: PlanContext): ProfileField[] {
  let fields = profileFieldsOf.get(ctx);
  if (fields === undefined) {
    fields = ctx.fields.filter((f): f is ProfileField => PROFILE_SET.has(f));
    profileFieldsOf.set(ctx, fields);
  }
  return fields;
}

export interface ParsedProfile {
  errors: string[];
  /** Profile fields given in the row (non-blank), in column order; `values` holds their values. */
  fields: ProfileField[];
  /** Values of `fields`, normalised. null = the clear token (update only). */
  values: (string | null)[];
  /** Manager e-mail (lower-case); null = clear token (update only); undefined = blank. */
  manager: string | null | undefined;
  forceChangePassword: boolean | undefined;
  blockSignIn: boolean | undefined;
}

export function parseProfile(
  record: CsvRecord,
  key: string,
  ctx: PlanContext,
  mode: "create" | "update",
): ParsedProfile {
  const errors: string[] = [];
  const fields: ProfileField[] = [];
  const values: (string | null)[] = [];
  for (const f of mappedProfileFields(ctx)) {
    const raw = cell(record, f);
    if (raw === "") continue;
    if (raw.charCodeAt(0) === 91 /* [ */ && isClearToken(raw)) {
      if (mode === "create") continue; // nothing to clear in a new user
      if (f === "displayName") errors.push(`${ctx.headerOf(f)} cannot be cleared`);
      else {
        fields.push(f);
        values.push(null);
      }
      continue;
    }
    if (f === "usageLocation") {
      if (!/^[a-z]{2}$/i.test(raw)) {
        errors.push(
          `${ctx.headerOf(f)} ${quoteValue(raw)} is not a two-letter country code (for example US, GB, DE)`,
        );
        continue;
      }
      fields.push(f);
      values.push(raw.toUpperCase());
      continue;
    }
    fields.push(f);
    values.push(raw);
  }

  let manager: string | null | undefined;
  const rawManager = cell(record, "manager");
  if (rawManager !== "") {
    if (isClearToken(rawManager)) {
      manager = mode === "update" ? null : undefined;
    } else if (isDistinguishedName(rawManager)) {
      errors.push(
        `${ctx.headerOf("manager")} ${quoteValue(rawManager)} is an AD distinguished name; write the manager's e-mail address`,
      );
    } else {
      const m = rawManager.toLowerCase();
      if (!isValidEmail(m)) errors.push(`${ctx.headerOf("manager")}: ${invalidEmailMessage(rawManager)}`);
      else if (m === key) errors.push("A user cannot be their own manager");
      else manager = m;
    }
  }

  return {
    errors,
    fields,
    values,
    manager,
    forceChangePassword: readBoolean(record, "forceChangePassword", ctx, errors),
    blockSignIn: readBoolean(record, "blockSignIn", ctx, errors),
  };
}

/** An optional yes/no column: undefined when blank; an error (naming the column) when not yes/no. */
export function readBoolean(
  record: CsvRecord,
  field: Field,
  ctx: PlanContext,
  errors: string[],
): boolean | undefined {
  const raw = cell(record, field);
  if (raw === "" || isClearToken(raw)) return undefined;
  const b = parseBoolean(raw);
  if (b === undefined) errors.push(booleanMessage(raw, ctx.headerOf(field)));
  return b;
}

/** The profile columns of the create and update templates, in template order (same names, same order). */
export const PROFILE_TEMPLATE_COLUMNS = [
  "Department",
  "JobTitle",
  "Manager",
  "EmployeeId",
  "Office",
  "Phone",
  "Mobile",
  "StreetAddress",
  "City",
  "State",
  "PostalCode",
  "Country",
  "UsageLocation",
  "Company",
  "Name",
  "CustomAttribute1",
] as const;
