// Licenses and groups (shared by create and the license/group operations): seat bookkeeping, assigning
// and removing licenses, loading what a user has, and group membership writes.
import { sql } from "drizzle-orm";
import { anyOf, type Executor, queryRows } from "../../directory/client.ts";
import { json } from "./shared.ts";

interface SeatBook {
  ids: Map<string, string>;
  free: Map<string, number>;
}

export async function loadSeats(tx: Executor, skus: string[]): Promise<SeatBook> {
  const rows = skus.length
    ? await queryRows<{ id: string; sku: string; free: number }>(
        tx,
        sql`select l.id::text as id, upper(l.sku) as sku,
              l.total_seats - (select count(*)::int from license_assignments la where la.license_id = l.id) as free
            from licenses l where upper(l.sku) in (select upper(jsonb_array_elements_text(${json(skus)})))
            for update of l`,
      )
    : [];
  return {
    ids: new Map(rows.map((r) => [r.sku, r.id])),
    free: new Map(rows.map((r) => [r.sku, Number(r.free)])),
  };
}

/** Reserves seats for one row; false (and nothing reserved) when any SKU is unknown or full. */
export function reserveSeats(book: SeatBook, assign: string[], release: string[]): string | null {
  for (const sku of release.map((s) => s.toUpperCase())) {
    if (book.free.has(sku)) book.free.set(sku, (book.free.get(sku) ?? 0) + 1);
  }
  const wanted = assign.map((s) => s.toUpperCase());
  for (const sku of wanted) {
    if (!book.ids.has(sku)) return `License ${sku} does not exist`;
    if ((book.free.get(sku) ?? 0) <= 0) return `No free seats for ${sku}`;
  }
  for (const sku of wanted) book.free.set(sku, (book.free.get(sku) ?? 0) - 1);
  return null;
}

export async function assignLicenses(
  tx: Executor,
  pairs: { email: string; sku: string; disabled?: string[] }[],
): Promise<void> {
  if (!pairs.length) return;
  await tx.execute(sql`
    insert into license_assignments (license_id, user_id, disabled_plans)
    select l.id, u.id, coalesce(x.disabled, '[]'::jsonb)
    from jsonb_to_recordset(${json(pairs)}) as x(email text, sku text, disabled jsonb)
      join users u on u.email = x.email join licenses l on upper(l.sku) = upper(x.sku)
    on conflict do nothing`);
}

export async function removeLicenses(tx: Executor, pairs: { email: string; sku: string }[]): Promise<void> {
  if (!pairs.length) return;
  await tx.execute(sql`
    delete from license_assignments la using jsonb_to_recordset(${json(pairs)}) as x(email text, sku text), users u, licenses l
    where u.email = x.email and upper(l.sku) = upper(x.sku) and la.user_id = u.id and la.license_id = l.id`);
}

/** e-mail → the set of values a query pairs with it (`select u.email, … as value`), for these e-mails. */
async function loadSets(
  tx: Executor,
  emails: string[],
  pairs: ReturnType<typeof sql>,
): Promise<Map<string, Set<string>>> {
  const map = new Map<string, Set<string>>();
  if (!emails.length) return map;
  const rows = await queryRows<{ email: string; value: string }>(
    tx,
    sql`${pairs} where u.email = ${anyOf(emails)}`,
  );
  for (const r of rows) map.set(r.email, (map.get(r.email) ?? new Set()).add(r.value));
  return map;
}

/** e-mail → upper-case SKUs assigned. */
export const loadAssigned = (tx: Executor, emails: string[]) =>
  loadSets(
    tx,
    emails,
    sql`select u.email, upper(l.sku) as value from license_assignments la
          join users u on u.id = la.user_id join licenses l on l.id = la.license_id`,
  );

/** e-mail → lower-case group names. */
export const loadMemberships = (tx: Executor, emails: string[]) =>
  loadSets(
    tx,
    emails,
    sql`select u.email, lower(g.name) as value from group_members gm
          join users u on u.id = gm.user_id join groups g on g.id = gm.group_id`,
  );

export async function loadGroupNames(tx: Executor): Promise<Map<string, string>> {
  const rows = await queryRows<{ name: string }>(tx, sql`select name from groups`);
  return new Map(rows.map((r) => [r.name.toLowerCase(), r.name]));
}

export async function addMembers(tx: Executor, pairs: { email: string; grp: string }[]): Promise<void> {
  if (!pairs.length) return;
  await tx.execute(sql`
    insert into group_members (group_id, user_id)
    select g.id, u.id from jsonb_to_recordset(${json(pairs)}) as x(email text, grp text)
      join users u on u.email = x.email join groups g on lower(g.name) = lower(x.grp)
    on conflict do nothing`);
}

export async function removeMembers(tx: Executor, pairs: { email: string; grp: string }[]): Promise<void> {
  if (!pairs.length) return;
  await tx.execute(sql`
    delete from group_members gm using jsonb_to_recordset(${json(pairs)}) as x(email text, grp text), users u, groups g
    where u.email = x.email and lower(g.name) = lower(x.grp) and gm.user_id = u.id and gm.group_id = g.id`);
}
