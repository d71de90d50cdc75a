// Phase 4 of a plan: the execution order and the seats. Change rows run in file order, except that a create
// comes after the in-file create of its manager (stable topological order). Walking that order, a row whose
// manager row failed fails too, and each row takes its license seats (freeing the ones it removes first);
// rows beyond a license's capacity fail.

import type { ChangeDraft } from "../operations/definition.ts";
import { dependencyOrder } from "../plan-rules/managers.ts";
import { SeatLedger } from "../plan-rules/seats.ts";
import type { DirectoryView } from "../types.ts";
import { type Drafts, failRow } from "./drafts.ts";

/** Returns the row numbers (CsvRecord.row) of the change rows left, in the order they run. */
export function orderAndTakeSeats(rows: Drafts, parent: Int32Array, directory: DirectoryView): number[] {
  const { drafts, rowNumbers } = rows;
  const ledger = new SeatLedger(directory.licenses.values());
  const executionOrder: number[] = [];
  for (const i of dependencyOrder(parent, (j) => drafts[j]!.outcome === "change")) {
    const d = drafts[i] as ChangeDraft;
    const p = parent[i]!;
    if (p >= 0 && drafts[p]!.outcome === "error") {
      failRow(rows, i, `Manager ${d.dependsOn} is not created: row ${rowNumbers[p]} failed`);
      continue;
    }
    const licenses = d.action.licenses;
    if (licenses !== undefined) {
      const problem = ledger.apply(licenses.assign, licenses.remove);
      if (problem !== null) {
        failRow(rows, i, problem);
        continue;
      }
    }
    executionOrder.push(rowNumbers[i]!);
  }
  return executionOrder;
}
