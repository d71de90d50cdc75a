// update: writes changed profile fields, attributes and managers of existing users.
import { type SQL, sql } from "drizzle-orm";
import type { Executor } from "../../directory/client.ts";
import { stage } from "../../directory/copy.ts";
import {
  batchUsers,
  COLUMN_FIELDS,
  COLUMN_OF,
  currentValue,
  fail,
  type ItemOutcome,
  loadCurrent,
  ok,
  skip,
  splitSet,
  UPDATE_STAGE,
  type WorkItem,
} from "./shared.ts";

export async function applyUpdate(tx: Executor, items: WorkItem[], now: string): Promise<ItemOutcome[]> {
  // Only the fields the batch changes are read (their before-values, for undo).
  const fields = new Set(items.flatMap((i) => Object.keys(i.action.set ?? {})));
  const current = await loadCurrent(
    tx,
    items.map((i) => i.action.email),
    fields,
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
    const managers = await loadCurrent(tx, [...managerChecks], []);
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
    await stage(
      tx,
      UPDATE_STAGE,
      live.map((r) => [
        r.email as string,
        JSON.stringify(r.s),
        JSON.stringify(r.attrs),
        JSON.stringify(r.clear),
        (r.manager as string | null | undefined) ?? null,
        r.has_manager as boolean,
      ]),
    );
    await tx.execute(updateUsersStatement(now));
  }
  return outcomes;
}

/** Writes the staged changes (UPDATE_STAGE) to their users. Exported for its plan-shape test. */
export function updateUsersStatement(now: string): SQL {
  const assignments = COLUMN_FIELDS.map((f) => {
    const c = COLUMN_OF[f];
    const value = f === "displayName" ? `coalesce(x.s->>'${c}', u.${c})` : `x.s->>'${c}'`;
    return `${c} = case when x.s ? '${c}' then ${value} else u.${c} end`;
  }).join(",\n");
  return sql`
    update users u set ${sql.raw(assignments)},
      manager_id = case when x.has_manager then (select m.id from users m where m.email = x.manager) else u.manager_id end,
      attributes = (u.attributes || x.attrs)
        - coalesce(array(select jsonb_array_elements_text(x.clear)), '{}'::text[]),
      updated_at = ${now}::timestamptz
    from ${sql.raw(UPDATE_STAGE.name)} x
    where u.email = x.email and ${batchUsers(UPDATE_STAGE)}`;
}
