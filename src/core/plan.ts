// The planner: CsvTable + DirectoryView → Plan. Pure: no I/O, no clock (directory.now), no randomness.
//
// 1. File level: every required column of the operation must be mapped (`csv.missing_column`).
// 2. Each row, in file order: extra non-empty cells, spreadsheet formulas (in the columns the operation
//    uses; the Password column is exempt), the key (required, valid e-mail, first occurrence wins), then the
//    operation's own rule (operations/*.ts).
// 3. Plan-wide rules: creates whose manager is created by the same file depend on that row (cycles fail,
//    and so do rows whose manager row failed); manager updates on (or leading into) a cycle of the final
//    reporting lines fail; seats are taken in execution order and rows beyond capacity fail.
// 4. Execution order: change rows in file order, except that a create comes after the in-file create of its
//    manager (stable topological order).

import type { ChangeDraft, PlanContext, PlanOptions, RowDraft } from "./operations/definition.ts";
import { OPERATION_DEFINITIONS } from "./operations/index.ts";
import { isDistinguishedName } from "./operations/profile.ts";
import { LicenseCatalog } from "./plan-rules/catalog.ts";
import { mixedDomainWarnings } from "./plan-rules/domains.ts";
import { invalidEmailMessage, isValidEmail } from "./plan-rules/email.ts";
import { fieldHeader, missingColumnRefusal } from "./plan-rules/fields.ts";
import { dependencyOrder, findRowCycles, findUpdateCycles, formatCycle } from "./plan-rules/managers.ts";
import { SeatLedger } from "./plan-rules/seats.ts";
import { formulaMessage, looksLikeFormula, plural, quoteValue } from "./plan-rules/values.ts";
import type { CsvTable, DirectoryView, Field, Operation, Plan, PlanRow, Refusal } from "./types.ts";

export type { PlanOptions } from "./operations/definition.ts";
export { CLEAR_TOKEN } from "./plan-rules/values.ts";

export type PlanResult =
  | {
      ok: true;
      plan: Plan;
      /** Row number → password supplied in the file, for change rows only. The adapter seals them. */
      secrets: Map<number, string>;
    }
  | { ok: false; refusal: Refusal };

export interface PlanInput {
  operation: Operation;
  table: CsvTable;
  directory: DirectoryView;
  options: PlanOptions;
}

export const KEY_REQUIRED = "UserPrincipalName is required";

export function planOperation(input: PlanInput): PlanResult {
  const { operation, table, directory, options } = input;
  const def = OPERATION_DEFINITIONS[operation];

  const headerByField = new Map<Field, string>();
  for (const c of table.columns) {
    if (c.field !== null && !headerByField.has(c.field)) headerByField.set(c.field, c.header);
  }
  const fields = [...headerByField.keys()];
  for (const f of def.requiredFields) {
    if (!headerByField.has(f)) return { ok: false, refusal: missingColumnRefusal(f) };
  }

  const ctx: PlanContext = {
    operation,
    directory,
    options,
    nowMs: Date.parse(directory.now),
    licenses: new LicenseCatalog(directory.licenses.values()),
    headerOf: (field) => headerByField.get(field) ?? fieldHeader(field),
    fields,
    memo: new Map(),
  };
  const used: ReadonlySet<string> = new Set(def.usedFields);
  // Formula check: the columns the operation uses, except Password (a password is never a formula).
  const formulaFields = fields.filter((f) => used.has(f) && f !== "password");
  const usesManager = used.has("manager") && headerByField.has("manager");

  const records = table.records;
  const n = records.length;
  const drafts: RowDraft[] = new Array(n);
  const keys: string[] = new Array(n);
  const firstIndexOfKey = new Map<string, number>();
  let dnManagers = 0;

  // 2. Row-local rules.
  for (let i = 0; i < n; i++) {
    const record = records[i]!;
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
    } else {
      const first = firstIndexOfKey.get(key);
      if (first !== undefined) {
        drafts[i] = { outcome: "error", reason: `Duplicate of row ${records[first]!.row}` };
        continue;
      }
      firstIndexOfKey.set(key, i);
    }
    drafts[i] =
      errors !== undefined ? { outcome: "error", reason: errors.join("; ") } : def.planRow(record, key, ctx);
  }

  // 3a. Creates that depend on the in-file create of their manager.
  const parent = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const d = drafts[i]!;
    if (d.outcome !== "change" || d.dependsOn === undefined) continue;
    const j = firstIndexOfKey.get(d.dependsOn);
    if (j === undefined) {
      drafts[i] = {
        outcome: "error",
        reason: `Manager ${d.dependsOn} does not exist (not in the directory and not created by this file)`,
      };
    } else {
      parent[i] = j;
    }
  }
  const isChange = (i: number): boolean => drafts[i]!.outcome === "change";
  for (const cycle of findRowCycles(parent, isChange)) {
    const reason = `Reporting cycle in this file: ${formatCycle(cycle.map((i) => keys[i]!))}`;
    for (const i of cycle) drafts[i] = { outcome: "error", reason };
  }

  // 3b. Manager updates on or leading into a cycle of the final reporting lines (directory + all updates).
  const newManagers = new Map<string, string | null>();
  const indexOfUpdate = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const d = drafts[i]!;
    if (d.outcome === "change" && d.newManager !== undefined) {
      newManagers.set(keys[i]!, d.newManager);
      indexOfUpdate.set(keys[i]!, i);
    }
  }
  if (newManagers.size > 0) {
    const cycles = findUpdateCycles(newManagers, (email) => directory.users.get(email)?.manager ?? null);
    for (const [key, { cycle, onCycle }] of cycles) {
      drafts[indexOfUpdate.get(key)!] = {
        outcome: "error",
        reason: onCycle
          ? `Manager change would create a reporting cycle: ${formatCycle(cycle)}`
          : `Manager change leads into a reporting cycle: ${formatCycle(cycle)}; fix that cycle first`,
      };
    }
  }

  // 3c + 4. Execution order; failed managers propagate; seats are taken in that order.
  const ledger = new SeatLedger(directory.licenses.values());
  const executionOrder: number[] = [];
  for (const i of dependencyOrder(parent, isChange)) {
    const d = drafts[i] as ChangeDraft;
    const p = parent[i]!;
    if (p >= 0 && drafts[p]!.outcome === "error") {
      drafts[i] = {
        outcome: "error",
        reason: `Manager ${d.dependsOn} is not created: row ${records[p]!.row} failed`,
      };
      continue;
    }
    const licenses = d.action.licenses;
    if (licenses !== undefined) {
      const problem = ledger.apply(licenses.assign, licenses.remove);
      if (problem !== null) {
        drafts[i] = { outcome: "error", reason: problem };
        continue;
      }
    }
    executionOrder.push(records[i]!.row);
  }

  // Rows, summary, secrets.
  const rows: PlanRow[] = new Array(n);
  const summary = { change: 0, skip: 0, error: 0 };
  const secrets = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const record = records[i]!;
    const d = drafts[i]!;
    summary[d.outcome]++;
    if (d.outcome === "change") {
      rows[i] = {
        row: record.row,
        line: record.line,
        key: keys[i]!,
        outcome: "change",
        reason: d.reason,
        changes: d.changes,
        action: d.action,
      };
      if (d.password !== undefined) secrets.set(record.row, d.password);
    } else {
      rows[i] = {
        row: record.row,
        line: record.line,
        key: keys[i]!,
        outcome: d.outcome,
        reason: d.reason,
        changes: [],
      };
    }
  }

  const warnings = [...table.warnings];
  const unused: string[] = [];
  for (const c of table.columns) {
    if (c.field !== null && !used.has(c.field)) unused.push(c.header);
  }
  if (unused.length > 0) {
    const many = unused.length > 1;
    warnings.push(
      `Column${many ? "s" : ""} not used by ${operation} ${many ? "were" : "was"} ignored: ${unused.join(", ")}.`,
    );
  }
  // No BULKUSERS_DOMAINS to check new addresses against: point out a rare domain next to a common one.
  if ((operation === "create" || operation === "update") && !options.domains?.length) {
    warnings.push(...mixedDomainWarnings(rows));
  }
  if (dnManagers > 0) {
    warnings.push(
      `${plural(dnManagers, "row")} ${dnManagers === 1 ? "has" : "have"} a manager written as an AD distinguished name (CN=…); write the manager's e-mail address instead.`,
    );
  }

  return {
    ok: true,
    plan: { operation, summary, rows, executionOrder, warnings, header: table.header },
    secrets,
  };
}

function addError(errors: string[] | undefined, message: string): string[] {
  if (errors === undefined) return [message];
  errors.push(message);
  return errors;
}
