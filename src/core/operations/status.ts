// The status kind: operations that move a user to one status (disable, enable, delete). Each is one small
// definition (its file says its own rules); the shape they share is here: the file names users by e-mail
// only, an unknown user is an error, a user already in the target status is a skip, and the change is the
// status before and after.

import type { UserStatus } from "../types.ts";
import { EMAIL_ONLY_EXAMPLE, existingUser, fileShape, type OperationDefinition, skip } from "./definition.ts";

export interface StatusOperation {
  operation: "disable" | "enable" | "delete";
  title: string;
  description: string;
  to: UserStatus;
  /** Whether a deleted user is a target (delete: yes, it skips; the others: an error, restore it first). */
  deletedUsers: boolean;
  /** The change's reason, e.g. "Block sign-in". */
  reason: string;
  /** The skip reason of a user already in `to`, e.g. "Already disabled". */
  already: string;
}

export function statusOperation(spec: StatusOperation): OperationDefinition {
  return {
    operation: spec.operation,
    title: spec.title,
    description: spec.description,
    ...fileShape(["email"], ["email"], ["UserPrincipalName"], EMAIL_ONLY_EXAMPLE),

    planRow(_record, key, ctx) {
      const found = existingUser(key, ctx, spec.deletedUsers);
      if ("draft" in found) return found.draft;
      const { user } = found;
      if (user.status === spec.to) return skip(spec.already);
      return {
        outcome: "change",
        reason: spec.reason,
        changes: [{ field: "status", from: user.status, to: spec.to }],
        action: { kind: spec.operation, email: key, status: spec.to },
      };
    },
  };
}
