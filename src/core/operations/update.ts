// update: change existing users. A blank cell leaves the value unchanged; the token `[clear]` (any case,
// CLEAR_TOKEN) clears it (DisplayName cannot be cleared). Only the fields that differ are changed; a row
// with nothing to change is a skip. Applies to active and disabled users; a deleted user is an error
// ("restore it first"); an unknown user is "User not found". The manager must be an existing user that is
// not deleted; a change that would make anyone report to themselves (through the directory's reporting
// lines and the other updates of the file) fails. BlockSignIn Yes/No disables/enables the user;
// ForceChangePassword sets "must change password at next sign-in". The key cannot be changed.
// Password, License and Group columns are not used by update (use reset-password, assign-license, …).

import { domainProblem } from "../plan-rules/domains.ts";
import { currentValue, PROFILE_FIELDS } from "../plan-rules/fields.ts";
import { yesNo } from "../plan-rules/values.ts";
import type { AttributeField, Field, FieldChange, PlannedAction, UserField } from "../types.ts";
import {
  error,
  existingUser,
  type OperationDefinition,
  rowSchemaFor,
  skip,
  USER_NOT_FOUND,
} from "./definition.ts";
import { PROFILE_TEMPLATE_COLUMNS, parseProfile } from "./profile.ts";

const REQUIRED: Field[] = ["email"];
const USED: Field[] = ["email", ...PROFILE_FIELDS, "manager", "forceChangePassword", "blockSignIn"];

export const updateOperation: OperationDefinition = {
  operation: "update",
  title: "Update users",
  description:
    "Changes the given values of existing users. Blank cells leave a value unchanged; [clear] clears it.",
  requiredFields: REQUIRED,
  usedFields: USED,
  templateColumns: [
    "UserPrincipalName",
    "DisplayName",
    "FirstName",
    "LastName",
    ...PROFILE_TEMPLATE_COLUMNS,
    "BlockSignIn",
    "ForceChangePassword",
  ],
  templateExample: [
    [
      "jane.doe@example.com",
      "",
      "",
      "",
      "Sales",
      "VP Sales",
      "",
      "",
      "New York",
      "+1 212 555 0100",
      "[clear]",
      "",
      "New York",
      "NY",
      "10001",
      "United States",
      "US",
      "",
      "",
      "",
      "",
      "",
    ],
  ],
  rowSchema: rowSchemaFor(REQUIRED, USED),

  planRow(record, key, ctx) {
    const found = existingUser(key, ctx);
    if ("draft" in found) {
      // An unknown address outside the organisation's domains is most likely a typo: say which domain.
      const domain = ctx.directory.users.has(key) ? null : domainProblem(key, ctx.options.domains);
      return domain !== null ? error(`${USER_NOT_FOUND}: ${domain}`) : found.draft;
    }
    const user = found.user;

    const p = parseProfile(record, key, ctx, "update");
    const errors = p.errors;
    if (p.manager) {
      const m = ctx.directory.users.get(p.manager);
      if (m === undefined) errors.push(`Manager ${p.manager} does not exist`);
      else if (m.status === "deleted") errors.push(`Manager ${p.manager} is deleted`);
    }
    if (errors.length > 0) return error(errors.join("; "));

    const set: Partial<Record<UserField | AttributeField, string | null>> = {};
    const changes: FieldChange[] = [];
    const labels: string[] = [];
    for (let k = 0; k < p.fields.length; k++) {
      const f = p.fields[k]!;
      const v = p.values[k] ?? null;
      const cur = currentValue(user, f);
      if (cur === v) continue;
      set[f] = v;
      changes.push({ field: f, from: cur, to: v });
      labels.push(ctx.headerOf(f));
    }
    let newManager: string | null | undefined;
    if (p.manager !== undefined && p.manager !== (user.manager ?? null)) {
      newManager = p.manager;
      set.manager = p.manager;
      changes.push({ field: "manager", from: user.manager ?? null, to: p.manager });
      labels.push(ctx.headerOf("manager"));
    }
    const action: PlannedAction = { kind: "update", email: key, set };
    if (p.blockSignIn !== undefined) {
      const status = p.blockSignIn ? "disabled" : "active";
      if (user.status !== status) {
        action.status = status;
        changes.push({ field: "status", from: user.status, to: status });
        labels.push(ctx.headerOf("blockSignIn"));
      }
    }
    if (p.forceChangePassword !== undefined && p.forceChangePassword !== user.mustChangePassword) {
      action.mustChangePassword = p.forceChangePassword;
      changes.push({
        field: "mustChangePassword",
        from: yesNo(user.mustChangePassword),
        to: yesNo(p.forceChangePassword),
      });
      labels.push(ctx.headerOf("forceChangePassword"));
    }
    if (changes.length === 0) return skip("Already up to date");
    return {
      outcome: "change",
      reason: `Update ${labels.join(", ")}`,
      changes,
      action,
      ...(newManager !== undefined ? { newManager } : {}),
    };
  },
};
