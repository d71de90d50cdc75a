// add-to-group: the Group column names one or more groups separated by `;` (case-insensitive). Each must
// exist ("create it with `npx bulkusers group add X`"). Already a member of all → skip. Applies to active and
// disabled users; deleted → error.

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

export const addToGroupOperation: OperationDefinition = {
  operation: "add-to-group",
  title: "Add users to groups",
  description: "Adds each user to the Group column's groups (several separated by ;).",
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

    const toAdd = groups.filter((g) => !hasGroup(user.groups, g.name)).map((g) => g.name);
    if (toAdd.length === 0) return skip(`Already a member of ${groups.map((g) => g.name).join(", ")}`);
    return {
      outcome: "change",
      reason: `Add to ${toAdd.join(", ")}`,
      changes: [
        { field: "groups", from: formatList(user.groups), to: formatList([...user.groups, ...toAdd]) },
      ],
      action: { kind: "add-to-group", email: key, groups: { add: toAdd } },
    };
  },
};
