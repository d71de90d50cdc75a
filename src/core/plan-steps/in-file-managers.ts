// Phase 2 of a plan: creates whose manager is created by the same file depend on that row. A manager that
// is neither in the directory nor created by the file fails the row; rows on a cycle of such dependencies
// fail together. (Rows whose manager row fails later fail in the execution-order phase.)

import { findRowCycles, formatCycle } from "../plan-rules/managers.ts";
import { type Drafts, failRow } from "./drafts.ts";

/** Returns, per row, the index of the row creating its manager (-1: none). */
export function linkInFileManagers(rows: Drafts): Int32Array {
  const { drafts, keys, firstIndexOfKey } = rows;
  const n = drafts.length;
  const parent = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const d = drafts[i]!;
    if (d.outcome !== "change" || d.dependsOn === undefined) continue;
    const j = firstIndexOfKey.get(d.dependsOn);
    if (j === undefined) {
      failRow(
        rows,
        i,
        `Manager ${d.dependsOn} does not exist (not in the directory and not created by this file)`,
      );
    } else {
      parent[i] = j;
    }
  }
  for (const cycle of findRowCycles(parent, (i) => drafts[i]!.outcome === "change")) {
    const reason = `Reporting cycle in this file: ${formatCycle(cycle.map((i) => keys[i]!))}`;
    for (const i of cycle) failRow(rows, i, reason);
  }
  return parent;
}
