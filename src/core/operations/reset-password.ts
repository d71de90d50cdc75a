// reset-password: set a new password for an existing user: the one in the Password column, or generated
// at execution when blank. The user must change it at next sign-in unless ForceChangePassword is No.
// Applies to active and disabled users (so a password can be set before re-enabling); deleted → error;
// unknown → "User not found". Always a change: a password cannot be compared.

import { checkPassword, suppliedPassword } from "../passwords.ts";
import { yesNo } from "../plan-rules/values.ts";
import type { FieldChange, PlannedAction } from "../types.ts";
import { cell, error, existingUser, fileShape, type OperationDefinition } from "./definition.ts";
import { readBoolean } from "./profile.ts";

export const resetPasswordOperation: OperationDefinition = {
  operation: "reset-password",
  title: "Reset passwords",
  description:
    "Sets a new password: the one in the file, or a generated temporary password when blank (sent privately to the approver).",
  ...fileShape(
    ["email"],
    ["email", "password", "forceChangePassword"],
    ["UserPrincipalName", "Password", "ForceChangePassword"],
    [
      ["jane.doe@example.com", "", "Yes"],
      ["john.smith@example.com", "Temp-Pass-2025!", "Yes"],
    ],
  ),

  planRow(record, key, ctx) {
    const found = existingUser(key, ctx);
    if ("draft" in found) return found.draft;
    const { user } = found;
    const errors: string[] = [];
    const password = suppliedPassword(cell(record, "password"));
    if (password !== "") {
      const check = checkPassword(password, ctx.options.passwordMinLength);
      if (!check.ok) errors.push(check.reason);
    }
    const force = readBoolean(record, "forceChangePassword", ctx, errors);
    if (errors.length > 0) return error(errors.join("; "));

    const mustChangePassword = force !== false;
    const supplied = password !== "";
    const changes: FieldChange[] = [
      { field: "password", from: null, to: supplied ? "(from file)" : "(generated)" },
    ];
    if (mustChangePassword !== user.mustChangePassword) {
      changes.push({
        field: "mustChangePassword",
        from: yesNo(user.mustChangePassword),
        to: yesNo(mustChangePassword),
      });
    }
    const action: PlannedAction = { kind: "reset-password", email: key, mustChangePassword };
    if (supplied) action.suppliedPassword = true;
    else action.generatePassword = true;
    return {
      outcome: "change",
      reason: supplied ? "Reset password (from file)" : "Reset password (generated)",
      changes,
      action,
      ...(supplied ? { password } : {}),
    };
  },
};
