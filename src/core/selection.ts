// "Select users by filter, then apply action X with value Y": the selection becomes the same CsvTable an
// uploaded file would produce, so it goes through the exact same planner and preview.

import { fieldHeader } from "./plan-rules/fields.ts";
import type { ColumnMapping, CsvRecord, CsvTable, DirectoryUser, Field, Operation } from "./types.ts";

/**
 * One record per user (row i+1, line i+2: as if the header were line 1), keyed by the user's e-mail, with
 * `values` (e.g. `{ license: "M365_E5" }` for assign-license, `{ group: "Sales" }` for add-to-group,
 * `{ department: "Sales" }` for update) on every row. Headers are the template names (FIELD_HEADERS).
 * An `email` entry in `values` is ignored: the key is always the selected user's.
 * `operation` is accepted for symmetry with the planner; the table does not depend on it.
 */
export function tableFromSelection(
  _operation: Operation,
  users: readonly DirectoryUser[],
  values: Partial<Record<Field, string>>,
): CsvTable {
  const fields = (Object.keys(values) as Field[]).filter((f) => f !== "email" && values[f] !== undefined);
  const header = [fieldHeader("email"), ...fields.map((f) => fieldHeader(f))];
  const columns: ColumnMapping[] = [
    { index: 0, header: fieldHeader("email"), field: "email" },
    ...fields.map((field, i) => ({ index: i + 1, header: fieldHeader(field), field })),
  ];
  const fixed = fields.map((f) => values[f]!);
  const records: CsvRecord[] = users.map((user, i) => {
    const rowValues: Partial<Record<Field, string>> = { email: user.email };
    for (let k = 0; k < fields.length; k++) rowValues[fields[k]!] = fixed[k]!.trim();
    return { row: i + 1, line: i + 2, values: rowValues, cells: [user.email, ...fixed], extraCells: [] };
  });
  return { encoding: "utf-8", delimiter: ",", header, columns, records, warnings: [] };
}
