// enable: allow sign-in again. disabled → change; active → skip; deleted → error (restore it first);
// unknown → "User not found".

import type { Field } from "../types.ts";
import { existingUser, type OperationDefinition, rowSchemaFor, skip } from "./definition.ts";

const FIELDS: Field[] = ["email"];

export const enableOperation: OperationDefinition = {
  operation: "enable",
  title: "Enable users",
  description: "Allows disabled users to sign in again.",
  requiredFields: FIELDS,
  usedFields: FIELDS,
  templateColumns: ["UserPrincipalName"],
  templateExample: [["jane.doe@example.com"], ["john.smith@example.com"]],
  rowSchema: rowSchemaFor(FIELDS, FIELDS),

  planRow(_record, key, ctx) {
    const found = existingUser(key, ctx);
    if ("draft" in found) return found.draft;
    const { user } = found;
    if (user.status === "active") return skip("Already active");
    return {
      outcome: "change",
      reason: "Allow sign-in",
      changes: [{ field: "status", from: user.status, to: "active" }],
      action: { kind: "enable", email: key, status: "active" },
    };
  },
};
