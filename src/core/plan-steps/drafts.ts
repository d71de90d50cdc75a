// What the planner's phases pass along: one draft verdict per record (the phases after the row rules may
// turn a change into an error), with each record's position and key and where each key first appears.
// The records themselves are not kept: a large file's rows are let go as soon as the row rules ran.

import type { RowDraft } from "../operations/definition.ts";
import type { PlanRow } from "../types.ts";

export interface Drafts {
  /** Each record's row number (CsvRecord.row), in file order. */
  rowNumbers: Int32Array;
  /** Each record's first physical line (CsvRecord.line). */
  lines: Int32Array;
  /** One per record, in file order. */
  drafts: RowDraft[];
  /** Each record's key (lower-case e-mail; "" when blank). */
  keys: string[];
  /** Key → index of the first record with it (later ones are duplicates). */
  firstIndexOfKey: Map<string, number>;
  /**
   * Plans in stored form (PlanInput.compact): each change row's plan row, made by the row rules. Its
   * draft then keeps only what the later phases read (its reason, manager links, licenses); a draft the
   * later phases fail drops it.
   */
  compactRows?: (PlanRow | undefined)[];
}

export function failRow(drafts: Drafts, i: number, reason: string): void {
  drafts.drafts[i] = { outcome: "error", reason };
}
