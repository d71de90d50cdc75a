// Loads the part of the directory a plan needs, in a fixed number of queries whatever the file size:
// the users a file names (keys and managers) plus their manager chains, every license with its seat
// use, and every group.
import { sql } from "drizzle-orm";
import type { DirectoryGroup, DirectoryLicense, DirectoryUser, DirectoryView } from "../core/types.ts";
import { type Executor, queryRows } from "./client.ts";

interface UserSqlRow {
  id: string;
  email: string;
  display_name: string;
  first_name: string | null;
  last_name: string | null;
  username: string | null;
  department: string | null;
  job_title: string | null;
  manager: string | null;
  employee_id: string | null;
  office: string | null;
  phone: string | null;
  mobile: string | null;
  city: string | null;
  country: string | null;
  usage_location: string | null;
  attributes: Record<string, string> | string | null;
  status: DirectoryUser["status"];
  must_change_password: boolean;
  licenses: string[] | string | null;
  disabled_plans: Record<string, string[]> | string | null;
  groups: string[] | string | null;
  last_login_at: string | null;
  created_at: string;
  disabled_at: string | null;
  deleted_at: string | null;
}

/** Columns of a DirectoryUser, selected from `users u` (with `m` its manager). */
export const DIRECTORY_USER_COLUMNS = sql.raw(`
  u.id::text as id, u.email, u.display_name, u.first_name, u.last_name, u.username, u.department,
  u.job_title, m.email as manager, u.employee_id, u.office, u.phone, u.mobile, u.city, u.country,
  u.usage_location, u.attributes, u.status, u.must_change_password,
  coalesce((select json_agg(l.sku order by l.sku) from license_assignments la join licenses l on l.id = la.license_id
            where la.user_id = u.id), '[]'::json) as licenses,
  coalesce((select json_object_agg(upper(l.sku), la.disabled_plans) from license_assignments la
            join licenses l on l.id = la.license_id
            where la.user_id = u.id and la.disabled_plans <> '[]'::jsonb), '{}'::json) as disabled_plans,
  coalesce((select json_agg(g.name order by g.name) from group_members gm join groups g on g.id = gm.group_id
            where gm.user_id = u.id), '[]'::json) as groups,
  u.last_login_at::text as last_login_at, u.created_at::text as created_at,
  u.disabled_at::text as disabled_at, u.deleted_at::text as deleted_at`);

function parseJson<T>(value: T | string | null, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}

function isoOrNull(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

export function toDirectoryUser(row: UserSqlRow): DirectoryUser {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    firstName: row.first_name,
    lastName: row.last_name,
    username: row.username,
    department: row.department,
    jobTitle: row.job_title,
    manager: row.manager,
    employeeId: row.employee_id,
    office: row.office,
    phone: row.phone,
    mobile: row.mobile,
    city: row.city,
    country: row.country,
    usageLocation: row.usage_location,
    attributes: parseJson(row.attributes, {}),
    status: row.status,
    mustChangePassword: row.must_change_password,
    licenses: parseJson(row.licenses, []),
    disabledPlans: parseJson(row.disabled_plans, {}),
    groups: parseJson(row.groups, []),
    lastLoginAt: isoOrNull(row.last_login_at),
    createdAt: new Date(row.created_at).toISOString(),
    disabledAt: isoOrNull(row.disabled_at),
    deletedAt: isoOrNull(row.deleted_at),
  };
}

/** The users with these e-mails (lower-case) and every manager above them. */
export async function loadUsersWithChains(
  db: Executor,
  emails: string[],
): Promise<Map<string, DirectoryUser>> {
  const users = new Map<string, DirectoryUser>();
  if (emails.length === 0) return users;
  const rows = await queryRows<UserSqlRow>(
    db,
    sql`with recursive chain(id, manager_id, depth) as (
          select u.id, u.manager_id, 0 from users u
          where u.email in (select jsonb_array_elements_text(${JSON.stringify(emails)}::jsonb))
          union
          select p.id, p.manager_id, c.depth + 1 from users p join chain c on p.id = c.manager_id
          where c.depth < 1000
        )
        select ${DIRECTORY_USER_COLUMNS}
        from users u left join users m on m.id = u.manager_id
        where u.id in (select id from chain)`,
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
): Promise<DirectoryView> {
  const unique = [...new Set([...emails].map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const [users, licenses, groups] = [
    await loadUsersWithChains(db, unique),
    await loadLicenses(db),
    await loadGroups(db),
  ];
  return { users, licenses, groups, now: now.toISOString() };
}
