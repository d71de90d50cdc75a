// delete: soft delete, restorable for RESTORE_WINDOW_DAYS (30) days, then purged by the scheduler.
// active or disabled → change; deleted → skip; unknown → "User not found". The user's reports keep their
// manager reference until the purge (the user still exists while restorable).

import type { Field } from "../types.ts";
import { existingUser, type OperationDefinition, rowSchemaFor, skip } from "./definition.ts";

const FIELDS: Field[] = ["email"];

export const RESTORE_WINDOW_DAYS = 30;

export const deleteOperation: OperationDefinition = {
  operation: "delete",
  title: "Delete users",
  description: `Deletes users (soft delete): they can be restored for ${RESTORE_WINDOW_DAYS} days, then they are purged.`,
  requiredFields: FIELDS,
  usedFields: FIELDS,
  templateColumns: ["UserPrincipalName"],
  templateExample: [["jane.doe@example.com"], ["john.smith@example.com"]],
  rowSchema: rowSchemaFor(FIELDS, FIELDS),

  planRow(_record, key, ctx) {
    const found = existingUser(key, ctx, true);
    if ("draft" in found) return found.draft;
    const { user } = found;
    if (user.status === "deleted") return skip("Already deleted");
    return {
      outcome: "change",
      reason: `Delete (restorable for ${RESTORE_WINDOW_DAYS} days)`,
      changes: [{ field: "status", from: user.status, to: "deleted" }],
      action: { kind: "delete", email: key, status: "deleted" },
    };
  },
};
