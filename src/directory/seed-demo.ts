// `bulkusers seed-demo`: fills an EMPTY directory with a realistic organisation (demo-organisation.ts,
// deterministic for a given seed and clock), written with a handful of set-based statements
// (jsonb_to_recordset, chunked), never one round trip per user.
//
// A second run refuses when the directory already has users (`seed.not_empty`): seeding is for empty
// demo/test databases only. Groups and licenses of the same name that exist already are reused (their
// seats raised to cover the demo's assignments), so `group add`/`license add` before seeding is fine.
import { sql } from "drizzle-orm";
import type { Refusal } from "../core/types.ts";
import { type Database, type Executor, queryRows } from "./client.ts";
import {
  DEFAULT_DEMO_DOMAIN,
  DEFAULT_DEMO_SEED,
  type DemoOptions,
  type DemoUser,
  generateDemoOrganisation,
} from "./demo-organisation.ts";
import { knownServicePlans } from "./service-plan-catalog.ts";

export interface SeedSummary {
  seed: number;
  domain: string;
  users: number;
  active: number;
  disabled: number;
  neverSignedIn: number;
  admins: number;
  serviceAccounts: number;
  departments: Record<string, number>;
  groups: number;
  memberships: number;
  licenses: Array<{ sku: string; name: string; totalSeats: number; assignedSeats: number }>;
  assignments: number;
}

// --- writing it ------------------------------------------------------------------------------

const USER_CHUNK = 2_000;
const LINK_CHUNK = 10_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function insertUsers(
  tx: Executor,
  users: readonly DemoUser[],
  onProgress?: (inserted: number) => void,
): Promise<void> {
  let inserted = 0;
  for (const chunk of chunks(users, USER_CHUNK)) {
    const payload = JSON.stringify(
      chunk.map(({ level: _level, ...u }) => ({
        id: u.id,
        email: u.email,
        display_name: u.displayName,
        first_name: u.firstName,
        last_name: u.lastName,
        username: u.username,
        department: u.department,
        job_title: u.jobTitle,
        manager_id: u.managerId,
        employee_id: u.employeeId,
        office: u.office,
        phone: u.phone,
        mobile: u.mobile,
        city: u.city,
        country: u.country,
        usage_location: u.usageLocation,
        attributes: u.attributes,
        status: u.status,
        account_type: u.accountType,
        must_change_password: u.mustChangePassword,
        last_login_at: u.lastLoginAt,
        created_at: u.createdAt,
        updated_at: u.updatedAt,
        disabled_at: u.disabledAt,
      })),
    );
    await tx.execute(sql`
      insert into users (id, email, display_name, first_name, last_name, username, department, job_title,
        manager_id, employee_id, office, phone, mobile, city, country, usage_location, attributes, status,
        account_type, must_change_password, last_login_at, created_at, updated_at, disabled_at)
      select id, email, display_name, first_name, last_name, username, department, job_title,
        manager_id, employee_id, office, phone, mobile, city, country, usage_location, attributes, status,
        account_type, must_change_password, last_login_at, created_at, updated_at, disabled_at
      from jsonb_to_recordset(${payload}::jsonb) as r(id uuid, email text, display_name text,
        first_name text, last_name text, username text, department text, job_title text, manager_id uuid,
        employee_id text, office text, phone text, mobile text, city text, country text,
        usage_location text, attributes jsonb, status text, account_type text,
        must_change_password boolean, last_login_at timestamptz, created_at timestamptz,
        updated_at timestamptz, disabled_at timestamptz)`);
    inserted += chunk.length;
    onProgress?.(inserted);
  }
}

/** Inserts (group|license, user) pairs in chunks; `table` is one of two fixed names. */
async function insertLinks(
  tx: Executor,
  table: "group_members" | "license_assignments",
  pairs: ReadonlyArray<readonly [string, string]>,
  at: string,
): Promise<void> {
  const [ownerColumn, timeColumn] =
    table === "group_members" ? ["group_id", "added_at"] : ["license_id", "assigned_at"];
  for (const chunk of chunks(pairs, LINK_CHUNK)) {
    const payload = JSON.stringify(chunk.map(([owner, user]) => ({ o: owner, u: user })));
    await tx.execute(
      sql`insert into ${sql.identifier(table)} (${sql.identifier(ownerColumn)}, user_id, ${sql.identifier(timeColumn)})
          select o, u, ${at}::timestamptz from jsonb_to_recordset(${payload}::jsonb) as r(o uuid, u uuid)
          on conflict do nothing`,
    );
  }
}

export type SeedResult = { ok: true; summary: SeedSummary } | { ok: false; refusal: Refusal };

/** Seeds an empty directory; refuses (`seed.not_empty`) when users exist already. */
export interface SeedOptions extends DemoOptions {
  actor?: string;
  /** Called after each chunk of users is written (the CLI's progress bar). */
  onProgress?: (inserted: number) => void;
}

export async function seedDemo(db: Database, options: SeedOptions): Promise<SeedResult> {
  const org = generateDemoOrganisation(options);
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const domain = (options.domain ?? DEFAULT_DEMO_DOMAIN).toLowerCase();
  const at = options.now.toISOString();

  return db.transaction(async (tx) => {
    // Two seeders at once on one PostgreSQL: the second waits, then sees the users and refuses.
    await tx.execute(sql`select pg_advisory_xact_lock(7265301450)`);
    const [existing] = await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from users`);
    if ((existing?.n ?? 0) > 0) {
      return {
        ok: false as const,
        refusal: {
          code: "seed.not_empty",
          message: `The directory already has ${existing?.n} users; seed-demo only fills an empty directory (use a fresh --db).`,
        },
      };
    }

    await insertUsers(tx, org.users, options.onProgress);

    // Groups: reuse same-named ones (case-insensitive), create the rest.
    const groupPayload = JSON.stringify(
      org.groups.map((g) => ({ id: g.id, name: g.name, description: g.description })),
    );
    await tx.execute(sql`
      insert into groups (id, name, description, created_at)
      select id, name, description, ${at}::timestamptz
      from jsonb_to_recordset(${groupPayload}::jsonb) as r(id uuid, name text, description text)
      on conflict do nothing`);
    const groupIds = new Map(
      (
        await queryRows<{ id: string; name: string }>(
          tx,
          sql`select id, lower(name) as name from groups where lower(name) in (select lower(value) from jsonb_array_elements_text(${JSON.stringify(org.groups.map((g) => g.name))}::jsonb))`,
        )
      ).map((row) => [row.name, row.id]),
    );
    const memberships = org.groups.flatMap((g) =>
      g.memberIds.map((userId) => [groupIds.get(g.name.toLowerCase())!, userId] as const),
    );
    await insertLinks(tx, "group_members", memberships, at);

    // Licenses: reuse same SKUs with seats raised to cover the assignments (nobody holds one yet).
    const licensePayload = JSON.stringify(
      org.licenses.map((l) => ({
        id: l.id,
        sku: l.sku,
        name: l.name,
        seats: l.totalSeats,
        plans: knownServicePlans(l.sku),
      })),
    );
    const storedLicenses = await queryRows<{ id: string; sku: string; name: string; total_seats: number }>(
      tx,
      sql`insert into licenses (id, sku, name, total_seats, service_plans, created_at)
          select id, sku, name, seats, plans, ${at}::timestamptz
          from jsonb_to_recordset(${licensePayload}::jsonb) as r(id uuid, sku text, name text, seats int, plans jsonb)
          on conflict ((upper(sku))) do update set total_seats = greatest(licenses.total_seats, excluded.total_seats),
            service_plans = case when licenses.service_plans = '[]'::jsonb then excluded.service_plans
                                 else licenses.service_plans end
          returning id, sku, name, total_seats`,
    );
    const licenseBySku = new Map(storedLicenses.map((row) => [row.sku.toUpperCase(), row]));
    const assignments = org.licenses.flatMap((l) =>
      l.userIds.map((userId) => [licenseBySku.get(l.sku.toUpperCase())!.id, userId] as const),
    );
    await insertLinks(tx, "license_assignments", assignments, at);
    // As many organisations do: Viva Engage (Yammer) switched off for everyone on the frontline plan, and
    // for every fourth E3 holder also Sway: realistic disabled plans for set-service-plans and the export.
    const disabledPlans = org.licenses.flatMap((l) => {
      const sku = l.sku.toUpperCase();
      const id = licenseBySku.get(sku)!.id;
      if (sku === "M365_F3") return l.userIds.map((userId) => ({ id, userId, plans: ["YAMMER_ENTERPRISE"] }));
      if (sku === "M365_E3") {
        return l.userIds
          .filter((_, i) => i % 4 === 0)
          .map((userId) => ({ id, userId, plans: ["YAMMER_ENTERPRISE", "SWAY"] }));
      }
      return [];
    });
    if (disabledPlans.length) {
      await tx.execute(sql`
        update license_assignments la set disabled_plans = x.plans
        from jsonb_to_recordset(${JSON.stringify(disabledPlans)}::jsonb) as x(id uuid, "userId" uuid, plans jsonb)
        where la.license_id = x.id and la.user_id = x."userId"`);
    }

    const summary: SeedSummary = {
      seed,
      domain,
      users: org.users.length,
      active: org.users.filter((u) => u.status === "active").length,
      disabled: org.users.filter((u) => u.status === "disabled").length,
      neverSignedIn: org.users.filter((u) => u.lastLoginAt === null).length,
      admins: org.users.filter((u) => u.accountType === "admin").length,
      serviceAccounts: org.users.filter((u) => u.accountType === "service").length,
      departments: Object.fromEntries(
        [...new Set(org.users.map((u) => u.department))].map((d) => [
          d,
          org.users.filter((u) => u.department === d).length,
        ]),
      ),
      groups: org.groups.length,
      memberships: memberships.length,
      licenses: org.licenses.map((l) => {
        const stored = licenseBySku.get(l.sku.toUpperCase())!;
        return {
          sku: stored.sku,
          name: stored.name,
          totalSeats: Number(stored.total_seats),
          assignedSeats: l.userIds.length,
        };
      }),
      assignments: assignments.length,
    };

    await tx.execute(sql`
      insert into audit_log (actor, source, action, target, after, at)
      values (${options.actor ?? "cli"}, 'cli', 'seed-demo', ${domain},
              ${JSON.stringify({ users: summary.users, groups: summary.groups, licenses: summary.licenses.length, seed })}::jsonb,
              ${at}::timestamptz)`);
    return { ok: true as const, summary };
  });
}
