// Applies one batch of planned actions to the directory with set-based SQL: a fixed number of statements
// per batch whatever its size (rows travel as one jsonb parameter through jsonb_to_recordset). The caller
// runs this inside the batch's transaction, together with the job items and audit rows.
// Every action re-checks the directory as it is now: what changed since the preview is reported, not forced.
import { sql } from "drizzle-orm";
import type { AttributeField, PlannedAction, UserField, UserStatus } from "../core/types.ts";
import { type Executor, queryRows } from "../directory/client.ts";

export interface WorkItem {
  row: number;
  action: PlannedAction;
  /** Hash of the supplied or generated password (create, reset-password). */
  passwordHash?: string;
}

export interface ItemOutcome {
  row: number;
  status: "succeeded" | "failed" | "skipped";
  reason: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  userId: string | null;
}

/** users columns written from PlannedAction.set (manager is resolved from an e-mail separately). */
const COLUMN_OF: Record<Exclude<UserField, "manager" | "email">, string> = {
  displayName: "display_name",
  firstName: "first_name",
  lastName: "last_name",
  username: "username",
  department: "department",
  jobTitle: "job_title",
  employeeId: "employee_id",
  office: "office",
  phone: "phone",
  mobile: "mobile",
  city: "city",
  country: "country",
  usageLocation: "usage_location",
};
const COLUMN_FIELDS = Object.keys(COLUMN_OF) as (keyof typeof COLUMN_OF)[];

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

const ok = (
  row: number,
  before: ItemOutcome["before"],
  after: ItemOutcome["after"],
  userId: string | null,
): ItemOutcome => ({
  row,
  status: "succeeded",
  reason: "",
  before,
  after,
  userId,
});
const fail = (row: number, reason: string): ItemOutcome => ({
  row,
  status: "failed",
  reason,
  before: null,
  after: null,
  userId: null,
});
const skip = (row: number, reason: string): ItemOutcome => ({
  row,
  status: "skipped",
  reason,
  before: null,
  after: null,
  userId: null,
});

interface CurrentUser {
  id: string;
  email: string;
  status: UserStatus;
  disabled_at: string | null;
  deleted_at: string | null;
  must_change_password: boolean;
  manager: string | null;
  attributes: Record<string, string> | string;
  [column: string]: unknown;
}

async function loadCurrent(tx: Executor, emails: string[]): Promise<Map<string, CurrentUser>> {
  if (emails.length === 0) return new Map();
  const rows = await queryRows<CurrentUser>(
    tx,
    sql`select u.id::text as id, u.email, u.status, u.disabled_at::text as disabled_at,
          u.deleted_at::text as deleted_at, u.must_change_password, m.email as manager, u.attributes,
          ${sql.raw(
            Object.values(COLUMN_OF)
              .map((c) => `u.${c}`)
              .join(", "),
          )}
        from users u left join users m on m.id = u.manager_id
        where u.email in (select jsonb_array_elements_text(${json(emails)}))
        for update of u`,
  );
  return new Map(rows.map((r) => [r.email, r]));
}

function attributesOf(user: CurrentUser): Record<string, string> {
  return typeof user.attributes === "string" ? JSON.parse(user.attributes) : (user.attributes ?? {});
}

function currentValue(user: CurrentUser, field: string): string | null {
  if (field === "manager") return user.manager;
  if (field in COLUMN_OF) return (user[COLUMN_OF[field as keyof typeof COLUMN_OF]] as string | null) ?? null;
  return attributesOf(user)[field] ?? null;
}

function splitSet(set: PlannedAction["set"] = {}) {
  const columns: Record<string, string | null> = {};
  const attributes: Record<string, string> = {};
  const clear: string[] = [];
  let manager: string | null | undefined;
  for (const [field, value] of Object.entries(set) as [UserField | AttributeField, string | null][]) {
    if (field === "email") continue;
    if (field === "manager") manager = value ? value.toLowerCase() : null;
    else if (field in COLUMN_OF) columns[COLUMN_OF[field as keyof typeof COLUMN_OF]] = value;
    else if (value === null) clear.push(field);
    else attributes[field] = value;
  }
  return { columns, attributes, clear, manager };
}

// --- licenses and groups (shared by create and the license/group operations) -----------------

interface SeatBook {
  ids: Map<string, string>;
  free: Map<string, number>;
}

async function loadSeats(tx: Executor, skus: string[]): Promise<SeatBook> {
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
function reserveSeats(book: SeatBook, assign: string[], release: string[]): string | null {
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

async function assignLicenses(
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

async function removeLicenses(tx: Executor, pairs: { email: string; sku: string }[]): Promise<void> {
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
    sql`${pairs} where u.email in (select jsonb_array_elements_text(${json(emails)}))`,
  );
  for (const r of rows) map.set(r.email, (map.get(r.email) ?? new Set()).add(r.value));
  return map;
}

/** e-mail → upper-case SKUs assigned. */
const loadAssigned = (tx: Executor, emails: string[]) =>
  loadSets(
    tx,
    emails,
    sql`select u.email, upper(l.sku) as value from license_assignments la
          join users u on u.id = la.user_id join licenses l on l.id = la.license_id`,
  );

/** e-mail → lower-case group names. */
const loadMemberships = (tx: Executor, emails: string[]) =>
  loadSets(
    tx,
    emails,
    sql`select u.email, lower(g.name) as value from group_members gm
          join users u on u.id = gm.user_id join groups g on g.id = gm.group_id`,
  );

async function loadGroupNames(tx: Executor): Promise<Map<string, string>> {
  const rows = await queryRows<{ name: string }>(tx, sql`select name from groups`);
  return new Map(rows.map((r) => [r.name.toLowerCase(), r.name]));
}

async function addMembers(tx: Executor, pairs: { email: string; grp: string }[]): Promise<void> {
  if (!pairs.length) return;
  await tx.execute(sql`
    insert into group_members (group_id, user_id)
    select g.id, u.id from jsonb_to_recordset(${json(pairs)}) as x(email text, grp text)
      join users u on u.email = x.email join groups g on lower(g.name) = lower(x.grp)
    on conflict do nothing`);
}

async function removeMembers(tx: Executor, pairs: { email: string; grp: string }[]): Promise<void> {
  if (!pairs.length) return;
  await tx.execute(sql`
    delete from group_members gm using jsonb_to_recordset(${json(pairs)}) as x(email text, grp text), users u, groups g
    where u.email = x.email and lower(g.name) = lower(x.grp) and gm.user_id = u.id and gm.group_id = g.id`);
}

// --- create ----------------------------------------------------------------------------------

async function applyCreate(tx: Executor, items: WorkItem[], now: string): Promise<ItemOutcome[]> {
  const outcomes = new Map<number, ItemOutcome>();
  const book = await loadSeats(tx, [...new Set(items.flatMap((i) => i.action.licenses?.assign ?? []))]);
  const groupNames = await loadGroupNames(tx);
  const candidates: WorkItem[] = [];
  for (const item of items) {
    const missingGroup = (item.action.groups?.add ?? []).find((g) => !groupNames.has(g.toLowerCase()));
    if (missingGroup) {
      outcomes.set(item.row, fail(item.row, `Group '${missingGroup}' does not exist`));
      continue;
    }
    const seatProblem = reserveSeats(book, item.action.licenses?.assign ?? [], []);
    if (seatProblem) outcomes.set(item.row, fail(item.row, seatProblem));
    else candidates.push(item);
  }
  const records = candidates.map((item) => {
    const { columns, attributes, manager } = splitSet(item.action.set);
    return {
      ...columns,
      email: item.action.email,
      display_name: columns.display_name ?? item.action.email,
      attributes,
      status: item.action.status ?? "active",
      must_change_password: item.action.mustChangePassword ?? true,
      password_hash: item.passwordHash ?? null,
      manager: manager ?? null,
    };
  });
  const inserted = records.length
    ? await queryRows<{ id: string; email: string; has_manager: boolean }>(
        tx,
        sql`insert into users (email, display_name, manager_id, ${sql.raw(
          COLUMN_FIELDS.filter((f) => f !== "displayName")
            .map((f) => COLUMN_OF[f])
            .join(", "),
        )},
              attributes, status, must_change_password, password_hash, disabled_at, created_at, updated_at)
            select x.email, x.display_name, m.id, ${sql.raw(
              COLUMN_FIELDS.filter((f) => f !== "displayName")
                .map((f) => `x.${COLUMN_OF[f]}`)
                .join(", "),
            )},
              coalesce(x.attributes, '{}'::jsonb), x.status, x.must_change_password, x.password_hash,
              case when x.status = 'disabled' then ${now}::timestamptz end, ${now}::timestamptz, ${now}::timestamptz
            from jsonb_to_recordset(${json(records)}) as x(email text, display_name text,
              ${sql.raw(
                COLUMN_FIELDS.filter((f) => f !== "displayName")
                  .map((f) => `${COLUMN_OF[f]} text`)
                  .join(", "),
              )},
              attributes jsonb, status text, must_change_password boolean, password_hash text, manager text)
            left join users m on m.email = x.manager and m.status <> 'deleted'
            on conflict (email) do nothing
            returning id::text as id, email, manager_id is not null as has_manager`,
      )
    : [];
  const idOf = new Map(inserted.map((r) => [r.email, r.id]));
  let created = candidates.filter((item) => idOf.has(item.action.email));
  for (const item of candidates) {
    if (!idOf.has(item.action.email)) {
      outcomes.set(
        item.row,
        fail(item.row, "A user with this e-mail already exists (created after the preview); use update"),
      );
    }
  }
  // Managers who already existed were joined in by the insert. Those created by this same batch are
  // resolved now that every user of the batch exists; a user whose manager still cannot be found is
  // removed again and fails, so no user is ever stored with a dangling manager.
  const joined = new Set(inserted.filter((r) => r.has_manager).map((r) => r.email));
  let unresolved = created.filter((item) => !joined.has(item.action.email));
  for (;;) {
    const withManager = unresolved
      .map((item) => ({ email: item.action.email, manager: splitSet(item.action.set).manager }))
      .filter((r): r is { email: string; manager: string } => !!r.manager);
    if (!withManager.length) break;
    const resolved = await queryRows<{ email: string }>(
      tx,
      sql`update users u set manager_id = m.id
          from jsonb_to_recordset(${json(withManager)}) as x(email text, manager text), users m
          where u.email = x.email and m.email = x.manager and m.status <> 'deleted'
          returning u.email`,
    );
    const done = new Set(resolved.map((r) => r.email));
    const orphans = withManager.filter((r) => !done.has(r.email));
    if (!orphans.length) break;
    await tx.execute(
      sql`delete from users where email in (select jsonb_array_elements_text(${json(orphans.map((o) => o.email))}))`,
    );
    const orphanSet = new Map(orphans.map((o) => [o.email, o.manager]));
    for (const item of created) {
      const manager = orphanSet.get(item.action.email);
      if (manager) outcomes.set(item.row, fail(item.row, `Manager ${manager} does not exist`));
    }
    created = created.filter((item) => !orphanSet.has(item.action.email));
    // Whoever reported to a removed user has lost their manager too: check them again.
    unresolved = created.filter((item) => orphanSet.has(splitSet(item.action.set).manager ?? ""));
  }
  await assignLicenses(
    tx,
    created.flatMap((item) =>
      (item.action.licenses?.assign ?? []).map((sku) => ({ email: item.action.email, sku })),
    ),
  );
  await addMembers(
    tx,
    created.flatMap((item) =>
      (item.action.groups?.add ?? []).map((grp) => ({ email: item.action.email, grp })),
    ),
  );
  for (const item of created) {
    const { manager } = splitSet(item.action.set);
    outcomes.set(
      item.row,
      ok(
        item.row,
        null,
        {
          ...item.action.set,
          ...(manager ? { manager } : {}),
          status: item.action.status ?? "active",
          ...(item.action.licenses?.assign?.length ? { licenses: item.action.licenses.assign } : {}),
          ...(item.action.groups?.add?.length ? { groups: item.action.groups.add } : {}),
        },
        idOf.get(item.action.email) ?? null,
      ),
    );
  }
  return items.map((item) => outcomes.get(item.row) ?? fail(item.row, "Not processed"));
}

// --- update ----------------------------------------------------------------------------------

async function applyUpdate(tx: Executor, items: WorkItem[], now: string): Promise<ItemOutcome[]> {
  const current = await loadCurrent(
    tx,
    items.map((i) => i.action.email),
  );
  const outcomes: ItemOutcome[] = [];
  const records: Record<string, unknown>[] = [];
  const managerChecks = new Set<string>();
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
    const before: Record<string, string | null> = {};
    const after: Record<string, string | null> = {};
    for (const [field, value] of Object.entries(item.action.set ?? {})) {
      const was = currentValue(user, field);
      const next = field === "manager" && value ? value.toLowerCase() : value;
      if ((was ?? null) !== (next ?? null)) {
        before[field] = was;
        after[field] = next ?? null;
      }
    }
    if (!Object.keys(after).length) {
      outcomes.push(skip(item.row, "Already up to date"));
      continue;
    }
    if (typeof after.manager === "string") managerChecks.add(after.manager);
    const { columns, attributes, clear, manager } = splitSet(after);
    records.push({
      row: item.row,
      email: item.action.email,
      s: columns,
      attrs: attributes,
      clear,
      manager,
      has_manager: manager !== undefined,
    });
    outcomes.push(ok(item.row, before, after, user.id));
  }
  if (managerChecks.size) {
    const managers = await loadCurrent(tx, [...managerChecks]);
    for (const record of records) {
      const manager = record.manager as string | null;
      if (manager && (!managers.has(manager) || managers.get(manager)?.status === "deleted")) {
        const index = outcomes.findIndex((o) => o.row === record.row);
        outcomes[index] = fail(record.row as number, `Manager ${manager} does not exist`);
        record.skip = true;
      }
    }
  }
  const live = records.filter((r) => !r.skip);
  if (live.length) {
    const assignments = COLUMN_FIELDS.map((f) => {
      const c = COLUMN_OF[f];
      const value = f === "displayName" ? `coalesce(x.s->>'${c}', u.${c})` : `x.s->>'${c}'`;
      return `${c} = case when x.s ? '${c}' then ${value} else u.${c} end`;
    }).join(",\n");
    await tx.execute(sql`
      update users u set ${sql.raw(assignments)},
        manager_id = case when x.has_manager then (select m.id from users m where m.email = x.manager) else u.manager_id end,
        attributes = (u.attributes || coalesce(x.attrs, '{}'::jsonb))
          - coalesce(array(select jsonb_array_elements_text(x.clear)), '{}'::text[]),
        updated_at = ${now}::timestamptz
      from jsonb_to_recordset(${json(live)}) as x(email text, s jsonb, attrs jsonb, clear jsonb, manager text, has_manager boolean)
      where u.email = x.email`);
  }
  return outcomes;
}

// --- status changes: disable, enable, delete, restore ----------------------------------------

const TRANSITIONS: Record<
  "disable" | "enable" | "delete" | "restore",
  { from: UserStatus[]; label: string }
> = {
  disable: { from: ["active"], label: "disabled" },
  enable: { from: ["disabled"], label: "active" },
  delete: { from: ["active", "disabled"], label: "deleted" },
  restore: { from: ["deleted"], label: "restored" },
};

async function applyStatus(
  tx: Executor,
  kind: keyof typeof TRANSITIONS,
  items: WorkItem[],
  now: string,
): Promise<ItemOutcome[]> {
  const current = await loadCurrent(
    tx,
    items.map((i) => i.action.email),
  );
  const outcomes: ItemOutcome[] = [];
  const records: { email: string; status: UserStatus; disabled: string | null; deleted: string | null }[] =
    [];
  for (const item of items) {
    const user = current.get(item.action.email);
    if (!user) {
      outcomes.push(fail(item.row, "User not found"));
      continue;
    }
    const target: UserStatus =
      kind === "disable"
        ? "disabled"
        : kind === "enable"
          ? "active"
          : kind === "delete"
            ? "deleted"
            : (item.action.status ?? "active");
    if (kind !== "restore" && user.status === target) {
      outcomes.push(skip(item.row, `Already ${TRANSITIONS[kind].label}`));
      continue;
    }
    if (kind === "restore" && user.status !== "deleted") {
      outcomes.push(skip(item.row, "Not deleted"));
      continue;
    }
    if (!TRANSITIONS[kind].from.includes(user.status)) {
      outcomes.push(
        fail(
          item.row,
          user.status === "deleted" ? "This user is deleted; restore it first" : `User is ${user.status}`,
        ),
      );
      continue;
    }
    const disabled =
      kind === "disable"
        ? now
        : kind === "enable"
          ? null
          : kind === "restore" && target === "active"
            ? null
            : user.disabled_at;
    const deleted = kind === "delete" ? now : kind === "restore" ? null : user.deleted_at;
    records.push({ email: user.email, status: target, disabled, deleted });
    outcomes.push(
      ok(
        item.row,
        { status: user.status, disabledAt: user.disabled_at, deletedAt: user.deleted_at },
        { status: target, disabledAt: disabled, deletedAt: deleted },
        user.id,
      ),
    );
  }
  if (records.length) {
    await tx.execute(sql`
      update users u set status = x.status, disabled_at = x.disabled, deleted_at = x.deleted, updated_at = ${now}::timestamptz
      from jsonb_to_recordset(${json(records)}) as x(email text, status text, disabled timestamptz, deleted timestamptz)
      where u.email = x.email`);
  }
  return outcomes;
}

// --- reset-password --------------------------------------------------------------------------

async function applyResetPassword(tx: Executor, items: WorkItem[], now: string): Promise<ItemOutcome[]> {
  const current = await loadCurrent(
    tx,
    items.map((i) => i.action.email),
  );
  const outcomes: ItemOutcome[] = [];
  const records: { email: string; hash: string | null; must: boolean }[] = [];
  for (const item of items) {
    const user = current.get(item.action.email);
    if (!user) outcomes.push(fail(item.row, "User not found"));
    else if (user.status === "deleted")
      outcomes.push(fail(item.row, "This user is deleted; restore it first"));
    else {
      const must = item.action.mustChangePassword ?? true;
      records.push({ email: user.email, hash: item.passwordHash ?? null, must });
      outcomes.push(
        ok(
          item.row,
          { mustChangePassword: user.must_change_password },
          { mustChangePassword: must, passwordReset: true },
          user.id,
        ),
      );
    }
  }
  if (records.length) {
    await tx.execute(sql`
      update users u set password_hash = x.hash, must_change_password = x.must, updated_at = ${now}::timestamptz
      from jsonb_to_recordset(${json(records)}) as x(email text, hash text, must boolean)
      where u.email = x.email`);
  }
  return outcomes;
}

// --- licenses --------------------------------------------------------------------------------

async function applyLicenses(
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
async function applyServicePlans(tx: Executor, items: WorkItem[]): Promise<ItemOutcome[]> {
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
            where u.email in (select jsonb_array_elements_text(${json(emails)}))
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

// --- groups ----------------------------------------------------------------------------------

async function applyGroups(
  tx: Executor,
  kind: "add-to-group" | "remove-from-group",
  items: WorkItem[],
): Promise<ItemOutcome[]> {
  const emails = items.map((i) => i.action.email);
  const current = await loadCurrent(tx, emails);
  const memberships = await loadMemberships(tx, emails);
  const groupNames = await loadGroupNames(tx);
  const outcomes: ItemOutcome[] = [];
  const toAdd: { email: string; grp: string }[] = [];
  const toRemove: { email: string; grp: string }[] = [];
  for (const item of items) {
    const user = current.get(item.action.email);
    if (!user) {
      outcomes.push(fail(item.row, "User not found"));
      continue;
    }
    const wanted =
      kind === "add-to-group" ? (item.action.groups?.add ?? []) : (item.action.groups?.remove ?? []);
    const missing = wanted.find((g) => !groupNames.has(g.toLowerCase()));
    if (missing) {
      outcomes.push(fail(item.row, `Group '${missing}' does not exist`));
      continue;
    }
    const has = memberships.get(user.email) ?? new Set<string>();
    const names = wanted
      .filter((g) => (kind === "add-to-group" ? !has.has(g.toLowerCase()) : has.has(g.toLowerCase())))
      .map((g) => groupNames.get(g.toLowerCase()) ?? g);
    if (!names.length) {
      outcomes.push(skip(item.row, kind === "add-to-group" ? "Already a member" : "Not a member"));
      continue;
    }
    (kind === "add-to-group" ? toAdd : toRemove).push(...names.map((grp) => ({ email: user.email, grp })));
    outcomes.push(
      ok(item.row, null, kind === "add-to-group" ? { added: names } : { removed: names }, user.id),
    );
    // One row per membership: the user's next row in this batch sees what this one changes.
    const after = new Set(has);
    for (const name of names) {
      if (kind === "add-to-group") after.add(name.toLowerCase());
      else after.delete(name.toLowerCase());
    }
    memberships.set(user.email, after);
  }
  await addMembers(tx, toAdd);
  await removeMembers(tx, toRemove);
  return outcomes;
}

/** Applies a batch of items of one operation; returns one outcome per item, in item order. */
export async function applyBatch(tx: Executor, items: WorkItem[], now: string): Promise<ItemOutcome[]> {
  const byRow = new Map<number, ItemOutcome>();
  const kinds = new Map<PlannedAction["kind"], WorkItem[]>();
  for (const item of items) {
    const group = kinds.get(item.action.kind);
    if (group) group.push(item);
    else kinds.set(item.action.kind, [item]);
  }
  for (const [kind, group] of kinds) {
    let outcomes: ItemOutcome[];
    switch (kind) {
      case "create":
        outcomes = await applyCreate(tx, group, now);
        break;
      case "update":
        outcomes = await applyUpdate(tx, group, now);
        break;
      case "disable":
      case "enable":
      case "delete":
      case "restore":
        outcomes = await applyStatus(tx, kind, group, now);
        break;
      case "reset-password":
        outcomes = await applyResetPassword(tx, group, now);
        break;
      case "assign-license":
      case "remove-license":
        outcomes = await applyLicenses(tx, kind, group);
        break;
      case "add-to-group":
      case "remove-from-group":
        outcomes = await applyGroups(tx, kind, group);
        break;
      case "set-service-plans":
        outcomes = await applyServicePlans(tx, group);
        break;
    }
    for (const outcome of outcomes) byRow.set(outcome.row, outcome);
  }
  return items.map((item) => byRow.get(item.row) ?? fail(item.row, "Not processed"));
}
