// Phase 3 of a plan: manager updates that are on, or lead into, a cycle of the final reporting lines (the
// directory's lines with every update of the file applied) fail.

import { findUpdateCycles, formatCycle } from "../plan-rules/managers.ts";
import type { DirectoryView } from "../types.ts";
import { type Drafts, failRow } from "./drafts.ts";

export function failUpdateCycles(rows: Drafts, directory: DirectoryView): void {
  const { drafts, keys } = rows;
  const newManagers = new Map<string, string | null>();
  const indexOfUpdate = new Map<string, number>();
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i]!;
    if (d.outcome === "change" && d.newManager !== undefined) {
      newManagers.set(keys[i]!, d.newManager);
      indexOfUpdate.set(keys[i]!, i);
    }
  }
  if (newManagers.size === 0) return;
  const cycles = findUpdateCycles(newManagers, (email) => directory.users.get(email)?.manager ?? null);
  for (const [key, { cycle, onCycle }] of cycles) {
    failRow(
      rows,
      indexOfUpdate.get(key)!,
      onCycle
        ? `Manager change would create a reporting cycle: ${formatCycle(cycle)}`
        : `Manager change leads into a reporting cycle: ${formatCycle(cycle)}; fix that cycle first`,
    );
  }
}
