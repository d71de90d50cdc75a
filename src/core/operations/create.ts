// create: new users. A row whose user already exists is a skip when every value the row gives equals the
// current one (password and ForceChangePassword are not compared: they cannot be read back), an error
// ("already exists; use update") otherwise. An address held by a deleted user cannot be reused: restore it.
// The manager is an existing (active or disabled, not deleted) user or a user created by this file in any
// row order; the planner orders creates after their in-file managers and fails cycles and rows whose
// manager row failed. License and Groups are assigned at creation; licenses need free seats.
// BlockSignIn = Yes creates the user disabled. ForceChangePassword defaults to Yes. A blank password, or a
// masked one as vendors export it (`****`), is generated at execution.

import { checkPassword, isMaskedPassword, suppliedPassword } from "../passwords.ts";
import { domainProblem } from "../plan-rules/domains.ts";
import { currentValue, PROFILE_FIELDS } from "../plan-rules/fields.ts";
import { deriveDisplayName, formatList, isClearToken, yesNo } from "../plan-rules/values.ts";
import type { AttributeField, Field, FieldChange, PlannedAction, UserField } from "../types.ts";
import { type ChangeDraft, cell, error, type OperationDefinition, rowSchemaFor, skip } from "./definition.ts";
import { hasGroup, hasSku, resolveGroups, resolveLicenses } from "./lists.ts";
import { PROFILE_TEMPLATE_COLUMNS, parseProfile } from "./profile.ts";

const REQUIRED: Field[] = ["email"];
const USED: Field[] = [
  "email",
  ...PROFILE_FIELDS,
  "manager",
  "password",
  "forceChangePassword",
  "blockSignIn",
  "license",
  "group",
];

/** A masked password (`****` in a Google Workspace export) is not a password: one is generated. */
export const MASKED_PASSWORD_NOTE = "(generated: the file's value is masked)";

export const ALREADY_EXISTS_SAME = "User already exists with the same values";

export const createOperation: OperationDefinition = {
  operation: "create",
  title: "Create users",
  description:
    "Creates one user per row. Blank passwords are generated; users change their password at first sign-in " +
    "unless ForceChangePassword is No. Manager may be another user created by the same file.",
  requiredFields: REQUIRED,
  usedFields: USED,
  templateColumns: [
    "UserPrincipalName",
    "DisplayName",
    "FirstName",
    "LastName",
    "Password",
    "ForceChangePassword",
    "BlockSignIn",
    ...PROFILE_TEMPLATE_COLUMNS,
    "License",
    "Groups",
    // Where the welcome message goes before the hire has a mailbox, and the first day it names.
    "PersonalEmail",
    "StartDate",
  ],
  templateExample: [
    [
      "jane.doe@example.com",
      "Jane Doe",
      "Jane",
      "Doe",
      "",
      "Yes",
      "No",
      "Sales",
      "Sales Director",
      "",
      "10001",
      "London",
      "+44 20 7946 0000",
      "+44 7700 900000",
      "1 Example Street",
      "London",
      "",
      "EC1A 1AA",
      "United Kingdom",
      "GB",
      "Example Ltd",
      "jdoe",
      "",
      "M365_E3",
      "dept-sales; all-staff",
      "jane.doe.home@example.net",
      "2026-01-05",
    ],
    [
      "john.smith@example.com",
      "",
      "John",
      "Smith",
      "",
      "Yes",
      "No",
      "Sales",
      "Account Executive",
      "jane.doe@example.com",
      "10002",
      "London",
      "",
      "",
      "",
      "London",
      "",
      "",
      "United Kingdom",
      "GB",
      "Example Ltd",
      "jsmith",
      "",
      "M365_E3",
      "dept-sales",
      "",
      "2026-01-12",
    ],
  ],
  rowSchema: rowSchemaFor(REQUIRED, USED),

  planRow(record, key, ctx) {
    const p = parseProfile(record, key, ctx, "create");
    const errors = p.errors;
    const { fields, values } = p;

    const domain = domainProblem(key, ctx.options.domains);
    if (domain !== null) errors.push(domain);
    const masked = isMaskedPassword(cell(record, "password"));
    const password = suppliedPassword(cell(record, "password"));
    if (password !== "") {
      const check = checkPassword(password, ctx.options.passwordMinLength);
      if (!check.ok) errors.push(check.reason);
    }
    const licenses = resolveLicenses(cell(record, "license"), ctx, errors);
    const groups = resolveGroups(cell(record, "group"), ctx, errors);
    if (errors.length > 0) return error(errors.join("; "));

    const blocked = p.blockSignIn === true;
    const existing = ctx.directory.users.get(key);
    if (existing !== undefined) {
      if (existing.status === "deleted") {
        return error("This address belongs to a deleted user; restore it first (operation restore)");
      }
      const differs: string[] = [];
      for (let k = 0; k < fields.length; k++) {
        if (currentValue(existing, fields[k]!) !== values[k]) differs.push(ctx.headerOf(fields[k]!));
      }
      if (p.manager !== undefined && p.manager !== (existing.manager ?? null)) {
        differs.push(ctx.headerOf("manager"));
      }
      if (p.blockSignIn !== undefined && (existing.status === "disabled") !== p.blockSignIn) {
        differs.push(ctx.headerOf("blockSignIn"));
      }
      if (licenses.some((l) => !hasSku(existing.licenses, l.sku))) differs.push(ctx.headerOf("license"));
      if (groups.some((g) => !hasGroup(existing.groups, g.name))) differs.push(ctx.headerOf("group"));
      if (differs.length === 0) return skip(ALREADY_EXISTS_SAME);
      return error(`User already exists; use update (different: ${differs.join(", ")})`);
    }

    // Only a user that will really be created needs a display name.
    let displayName = cell(record, "displayName");
    if (displayName === "" || isClearToken(displayName)) {
      displayName = deriveDisplayName(
        orBlank(cell(record, "firstName")),
        orBlank(cell(record, "lastName")),
        orBlank(cell(record, "username")),
      );
      if (displayName === "") {
        return error(
          `${ctx.headerOf("displayName")} is required: fill it in, or give FirstName/LastName or Name to derive it from`,
        );
      }
    }

    let dependsOn: string | undefined;
    if (p.manager) {
      const m = ctx.directory.users.get(p.manager);
      if (m === undefined) dependsOn = p.manager;
      else if (m.status === "deleted") return error(`Manager ${p.manager} is deleted`);
    }

    const set: Partial<Record<UserField | AttributeField, string | null>> = { email: key, displayName };
    const changes: FieldChange[] = [
      { field: "email", from: null, to: key },
      { field: "displayName", from: null, to: displayName },
    ];
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      if (f === "displayName") continue;
      const v = values[k]!;
      set[f] = v;
      changes.push({ field: f, from: null, to: v });
    }
    if (p.manager) {
      set.manager = p.manager;
      changes.push({ field: "manager", from: null, to: p.manager });
    }
    const status = blocked ? "disabled" : "active";
    const mustChangePassword = p.forceChangePassword !== false;
    // Only what the file gives: defaults (active, generated password, must change) are not listed.
    if (p.blockSignIn !== undefined) changes.push({ field: "status", from: null, to: status });
    if (password !== "") changes.push({ field: "password", from: null, to: "(from file)" });
    else if (masked) changes.push({ field: "password", from: null, to: MASKED_PASSWORD_NOTE });
    if (p.forceChangePassword !== undefined) {
      changes.push({ field: "mustChangePassword", from: null, to: yesNo(mustChangePassword) });
    }

    const action: PlannedAction = { kind: "create", email: key, set, status, mustChangePassword };
    if (password !== "") action.suppliedPassword = true;
    else action.generatePassword = true;
    if (licenses.length > 0) {
      const { names, text } = namesOf(licenses, (l) => l.sku);
      action.licenses = { assign: names.slice() };
      changes.push({ field: "licenses", from: null, to: text });
    }
    if (groups.length > 0) {
      const { names, text } = namesOf(groups, (g) => g.name);
      action.groups = { add: names.slice() };
      changes.push({ field: "groups", from: null, to: text });
    }

    const draft: ChangeDraft = {
      outcome: "change",
      reason: blocked ? "Create user (sign-in blocked)" : "Create user",
      changes,
      action,
    };
    if (password !== "") draft.password = password;
    if (dependsOn !== undefined) draft.dependsOn = dependsOn;
    return draft;
  },
};

/** In a create, the clear token means blank. */
function orBlank(value: string): string {
  return isClearToken(value) ? "" : value;
}

const namesMemo = new WeakMap<readonly object[], { names: string[]; text: string | null }>();

/** Names of resolved licenses/groups and their display text, once per distinct resolved list. */
function namesOf<T extends object>(items: readonly T[], name: (item: T) => string) {
  let r = namesMemo.get(items);
  if (r === undefined) {
    const names = items.map(name);
    r = { names, text: formatList(names) };
    namesMemo.set(items, r);
  }
  return r;
}
