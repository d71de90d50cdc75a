// delete: soft delete, restorable for RESTORE_WINDOW_DAYS (30) days, then purged by the scheduler.
// active or disabled → change; deleted → skip; unknown → "User not found". The user's reports keep their
// manager reference until the purge (the user still exists while restorable).

import { statusOperation } from "./status.ts";

export const RESTORE_WINDOW_DAYS = 30;

export const deleteOperation = statusOperation({
  operation: "delete",
  title: "Delete users",
  description: `Deletes users (soft delete): they can be restored for ${RESTORE_WINDOW_DAYS} days, then they are purged.`,
  to: "deleted",
  deletedUsers: true,
  reason: `Delete (restorable for ${RESTORE_WINDOW_DAYS} days)`,
  already: "Already deleted",
});
