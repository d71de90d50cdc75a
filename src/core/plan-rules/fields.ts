// Field names as the planner and the templates speak them.

import {
  ATTRIBUTE_FIELDS,
  type AttributeField,
  type DirectoryUser,
  type Field,
  type Refusal,
  type UserField,
} from "../types.ts";

const ATTRIBUTE_HEADERS = Object.fromEntries(
  ATTRIBUTE_FIELDS.map((f) => [f, f.charAt(0).toUpperCase() + f.slice(1)]),
) as Record<AttributeField, string>;

/**
 * The header each field gets in templates and in tables built from a selection. Every one of these must
 * map back to its field through the CSV reader's alias table.
 *
 * `username` is `Name` (Outlook Live), not `Username`: header matching ignores spaces, and the Microsoft 365
 * admin center's `User Name` column is the UPN, so `Username` would collide with the e-mail column.
 */
export const FIELD_HEADERS: Record<Field, string> = {
  email: "UserPrincipalName",
  displayName: "DisplayName",
  firstName: "FirstName",
  lastName: "LastName",
  username: "Name",
  department: "Department",
  jobTitle: "JobTitle",
  manager: "Manager",
  employeeId: "EmployeeId",
  office: "Office",
  phone: "Phone",
  mobile: "Mobile",
  city: "City",
  country: "Country",
  usageLocation: "UsageLocation",
  password: "Password",
  forceChangePassword: "ForceChangePassword",
  blockSignIn: "BlockSignIn",
  license: "License",
  removeLicense: "RemoveLicense",
  group: "Group",
  effectiveDate: "EffectiveDate",
  lastDay: "LastDay",
  disabledPlans: "DisabledPlans",
  enablePlans: "EnablePlans",
  disablePlans: "DisablePlans",
  ...ATTRIBUTE_HEADERS,
};

/** Text fields that describe a user (everything create/update writes except the key and the manager). */
export const PROFILE_FIELDS = [
  "displayName",
  "firstName",
  "lastName",
  "username",
  "department",
  "jobTitle",
  "employeeId",
  "office",
  "phone",
  "mobile",
  "city",
  "country",
  "usageLocation",
  ...ATTRIBUTE_FIELDS,
] as const satisfies readonly (UserField | AttributeField)[];
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** FIELD_HEADERS[field], typed as always present (custom attribute fields are a template-literal type). */
export function fieldHeader(field: Field): string {
  return FIELD_HEADERS[field] ?? field;
}

const ATTRIBUTE_SET: ReadonlySet<string> = new Set(ATTRIBUTE_FIELDS);

export function isAttributeField(field: string): field is AttributeField {
  return ATTRIBUTE_SET.has(field);
}

/** The user's current value of a profile field; "" counts as null. */
export function currentValue(user: DirectoryUser, field: ProfileField): string | null {
  const v = isAttributeField(field)
    ? user.attributes[field]
    : user[field as Exclude<ProfileField, AttributeField>];
  return v === undefined || v === null || v === "" ? null : v;
}

/** What a file-level `csv.missing_column` refusal suggests, for the fields an operation may require. */
const COLUMN_HINTS: Partial<Record<Field, { noun: string; names: string[] }>> = {
  email: { noun: "e-mail", names: ["UserPrincipalName", "Email", "EmailAddress", "User Name"] },
  license: { noun: "license", names: ["License", "Licenses", "SKU"] },
  group: { noun: "group", names: ["Group", "Groups", "GroupName"] },
};

export function missingColumnRefusal(field: Field): Refusal {
  const hint = COLUMN_HINTS[field] ?? { noun: fieldHeader(field), names: [fieldHeader(field)] };
  const [first, ...rest] = hint.names;
  const alternatives = rest.length > 0 ? ` (or ${rest.join(", ")})` : "";
  return {
    code: "csv.missing_column",
    message: `The file has no ${hint.noun} column. Add a column named ${first}${alternatives}.`,
  };
}
