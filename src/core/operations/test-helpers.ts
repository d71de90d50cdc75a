// Test helpers: CsvTables and DirectoryViews built by hand (no CSV reader involved). Not for production.

import { planOperation } from "../plan.ts";
import { FIELD_HEADERS } from "../plan-rules/fields.ts";
import type {
  ColumnMapping,
  CsvRecord,
  CsvTable,
  DirectoryGroup,
  DirectoryLicense,
  DirectoryUser,
  DirectoryView,
  Field,
  Operation,
  Plan,
  PlanRow,
} from "../types.ts";

const normalise = (h: string) => h.toLowerCase().replace(/[\s_-]/g, "");

/** Template headers (and the field names themselves) → fields, plus a few aliases tests like. */
const DEFAULT_MAPPING = new Map<string, Field>();
for (const [field, header] of Object.entries(FIELD_HEADERS) as [Field, string][]) {
  DEFAULT_MAPPING.set(normalise(header), field);
  DEFAULT_MAPPING.set(normalise(field), field);
}
DEFAULT_MAPPING.delete("username"); // "User Name" is the UPN in the M365 admin center
for (const [alias, field] of [
  ["email", "email"],
  ["emailaddress", "email"],
  ["username", "email"],
  ["groups", "group"],
  ["licenses", "license"],
  ["blocksignin(yes/no)", "blockSignIn"],
] as const) {
  DEFAULT_MAPPING.set(normalise(alias), field);
}

/**
 * A CsvTable as the reader would produce it. Headers map through `mapping` (header → field, null =
 * ignored), else through the template header names. Cells beyond the header's width become extraCells
 * (non-empty only). Rows are numbered 1…; line = row + 1.
 */
export function tableOf(
  header: string[],
  rows: string[][],
  mapping: Record<string, Field | null> = {},
): CsvTable {
  const columns: ColumnMapping[] = header.map((h, index) => ({
    index,
    header: h,
    field: h in mapping ? (mapping[h] ?? null) : (DEFAULT_MAPPING.get(normalise(h)) ?? null),
  }));
  const records: CsvRecord[] = rows.map((cells, i) => {
    const values: Partial<Record<Field, string>> = {};
    for (const c of columns) if (c.field !== null) values[c.field] = (cells[c.index] ?? "").trim();
    return {
      row: i + 1,
      line: i + 2,
      values,
      cells,
      extraCells: cells.slice(header.length).filter((c) => c.trim() !== ""),
    };
  });
  const warnings = columns
    .filter((c) => c.field === null)
    .map((c) => `Column '${c.header}' is not recognised and was ignored.`);
  return { encoding: "utf-8", delimiter: ",", header, columns, records, warnings };
}

let nextId = 1;

export function userOf(email: string, overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    id: `u${nextId++}`,
    email: email.toLowerCase(),
    displayName: email.split("@")[0] ?? email,
    firstName: null,
    lastName: null,
    username: null,
    department: null,
    jobTitle: null,
    manager: null,
    employeeId: null,
    office: null,
    phone: null,
    mobile: null,
    city: null,
    country: null,
    usageLocation: null,
    attributes: {},
    status: "active",
    mustChangePassword: false,
    licenses: [],
    disabledPlans: {},
    groups: [],
    lastLoginAt: null,
    createdAt: "2024-01-01T00:00:00.000Z",
    disabledAt: null,
    deletedAt: null,
    ...overrides,
  };
}

export const NOW = "2025-06-01T12:00:00.000Z";

export function directoryOf(
  input: {
    users?: DirectoryUser[];
    licenses?: Array<
      Pick<DirectoryLicense, "sku" | "totalSeats" | "assignedSeats"> & {
        name?: string;
        servicePlans?: string[];
      }
    >;
    groups?: string[];
    now?: string;
  } = {},
): DirectoryView {
  const users = new Map<string, DirectoryUser>();
  for (const u of input.users ?? []) users.set(u.email.toLowerCase(), u);
  const licenses = new Map<string, DirectoryLicense>();
  for (const l of input.licenses ?? [])
    licenses.set(l.sku.toUpperCase(), { name: l.sku, servicePlans: [], ...l });
  const groups = new Map<string, DirectoryGroup>();
  for (const [i, name] of (input.groups ?? []).entries())
    groups.set(name.toLowerCase(), { id: `g${i + 1}`, name });
  return { users, licenses, groups, now: input.now ?? NOW };
}

/** Plan and unwrap (throws on a refusal), with PASSWORD_MIN_LENGTH 8 unless given. */
export function planOf(
  operation: Operation,
  table: CsvTable,
  directory: DirectoryView = directoryOf(),
  passwordMinLength = 8,
): { plan: Plan; secrets: Map<number, string>; row: (n: number) => PlanRow } {
  const result = planOperation({ operation, table, directory, options: { passwordMinLength } });
  if (!result.ok) throw new Error(`refused: ${result.refusal.message}`);
  const { plan, secrets } = result;
  return {
    plan,
    secrets,
    row: (n) => {
      const r = plan.rows.find((x) => x.row === n);
      if (r === undefined) throw new Error(`no row ${n}`);
      return r;
    },
  };
}
