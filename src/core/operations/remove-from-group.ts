// remove-from-group: the Group column names one or more groups separated by `;`. Each must exist. Not a
// member of any → skip. Applies to active and disabled users; deleted → error.

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
import { GROUP_TEMPLATE, hasGroup, resolveGroups } from "./lists.ts";

const FIELDS: Field[] = ["email", "group"];

export const removeFromGroupOperation: OperationDefinition = {
  operation: "remove-from-group",
  title: "Remove users from groups",
  description: "Removes each user from the Group column's groups (several separated by ;).",
  requiredFields: FIELDS,
  usedFields: FIELDS,
  templateColumns: GROUP_TEMPLATE.columns,
  templateExample: GROUP_TEMPLATE.example,
  rowSchema: rowSchemaFor(FIELDS, FIELDS),

  planRow(record, key, ctx) {
    const found = existingUser(key, ctx);
    if ("draft" in found) return found.draft;
    const { user } = found;
    const errors: string[] = [];
    const value = requiredCell(record, "group", ctx, errors);
    const groups = resolveGroups(value, ctx, errors);
    if (errors.length > 0) return error(errors.join("; "));

    const toRemove = groups.filter((g) => hasGroup(user.groups, g.name)).map((g) => g.name);
    if (toRemove.length === 0) return skip(`Not a member of ${groups.map((g) => g.name).join(", ")}`);
    const removed = new Set(toRemove.map((g) => g.toLowerCase()));
    return {
      outcome: "change",
      reason: `Remove from ${toRemove.join(", ")}`,
      changes: [
        {
          field: "groups",
          from: formatList(user.groups),
          to: formatList(user.groups.filter((g) => !removed.has(g.toLowerCase()))),
        },
      ],
      action: { kind: "remove-from-group", email: key, groups: { remove: toRemove } },
    };
  },
};
