// disable: block sign-in. active → change; disabled → skip; deleted → error (restore it first);
// unknown → "User not found". Licenses and group memberships are kept.

import type { Field } from "../types.ts";
import { existingUser, type OperationDefinition, rowSchemaFor, skip } from "./definition.ts";

const FIELDS: Field[] = ["email"];

export const disableOperation: OperationDefinition = {
  operation: "disable",
  title: "Disable users",
  description: "Blocks sign-in for each user. Licenses and group memberships are kept; enable reverses it.",
  requiredFields: FIELDS,
  usedFields: FIELDS,
  templateColumns: ["UserPrincipalName"],
  templateExample: [["jane.doe@example.com"], ["john.smith@example.com"]],
  rowSchema: rowSchemaFor(FIELDS, FIELDS),

  planRow(_record, key, ctx) {
    const found = existingUser(key, ctx);
    if ("draft" in found) return found.draft;
    const { user } = found;
    if (user.status === "disabled") return skip("Already disabled");
    return {
      outcome: "change",
      reason: "Block sign-in",
      changes: [{ field: "status", from: user.status, to: "disabled" }],
      action: { kind: "disable", email: key, status: "disabled" },
    };
  },
};
