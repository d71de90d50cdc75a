// Status changes (disable, enable, delete, restore) and reset-password.
import { type SQL, sql } from "drizzle-orm";
import type { UserStatus } from "../../core/types.ts";
import type { Executor } from "../../directory/client.ts";
import { stage } from "../../directory/copy.ts";
import {
  batchUsers,
  fail,
  type ItemOutcome,
  json,
  loadCurrent,
  ok,
  STATUS_STAGE,
  skip,
  type WorkItem,
} from "./shared.ts";

const TRANSITIONS: Record<
  "disable" | "enable" | "delete" | "restore",
  { from: UserStatus[]; label: string }
> = {
  disable: { from: ["active"], label: "disabled" },
  enable: { from: ["disabled"], label: "active" },
  delete: { from: ["active", "disabled"], label: "deleted" },
  restore: { from: ["deleted"], label: "restored" },
};

export async function applyStatus(
  tx: Executor,
  kind: keyof typeof TRANSITIONS,
  items: WorkItem[],
  now: string,
): Promise<ItemOutcome[]> {
  // A status change reads each user's state only (no profile columns, no manager).
  const current = await loadCurrent(
    tx,
    items.map((i) => i.action.email),
    [],
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
    await stage(
      tx,
      STATUS_STAGE,
      records.map((r) => [r.email, r.status, r.disabled, r.deleted]),
    );
    await tx.execute(statusStatement(now));
  }
  return outcomes;
}

/** Writes the staged status changes (STATUS_STAGE) to their users. Exported for its plan-shape test. */
export function statusStatement(now: string): SQL {
  return sql`
    update users u set status = x.status, disabled_at = x.disabled, deleted_at = x.deleted, updated_at = ${now}::timestamptz
    from ${sql.raw(STATUS_STAGE.name)} x
    where u.email = x.email and ${batchUsers(STATUS_STAGE)}`;
}

// --- reset-password --------------------------------------------------------------------------

export async function applyResetPassword(
  tx: Executor,
  items: WorkItem[],
  now: string,
): Promise<ItemOutcome[]> {
  const current = await loadCurrent(
    tx,
    items.map((i) => i.action.email),
    [],
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
