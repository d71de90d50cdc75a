// Applies one batch of planned actions to the directory with set-based SQL: a fixed number of statements
// per batch whatever its size (a batch's users are COPYed into a staging table and written from there). The caller
// runs this inside the batch's transaction, together with the job items and audit rows.
// Every action re-checks the directory as it is now: what changed since the preview is reported, not forced.
import type { PlannedAction } from "../core/types.ts";
import type { Executor } from "../directory/client.ts";
import { applyCreate } from "./apply/create.ts";
import { applyGroups } from "./apply/groups.ts";
import { applyLicenses, applyServicePlans } from "./apply/licenses.ts";
import { fail, type ItemOutcome, type WorkItem } from "./apply/shared.ts";
import { applyResetPassword, applyStatus } from "./apply/status.ts";
import { applyUpdate } from "./apply/update.ts";

export type { ItemOutcome, WorkItem } from "./apply/shared.ts";

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
