// Licenses: assign-license, remove-license and set-service-plans.
import { sql } from "drizzle-orm";
import { anyOf, type Executor, queryRows } from "../../directory/client.ts";
import { assignLicenses, loadAssigned, loadSeats, removeLicenses, reserveSeats } from "./access.ts";
import { fail, type ItemOutcome, json, loadCurrent, ok, skip, type WorkItem } from "./shared.ts";

export async function applyLicenses(
  tx: Executor,
  kind: "assign-license" | "remove-license",
  items: WorkItem[],
): Promise<ItemOutcome[]> {
  const emails = items.map((i) => i.action.email);
  const current = await loadCurrent(tx, emails);
  const assigned = await loadAssigned(tx, emails);
  const allSkus = items.flatMap((i) => [
    ...(i.action.licenses?.assign ?? []),
    ...(i.action.licenses?.remove ?? []),
  ]);
  const book = await loadSeats(tx, [...new Set(allSkus.map((s) => s.toUpperCase()))]);
  const outcomes: ItemOutcome[] = [];
  const toAssign: { email: string; sku: string }[] = [];
  const toRemove: { email: string; sku: string }[] = [];
  for (const item of items) {
    const user = current.get(item.action.email);
    if (!user) {
      outcomes.push(fail(item.row, "User not found"));
      continue;
    }
    if (user.status === "deleted") {
      outcomes.push(fail(item.row, "This user is deleted; restore it first"));
      continue;
    }
    const has = assigned.get(user.email) ?? new Set<string>();
    const assign = (item.action.licenses?.assign ?? [])
      .map((s) => s.toUpperCase())
      .filter((s) => !has.has(s));
    const remove = (item.action.licenses?.remove ?? []).map((s) => s.toUpperCase()).filter((s) => has.has(s));
    if (!assign.length && !remove.length) {
      outcomes.push(
        skip(item.row, kind === "assign-license" ? "License already assigned" : "License not assigned"),
      );
      continue;
    }
    const problem = reserveSeats(book, assign, remove);
    if (problem) {
      outcomes.push(fail(item.row, problem));
      continue;
    }
    const disabled = item.action.disabledPlans ?? {};
    toAssign.push(...assign.map((sku) => ({ email: user.email, sku, disabled: disabled[sku] ?? [] })));
    toRemove.push(...remove.map((sku) => ({ email: user.email, sku })));
    const planned = Object.fromEntries(
      assign.filter((s) => disabled[s]?.length).map((s) => [s, disabled[s]]),
    );
    outcomes.push(
      ok(
        item.row,
        { licenses: [...has].sort() },
        {
          assigned: assign,
          removed: remove,
          ...(Object.keys(planned).length ? { disabledPlans: planned } : {}),
        },
        user.id,
      ),
    );
    // One row per assignment: the user's next row in this batch sees what this one changes.
    const after = new Set(has);
    for (const sku of remove) after.delete(sku);
    for (const sku of assign) after.add(sku);
    assigned.set(user.email, after);
  }
  await removeLicenses(tx, toRemove);
  await assignLicenses(tx, toAssign);
  return outcomes;
}

// --- service plans ---------------------------------------------------------------------------

/** set-service-plans: writes each row's disabled plans of one assigned license; already so → skip. */
export async function applyServicePlans(tx: Executor, items: WorkItem[]): Promise<ItemOutcome[]> {
  const emails = items.map((i) => i.action.email);
  const rows = emails.length
    ? await queryRows<{
        email: string;
        user_id: string;
        status: string;
        sku: string;
        disabled: string[] | string;
      }>(
        tx,
        sql`select u.email, u.id::text as user_id, u.status, upper(l.sku) as sku, la.disabled_plans as disabled
            from users u join license_assignments la on la.user_id = u.id join licenses l on l.id = la.license_id
            where u.email = ${anyOf(emails)}
            for update of la`,
      )
    : [];
  const current = new Map(
    rows.map((r) => [
      `${r.email}\u0000${r.sku}`,
      { ...r, disabled: typeof r.disabled === "string" ? (JSON.parse(r.disabled) as string[]) : r.disabled },
    ]),
  );
  const outcomes: ItemOutcome[] = [];
  const updates: { email: string; sku: string; disabled: string[] }[] = [];
  for (const item of items) {
    const wanted = item.action.servicePlans;
    if (!wanted) {
      outcomes.push(fail(item.row, "No service plans in the plan"));
      continue;
    }
    const sku = wanted.sku.toUpperCase();
    const assignment = current.get(`${item.action.email}\u0000${sku}`);
    if (!assignment) {
      outcomes.push(fail(item.row, `${wanted.sku} is not assigned to this user`));
      continue;
    }
    if (assignment.status === "deleted") {
      outcomes.push(fail(item.row, "This user is deleted; restore it first"));
      continue;
    }
    const before = assignment.disabled;
    const same =
      before.length === wanted.disabled.length &&
      wanted.disabled.every((p) => before.some((b) => b.toUpperCase() === p.toUpperCase()));
    if (same) {
      outcomes.push(skip(item.row, "Service plans already so"));
      continue;
    }
    updates.push({ email: item.action.email, sku, disabled: wanted.disabled });
    outcomes.push(
      ok(
        item.row,
        { sku: wanted.sku, disabledPlans: before },
        { sku: wanted.sku, disabledPlans: wanted.disabled },
        assignment.user_id,
      ),
    );
  }
  if (updates.length) {
    await tx.execute(sql`
      update license_assignments la set disabled_plans = x.disabled
      from jsonb_to_recordset(${json(updates)}) as x(email text, sku text, disabled jsonb), users u, licenses l
      where u.email = x.email and upper(l.sku) = x.sku and la.user_id = u.id and la.license_id = l.id`);
  }
  return outcomes;
}
