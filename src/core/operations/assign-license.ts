// assign-license: the License column names one or more SKUs (or license names), separated by `;`, `,` or
// `+`. Each must exist. Already assigned → skip. Each new assignment takes a free seat; when the plan needs
// more seats than are free, the rows beyond capacity fail in execution order (file order for this
// operation): "No free seats for M365_E5 (25 of 25 assigned)".
// Replace (license migration in ONE operation): a RemoveLicense column on the same row removes those
// SKUs in the same step. Its seat is freed before the new one is taken, so an E3 → E5 migration needs no
// spare E5 seat beyond the one per user, and the freed E3 seats are available to later rows. Removing a
// license the user does not have is not an error (the desired state already holds for it).
// Applies to active and disabled users (a disabled user keeps its seats); deleted → error.
// One row per assignment: a user may be on several rows with different SKUs (each sees what the earlier
// ones assign or remove); the same user and SKU on two rows is a duplicate.

import { describeDisabled, inPlanOrder, resolvePlans } from "../plan-rules/service-plans.ts";
import { formatList } from "../plan-rules/values.ts";
import {
  cell,
  error,
  existingUser,
  fileShape,
  type OperationDefinition,
  requiredCell,
  skip,
} from "./definition.ts";
import { hasSku, listSoFar, resolveLicenses, setListSoFar } from "./lists.ts";
import { itemKeys, LICENSE_LIST } from "./membership.ts";

export const assignLicenseOperation: OperationDefinition = {
  operation: "assign-license",
  title: "Assign licenses",
  description:
    "Assigns the License column's SKUs (several separated by ;). A RemoveLicense value on the same row " +
    "replaces that license (E3 → E5 migration in one step). DisabledPlans names service plans to leave off.",
  ...fileShape(
    ["email", "license"],
    ["email", "license", "removeLicense", "disabledPlans"],
    ["UserPrincipalName", "License", "RemoveLicense", "DisabledPlans"],
    [
      ["jane.doe@example.com", "M365_E3", "", "YAMMER_ENTERPRISE"],
      ["john.smith@example.com", "M365_E5", "M365_E3", ""],
    ],
  ),

  planRow(record, key, ctx) {
    const found = existingUser(key, ctx);
    if ("draft" in found) return found.draft;
    const current = listSoFar(ctx, key, "licenses", found.user.licenses);
    const errors: string[] = [];
    const wanted = requiredCell(record, "license", ctx, errors);
    const assign = resolveLicenses(wanted, ctx, errors);
    const remove = resolveLicenses(cell(record, "removeLicense"), ctx, errors);
    for (const l of assign) {
      if (remove.includes(l)) errors.push(`License ${l.sku} is both assigned and removed`);
    }
    // DisabledPlans: each plan belongs to one of the licenses the row assigns (as Entra's export pairs them).
    const disabledPlans: Record<string, string[]> = {};
    const planCell = cell(record, "disabledPlans");
    if (planCell !== "") {
      for (const name of planCell
        .split(/[;,]/)
        .map((p) => p.trim())
        .filter(Boolean)) {
        const owner = assign.find((l) => l.servicePlans.some((p) => p.toUpperCase() === name.toUpperCase()));
        if (!owner) {
          errors.push(
            `Unknown service plan '${name}' for ${assign.map((l) => l.sku).join(", ")}` +
              (assign.some((l) => l.servicePlans.length)
                ? ` (plans: ${assign.flatMap((l) => l.servicePlans).join(", ")})`
                : ""),
          );
          continue;
        }
        const sku = owner.sku.toUpperCase();
        disabledPlans[sku] = inPlanOrder(
          [...(disabledPlans[sku] ?? []), ...resolvePlans(name, owner, errors)],
          owner,
        );
      }
      for (const l of assign) {
        const off = disabledPlans[l.sku.toUpperCase()] ?? [];
        if (off.length > 0 && off.length === l.servicePlans.length) {
          errors.push(`Every service plan of ${l.sku} would be disabled`);
        }
      }
    }
    if (errors.length > 0) return error(errors.join("; "));

    const toAssign = assign.filter((l) => !hasSku(current, l.sku)).map((l) => l.sku);
    const toRemove = remove.filter((l) => hasSku(current, l.sku)).map((l) => l.sku);
    if (toAssign.length === 0 && toRemove.length === 0) {
      return skip(`Already assigned: ${assign.map((l) => l.sku).join(", ")}`);
    }
    const removed = new Set(toRemove.map((s) => s.toUpperCase()));
    const after = [...current.filter((l) => !removed.has(l.toUpperCase())), ...toAssign];
    setListSoFar(ctx, key, "licenses", after);
    let reason: string;
    if (toRemove.length === 0) reason = `Assign ${toAssign.join(", ")}`;
    else if (toAssign.length === 0)
      reason = `Remove ${toRemove.join(", ")} (already has ${assign.map((l) => l.sku).join(", ")})`;
    else reason = `Replace ${toRemove.join(", ")} with ${toAssign.join(", ")}`;
    const planned = Object.fromEntries(
      toAssign
        .map((sku) => [sku.toUpperCase(), disabledPlans[sku.toUpperCase()] ?? []] as const)
        .filter(([, off]) => off.length > 0),
    );
    return {
      outcome: "change",
      reason,
      changes: [
        { field: "licenses", from: formatList(current), to: formatList(after) },
        ...Object.entries(planned).map(([sku, off]) => ({
          field: `${sku} disabled plans`,
          from: null,
          to: describeDisabled(off),
        })),
      ],
      action: {
        kind: "assign-license",
        email: key,
        licenses: { assign: toAssign, remove: toRemove },
        ...(Object.keys(planned).length ? { disabledPlans: planned } : {}),
      },
    };
  },

  // One row per (user, license): the License column's SKUs make the pair (RemoveLicense rides along).
  pairKeys: (record, ctx) => itemKeys(LICENSE_LIST, cell(record, "license"), ctx),
};
