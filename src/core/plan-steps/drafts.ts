// What the planner's phases pass along: one draft verdict per record (the phases after the row rules may
// turn a change into an error), with each record's key and where each key first appears.

import type { RowDraft } from "../operations/definition.ts";
import type { CsvRecord } from "../types.ts";

export interface Drafts {
  records: readonly CsvRecord[];
  /** One per record, in file order. */
  drafts: RowDraft[];
  /** Each record's key (lower-case e-mail; "" when blank). */
  keys: string[];
  /** Key → index of the first record with it (later ones are duplicates). */
  firstIndexOfKey: Map<string, number>;
}

export function failRow(drafts: Drafts, i: number, reason: string): void {
  drafts.drafts[i] = { outcome: "error", reason };
}
