// The planner: CsvTable + DirectoryView → Plan. Pure: no I/O, no clock (directory.now), no randomness.
//
// File level first: every required column of the operation must be mapped (`csv.missing_column`). Then a
// short pipeline, one module each under plan-steps/ (each says its rules):
// 1. row rules (each row alone: extra cells, formulas, the key, the operation's own rule);
// 2. in-file managers (creates depending on the create of their manager: missing ones and cycles fail);
// 3. update cycles (manager changes on or into a cycle of the final reporting lines fail);
// 4. execution order and seats (managers before their reports; rows beyond a license's capacity fail);
// 5. rows and warnings.

import type { OperationDefinition, PlanContext, PlanOptions } from "./operations/definition.ts";
import { OPERATION_DEFINITIONS } from "./operations/index.ts";
import { LicenseCatalog } from "./plan-rules/catalog.ts";
import { mixedDomainWarnings } from "./plan-rules/domains.ts";
import { fieldHeader, missingColumnRefusal } from "./plan-rules/fields.ts";
import { orderAndTakeSeats } from "./plan-steps/execution-order.ts";
import { linkInFileManagers } from "./plan-steps/in-file-managers.ts";
import { applyRowRules } from "./plan-steps/row-rules.ts";
import { planRows, planWarnings } from "./plan-steps/rows-and-warnings.ts";
import { failUpdateCycles } from "./plan-steps/update-cycles.ts";
import type { CsvTable, DirectoryView, Field, Operation, Plan, Refusal } from "./types.ts";

export type { PlanOptions } from "./operations/definition.ts";
export { CLEAR_TOKEN } from "./plan-rules/values.ts";
export { KEY_REQUIRED } from "./plan-steps/row-rules.ts";

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
  /**
   * Bounded memory for large files: change rows are kept in their stored form (CompactPlanRow, ~300
   * bytes a row instead of ~1 KB of objects), and the table's records are handed over — each is dropped
   * from `table.records` as soon as its row is planned, so the file and the plan are never both whole in
   * memory. The table cannot be planned again afterwards.
   */
  consume?: boolean;
}

export function planOperation(input: PlanInput): PlanResult {
  const { operation, table, directory } = input;
  const def = OPERATION_DEFINITIONS[operation];
  const ctx = planContext(input, def);
  if (!("headerOf" in ctx)) return ctx;

  const drafts = applyRowRules(table.records, def, ctx, input.consume === true);
  const parent = linkInFileManagers(drafts);
  failUpdateCycles(drafts, directory);
  const executionOrder = orderAndTakeSeats(drafts, parent, directory);
  const { rows, summary, secrets } = planRows(drafts);
  const warnings = planWarnings(table, operation, def.usedFields, drafts.dnManagers);
  // No BULKUSERS_DOMAINS to check new addresses against: point out a rare domain next to a common one.
  if ((operation === "create" || operation === "update") && !input.options.domains?.length) {
    warnings.push(...mixedDomainWarnings(rows));
  }
  return {
    ok: true,
    plan: { operation, summary, rows, executionOrder, warnings, header: table.header },
    secrets,
  };
}

/** The context every row shares; refused when a column the operation requires is not mapped. */
function planContext(
  { operation, table, directory, options }: PlanInput,
  def: OperationDefinition,
): PlanContext | { ok: false; refusal: Refusal } {
  const headerByField = new Map<Field, string>();
  for (const c of table.columns) {
    if (c.field !== null && !headerByField.has(c.field)) headerByField.set(c.field, c.header);
  }
  for (const f of def.requiredFields) {
    if (!headerByField.has(f)) return { ok: false, refusal: missingColumnRefusal(f) };
  }
  return {
    operation,
    directory,
    options,
    nowMs: Date.parse(directory.now),
    licenses: new LicenseCatalog(directory.licenses.values()),
    headerOf: (field) => headerByField.get(field) ?? fieldHeader(field),
    fields: [...headerByField.keys()],
    memo: new Map(),
  };
}
