// remove-from-group: the Group column names one or more groups separated by `;`. Each must exist. Not a
// member of any → skip. Applies to active and disabled users; deleted → error.

import { GROUP_TEMPLATE } from "./lists.ts";
import { GROUP_LIST, membershipOperation } from "./membership.ts";

export const removeFromGroupOperation = membershipOperation({
  operation: "remove-from-group",
  title: "Remove users from groups",
  description: "Removes each user from the Group column's groups (several separated by ;).",
  templateColumns: GROUP_TEMPLATE.columns,
  templateExample: GROUP_TEMPLATE.example,
  of: GROUP_LIST,
  direction: "remove",
  reason: (groups) => `Remove from ${groups}`,
  nothingToDo: (groups) => `Not a member of ${groups}`,
});
