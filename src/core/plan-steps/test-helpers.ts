// Drafts as the row-rules phase would leave them, for testing the later phases alone.

import type { ChangeDraft, RowDraft } from "../operations/definition.ts";
import type { Drafts } from "./drafts.ts";

/** One record per [key, draft], rows numbered 1…; the first occurrence of a key wins. */
export function draftsOf(rows: ReadonlyArray<readonly [string, RowDraft]>): Drafts {
  const firstIndexOfKey = new Map<string, number>();
  rows.forEach(([key], i) => {
    if (!firstIndexOfKey.has(key)) firstIndexOfKey.set(key, i);
  });
  return {
    rowNumbers: Int32Array.from(rows, (_, i) => i + 1),
    lines: Int32Array.from(rows, (_, i) => i + 2),
    drafts: rows.map(([, d]) => d),
    keys: rows.map(([k]) => k),
    firstIndexOfKey,
  };
}

/** A change row of `operation` for `key`, with extra draft fields (dependsOn, newManager, action parts). */
export function change(
  key: string,
  extra: Partial<Omit<ChangeDraft, "action">> & { licenses?: ChangeDraft["action"]["licenses"] } = {},
): ChangeDraft {
  const { licenses, ...rest } = extra;
  return {
    outcome: "change",
    reason: `change ${key}`,
    changes: [],
    action: { kind: "create", email: key, ...(licenses ? { licenses } : {}) },
    ...rest,
  };
}

export const reasons = (d: Drafts) => d.drafts.map((x) => `${x.outcome}: ${x.reason}`);
