import {
  EMAIL_ONLY_EXAMPLE,
  error,
  existingUser,
  fileShape,
  type OperationDefinition,
  skip,
} from "./definition.ts";
import { RESTORE_WINDOW_DAYS } from "./delete.ts";

const WINDOW_MS = RESTORE_WINDOW_DAYS * 86_400_000;

export const restoreOperation: OperationDefinition = {
  operation: "restore",
  title: "Restore deleted users",
  description: `Restores users deleted less than ${RESTORE_WINDOW_DAYS} days ago, with the status they had before.`,
  ...fileShape(["email"], ["email"], ["UserPrincipalName"], EMAIL_ONLY_EXAMPLE),

  planRow(_record, key, ctx) {
    const found = existingUser(key, ctx, true);
    if ("draft" in found) return found.draft;
    const { user } = found;
    if (user.status !== "deleted") return skip("Not deleted");
    const deletedMs = user.deletedAt === null ? Number.NaN : Date.parse(user.deletedAt);
    if (ctx.nowMs - deletedMs > WINDOW_MS) {
      return error(
        `This user was deleted more than ${RESTORE_WINDOW_DAYS} days ago; it can no longer be restored (deleted ${user.deletedAt?.slice(0, 10)})`,
      );
    }
    const status = user.disabledAt !== null ? "disabled" : "active";
    return {
      outcome: "change",
      reason: status === "disabled" ? "Restore (sign-in stays blocked)" : "Restore",
      changes: [{ field: "status", from: "deleted", to: status }],
      action: { kind: "restore", email: key, status },
    };
  },
};
