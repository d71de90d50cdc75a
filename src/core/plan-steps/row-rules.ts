// Phase 1 of a plan: each row alone, in file order. Extra non-empty cells, spreadsheet formulas (in the
// columns the operation uses; the Password column is exempt: a password is never a formula), the key
// (required, a valid e-mail, first occurrence wins; for operations on (user, item) pairs the pair is the
// key), then the operation's own rule (operations/*.ts).

import type { ChangeDraft, OperationDefinition, PlanContext, RowDraft } from "../operations/definition.ts";
import { isDistinguishedName } from "../operations/profile.ts";
import { invalidEmailMessage, isValidEmail } from "../plan-rules/email.ts";
import { formulaMessage, looksLikeFormula, plural, quoteValue } from "../plan-rules/values.ts";
import { CompactPlanRow } from "../stored-row.ts";
import type { CsvRecord, PlanRow } from "../types.ts";
import type { Drafts } from "./drafts.ts";

export const KEY_REQUIRED = "UserPrincipalName is required";

export interface RowRulesResult extends Drafts {
  /** Rows whose Manager is an AD distinguished name (CN=…): a warning, the operation's rule says the rest. */
  dnManagers: number;
}

export function applyRowRules(
  records: (CsvRecord | undefined)[],
  def: OperationDefinition,
  ctx: PlanContext,
  /**
   * The caller hands the records over (PlanInput.consume): each is dropped from the array once its rules
   * ran, and change rows are made in their stored form there and then (Drafts.compactRows).
   */
  consume = false,
): RowRulesResult {
  const used: ReadonlySet<string> = new Set(def.usedFields);
  const formulaFields = ctx.fields.filter((f) => used.has(f) && f !== "password");
  const usesManager = used.has("manager") && ctx.fields.includes("manager");

  const n = records.length;
  const drafts: RowDraft[] = new Array(n);
  const keys: string[] = new Array(n);
  const rowNumbers = new Int32Array(n);
  const lines = new Int32Array(n);
  const compactRows: (PlanRow | undefined)[] | undefined = consume ? new Array(n) : undefined;
  const firstIndexOfKey = new Map<string, number>();
  const firstIndexOfPair = new Map<string, number>();
  let dnManagers = 0;

  for (let i = 0; i < n; i++) {
    const record = records[i]!;
    if (consume) records[i] = undefined;
    rowNumbers[i] = record.row;
    lines[i] = record.line;
    // Allocated only for rows that fail here (most rows do not).
    let errors: string[] | undefined;
    if (record.extraCells.length > 0) {
      const extra = record.extraCells.length;
      errors = [
        `Row has ${plural(extra, "more value")} than the header (${record.extraCells
          .slice(0, 3)
          .map((c) => quoteValue(c.trim(), 20))
          .join(", ")}${extra > 3 ? ", …" : ""}); quote values that contain the delimiter`,
      ];
    }
    for (const field of formulaFields) {
      const v = record.values[field];
      if (v !== undefined && v !== "" && looksLikeFormula(v)) {
        errors = addError(errors, formulaMessage(v, ctx.headerOf(field)));
      }
    }
    if (usesManager) {
      const m = record.values.manager;
      if (m !== undefined && isDistinguishedName(m.trim())) dnManagers++;
    }

    const raw = (record.values.email ?? "").trim();
    const key = raw.toLowerCase();
    keys[i] = key;
    if (raw === "") {
      errors = addError(errors, KEY_REQUIRED);
    } else if (!isValidEmail(key)) {
      if (!looksLikeFormula(raw)) errors = addError(errors, invalidEmailMessage(raw));
    } else if (def.pairKeys !== undefined) {
      // One row per assignment: the (user, item) pair is the row's key, the user alone may repeat.
      const pairs = def.pairKeys(record, ctx);
      const repeated = pairs.find((p) => firstIndexOfPair.has(`${key}\n${p}`));
      if (repeated !== undefined) {
        const first = firstIndexOfPair.get(`${key}\n${repeated}`)!;
        drafts[i] = {
          outcome: "error",
          reason: `Duplicate of row ${rowNumbers[first]} (same user and ${repeated})`,
        };
        continue;
      }
      for (const p of pairs) firstIndexOfPair.set(`${key}\n${p}`, i);
      if (!firstIndexOfKey.has(key)) firstIndexOfKey.set(key, i);
    } else {
      const first = firstIndexOfKey.get(key);
      if (first !== undefined) {
        drafts[i] = { outcome: "error", reason: `Duplicate of row ${rowNumbers[first]}` };
        continue;
      }
      firstIndexOfKey.set(key, i);
    }
    if (errors !== undefined) {
      drafts[i] = { outcome: "error", reason: errors.join("; ") };
      continue;
    }
    const draft = def.planRow(record, key, ctx);
    if (compactRows !== undefined && draft.outcome === "change") {
      const position = { row: record.row, line: record.line, key, reason: draft.reason };
      compactRows[i] = new CompactPlanRow(ctx.operation, position, draft.changes, draft.action);
      drafts[i] = slim(draft);
    } else {
      drafts[i] = draft;
    }
  }
  return {
    rowNumbers,
    lines,
    drafts,
    keys,
    firstIndexOfKey,
    dnManagers,
    ...(compactRows ? { compactRows } : {}),
  };
}

/**
 * A change draft with only what the later phases read — its manager links, licenses and supplied
 * password; its plan row is made already (the reason and changes are there). Most rows have none of
 * these: they share one draft.
 */
function slim(draft: ChangeDraft): ChangeDraft {
  const { kind, email, licenses } = draft.action;
  if (
    licenses === undefined &&
    draft.password === undefined &&
    draft.dependsOn === undefined &&
    draft.newManager === undefined
  ) {
    return PLAIN_CHANGE;
  }
  return {
    outcome: "change",
    reason: draft.reason,
    changes: [],
    action: licenses ? { kind, email, licenses } : { kind, email },
    ...(draft.password !== undefined ? { password: draft.password } : {}),
    ...(draft.dependsOn !== undefined ? { dependsOn: draft.dependsOn } : {}),
    ...(draft.newManager !== undefined ? { newManager: draft.newManager } : {}),
  };
}

/**
 * The draft shared by change rows without manager links, licenses or a password. The later phases read
 * only its outcome (and the absence of the rest); its action's kind and e-mail are placeholders.
 */
const PLAIN_CHANGE: ChangeDraft = Object.freeze({
  outcome: "change",
  reason: "",
  changes: Object.freeze([]) as unknown as ChangeDraft["changes"],
  action: Object.freeze({ kind: "create", email: "" }) as ChangeDraft["action"],
}) as ChangeDraft;

function addError(errors: string[] | undefined, message: string): string[] {
  if (errors === undefined) return [message];
  errors.push(message);
  return errors;
}
