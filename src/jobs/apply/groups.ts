// Groups: add-to-group and remove-from-group.
import type { Executor } from "../../directory/client.ts";
import { addMembers, loadGroupNames, loadMemberships, removeMembers } from "./access.ts";
import { fail, type ItemOutcome, loadCurrent, ok, skip, type WorkItem } from "./shared.ts";

export async function applyGroups(
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
