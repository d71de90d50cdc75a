// remove-license: the License column names the SKUs to remove (same separators as assign-license); each
// must exist. Not assigned → skip. Frees the seats. Applies to active and disabled users; deleted → error.

import { formatList } from "../plan-rules/values.ts";
import type { Field } from "../types.ts";
import {
  error,
  existingUser,
  type OperationDefinition,
  requiredCell,
  rowSchemaFor,
  skip,
} from "./definition.ts";
import { hasSku, resolveLicenses } from "./lists.ts";

const FIELDS: Field[] = ["email", "license"];

export const removeLicenseOperation: OperationDefinition = {
  operation: "remove-license",
  title: "Remove licenses",
  description: "Removes the License column's SKUs (several separated by ;) and frees their seats.",
  requiredFields: FIELDS,
  usedFields: FIELDS,
  templateColumns: ["UserPrincipalName", "License"],
  templateExample: [
    ["jane.doe@example.com", "M365_E3"],
    ["john.smith@example.com", "M365_E3; M365_E5"],
  ],
  rowSchema: rowSchemaFor(FIELDS, FIELDS),

  planRow(record, key, ctx) {
    const found = existingUser(key, ctx);
    if ("draft" in found) return found.draft;
    const { user } = found;
    const errors: string[] = [];
    const value = requiredCell(record, "license", ctx, errors);
    const licenses = resolveLicenses(value, ctx, errors);
    if (errors.length > 0) return error(errors.join("; "));

    const toRemove = licenses.filter((l) => hasSku(user.licenses, l.sku)).map((l) => l.sku);
    if (toRemove.length === 0) return skip(`Not assigned: ${licenses.map((l) => l.sku).join(", ")}`);
    const removed = new Set(toRemove.map((s) => s.toUpperCase()));
    const after = user.licenses.filter((l) => !removed.has(l.toUpperCase()));
    return {
      outcome: "change",
      reason: `Remove ${toRemove.join(", ")}`,
      changes: [{ field: "licenses", from: formatList(user.licenses), to: formatList(after) }],
      action: { kind: "remove-license", email: key, licenses: { remove: toRemove } },
    };
  },
};
