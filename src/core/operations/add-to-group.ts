// add-to-group: the Group column names one or more groups separated by `;` (case-insensitive). Each must
// exist ("create it with `npx bulkusers group add X`"). Already a member of all → skip. Applies to active and
// disabled users; deleted → error.

import { GROUP_TEMPLATE } from "./lists.ts";
import { GROUP_LIST, membershipOperation } from "./membership.ts";

export const addToGroupOperation = membershipOperation({
  operation: "add-to-group",
  title: "Add users to groups",
  description: "Adds each user to the Group column's groups (several separated by ;).",
  templateColumns: GROUP_TEMPLATE.columns,
  templateExample: GROUP_TEMPLATE.example,
  of: GROUP_LIST,
  direction: "add",
  reason: (groups) => `Add to ${groups}`,
  nothingToDo: (groups) => `Already a member of ${groups}`,
});
