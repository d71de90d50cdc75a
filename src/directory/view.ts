// Loads the part of the directory a plan needs, in a fixed number of queries whatever the file size:
// the users a file names (keys and managers) — with only the columns, licenses, groups and manager chains
// the operation's columns need — every license with its seat use, and every group.
import { sql } from "drizzle-orm";
import {
  ATTRIBUTE_FIELDS,
  type DirectoryGroup,
  type DirectoryLicense,
  type DirectoryUser,
  type DirectoryView,
  type Operation,
} from "../core/types.ts";
import { anyOf, type Executor, queryRows } from "./client.ts";

interface UserSqlRow {
  id: string;
  email: string;
  display_name: string;
  first_name?: string | null;
  last_name?: string | null;
  username?: string | null;
  department?: string | null;
  job_title?: string | null;
  manager?: string | null;
  employee_id?: string | null;
  office?: string | null;
  phone?: string | null;
  mobile?: string | null;
  city?: string | null;
  country?: string | null;
  usage_location?: string | null;
  attributes?: Record<string, string> | string | null;
  status: DirectoryUser["status"];
  must_change_password: boolean;
  licenses?: string[] | string | null;
  disabled_plans?: Record<string, string[]> | string | null;
  groups?: string[] | string | null;
  last_login_at?: string | null;
  created_at?: string;
  disabled_at: string | null;
  deleted_at: string | null;
}

/**
 * What a plan reads from the directory beyond each named user's status: decided by the operation and the
 * file's columns (viewNeedsFor), so e.g. a Department update neither loads manager chains nor aggregates
 * every user's licenses and groups. Everything not needed comes back empty (null, [] or {}).
 */
export interface ViewNeeds {
  /** The profile fields to read (DirectoryUser names), or all of them. */
  profile: "all" | ReadonlySet<string>;
  /** Custom attributes (`users.attributes`). */
  attributes: boolean;
  /** Each user's licenses (with the service plans turned off in each) / group names. */
  licenses: boolean;
  groups: boolean;
  /** Every manager above the named users (reporting-cycle checks). */
  chains: boolean;
  /**
   * When each user last signed in and was created (inactivity reports, filters). Planning never reads
   * them: without, `lastLoginAt` is null and `createdAt` "".
   */
  activity: boolean;
}

export const ALL_NEEDS: ViewNeeds = {
  profile: "all",
  attributes: true,
  licenses: true,
  groups: true,
  chains: true,
  activity: true,
};

/** Profile columns: DirectoryUser field → `users` column. */
const PROFILE_COLUMNS: readonly (readonly [field: string, column: string])[] = [
  ["firstName", "first_name"],
  ["lastName", "last_name"],
  ["username", "username"],
  ["department", "department"],
  ["jobTitle", "job_title"],
  ["employeeId", "employee_id"],
  ["office", "office"],
  ["phone", "phone"],
  ["mobile", "mobile"],
  ["city", "city"],
  ["country", "country"],
  ["usageLocation", "usage_location"],
];

const LICENSES_SQL = `coalesce((select json_agg(l.sku order by l.sku) from license_assignments la join licenses l on l.id = la.license_id
            where la.user_id = u.id), '[]'::json)`;
const DISABLED_PLANS_SQL = `coalesce((select json_object_agg(upper(l.sku), la.disabled_plans) from license_assignments la
            join licenses l on l.id = la.license_id
            where la.user_id = u.id and la.disabled_plans <> '[]'::jsonb), '{}'::json)`;
const GROUPS_SQL = `coalesce((select json_agg(g.name order by g.name) from group_members gm join groups g on g.id = gm.group_id
            where gm.user_id = u.id), '[]'::json)`;

/**
 * The select list of a DirectoryUser from `users u` (with `m` its manager, see needsManager), reading only
 * what is needed: a column not needed is left out, not selected as null (toDirectoryUser fills it in) —
 * at 50,000 rows every column costs parsing time in the driver, most of all on PGlite.
 */
export function directoryUserColumns(needs: ViewNeeds) {
  const wanted = (field: string) => needs.profile === "all" || needs.profile.has(field);
  const columns = [
    "u.id::text as id, u.email, u.display_name",
    ...(needsManager(needs) ? ["m.email as manager"] : []),
    ...PROFILE_COLUMNS.flatMap(([field, column]) => (wanted(field) ? [`u.${column}`] : [])),
    ...(needs.attributes ? ["u.attributes"] : []),
    "u.status, u.must_change_password",
    ...(needs.licenses ? [`${LICENSES_SQL} as licenses`, `${DISABLED_PLANS_SQL} as disabled_plans`] : []),
    ...(needs.groups ? [`${GROUPS_SQL} as groups`] : []),
    ...(needs.activity ? ["u.last_login_at::text as last_login_at, u.created_at::text as created_at"] : []),
    "u.disabled_at::text as disabled_at, u.deleted_at::text as deleted_at",
  ];
  return sql.raw(columns.join(",\n  "));
}

/** Whether the users' managers are read (the select list then needs `left join users m on m.id = u.manager_id`). */
export function needsManager(needs: ViewNeeds): boolean {
  return needs.chains || needs.profile === "all" || needs.profile.has("manager");
}

/** Columns of a whole DirectoryUser, selected from `users u` (with `m` its manager). */
export const DIRECTORY_USER_COLUMNS = directoryUserColumns(ALL_NEEDS);

/** What planning `operation` over a file with these fields reads from the directory. */
export function viewNeedsFor(operation: Operation, fields: Iterable<string>): ViewNeeds {
  const given = new Set(fields);
  const profileOps: Operation[] = ["create", "update"];
  return {
    profile: profileOps.includes(operation) ? given : new Set(),
    attributes: profileOps.includes(operation) && [...given].some((f) => isAttributeField(f)),
    licenses:
      operation === "assign-license" ||
      operation === "remove-license" ||
      operation === "set-service-plans" ||
      (operation === "create" && given.has("license")),
    groups:
      operation === "add-to-group" ||
      operation === "remove-from-group" ||
      (operation === "create" && given.has("group")),
    // Chains find the reporting cycles a manager change could close. A create cannot close one through
    // the directory: no existing user reports to someone not created yet, so a walk up from a new user
    // that reaches the directory never comes back (cycles among the file's own new users need no chains).
    // Skipping them saved the 50,000-row create file a recursive query of ~200 ms.
    chains: operation !== "create" && given.has("manager"),
    activity: false,
  };
}

const isAttributeField = (field: string) => (ATTRIBUTE_FIELDS as readonly string[]).includes(field);

function parseJson<T>(value: T | string | null | undefined, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}

function isoOrNull(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : new Date(value).toISOString();
}

export function toDirectoryUser(row: UserSqlRow): DirectoryUser {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    firstName: row.first_name ?? null,
    lastName: row.last_name ?? null,
    username: row.username ?? null,
    department: row.department ?? null,
    jobTitle: row.job_title ?? null,
    manager: row.manager ?? null,
    employeeId: row.employee_id ?? null,
    office: row.office ?? null,
    phone: row.phone ?? null,
    mobile: row.mobile ?? null,
    city: row.city ?? null,
    country: row.country ?? null,
    usageLocation: row.usage_location ?? null,
    attributes: parseJson(row.attributes, {}),
    status: row.status,
    mustChangePassword: row.must_change_password,
    licenses: parseJson(row.licenses, []),
    disabledPlans: parseJson(row.disabled_plans, {}),
    groups: parseJson(row.groups, []),
    lastLoginAt: isoOrNull(row.last_login_at),
    createdAt: row.created_at === undefined ? "" : new Date(row.created_at).toISOString(),
    disabledAt: isoOrNull(row.disabled_at),
    deletedAt: isoOrNull(row.deleted_at),
  };
}

/** The users with these e-mails (lower-case) and, unless needs say otherwise, every manager above them. */
export async function loadUsersWithChains(
  db: Executor,
  emails: string[],
  needs: ViewNeeds = ALL_NEEDS,
): Promise<Map<string, DirectoryUser>> {
  const users = new Map<string, DirectoryUser>();
  if (emails.length === 0) return users;
  const named = sql`select u.id, u.manager_id from users u where u.email = ${anyOf(emails)}`;
  const rows = await queryRows<UserSqlRow>(
    db,
    needs.chains
      ? sql`with recursive chain(id, manager_id, depth) as (
          select n.id, n.manager_id, 0 from (${named}) n
          union
          select p.id, p.manager_id, c.depth + 1 from users p join chain c on p.id = c.manager_id
          where c.depth < 1000
        )
        select ${directoryUserColumns(needs)}
        from users u left join users m on m.id = u.manager_id
        where u.id in (select id from chain)`
      : sql`select ${directoryUserColumns(needs)}
        from users u ${needsManager(needs) ? sql`left join users m on m.id = u.manager_id` : sql``}
        where u.email = ${anyOf(emails)}`,
  );
  for (const row of rows) users.set(row.email, toDirectoryUser(row));
  return users;
}

export async function loadLicenses(db: Executor): Promise<Map<string, DirectoryLicense>> {
  const rows = await queryRows<{
    sku: string;
    name: string;
    total_seats: number;
    assigned: number;
    service_plans: string[] | string;
  }>(
    db,
    sql`select l.sku, l.name, l.total_seats, l.service_plans,
          (select count(*)::int from license_assignments la where la.license_id = l.id) as assigned
        from licenses l`,
  );
  return new Map(
    rows.map((r) => [
      r.sku.toUpperCase(),
      {
        sku: r.sku,
        name: r.name,
        totalSeats: Number(r.total_seats),
        assignedSeats: Number(r.assigned),
        servicePlans: parseJson(r.service_plans, []),
      },
    ]),
  );
}

export async function loadGroups(db: Executor): Promise<Map<string, DirectoryGroup>> {
  const rows = await queryRows<{ id: string; name: string }>(
    db,
    sql`select id::text as id, name from groups`,
  );
  return new Map(rows.map((r) => [r.name.toLowerCase(), { id: r.id, name: r.name }]));
}

export async function loadDirectoryView(
  db: Executor,
  emails: Iterable<string>,
  now: Date,
  needs: ViewNeeds = ALL_NEEDS,
): Promise<DirectoryView> {
  const unique = [...new Set([...emails].map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const [users, licenses, groups] = [
    await loadUsersWithChains(db, unique, needs),
    await loadLicenses(db),
    await loadGroups(db),
  ];
  return { users, licenses, groups, now: now.toISOString() };
}
