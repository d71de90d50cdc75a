// set-service-plans: switch service plans of an assigned license on or off. One license per row (License);
// either DisabledPlans (the whole disabled set, as Entra exports it; `[clear]` = every plan on) or
// EnablePlans / DisablePlans (switch only these). Already so → skip. The license must be assigned.

import { describeDisabled, inPlanOrder, resolvePlans, samePlans } from "../plan-rules/service-plans.ts";
import { isClearToken } from "../plan-rules/values.ts";
import {
  cell,
  error,
  existingUser,
  fileShape,
  type OperationDefinition,
  requiredCell,
  skip,
} from "./definition.ts";
import { hasSku, resolveLicenses } from "./lists.ts";

export const setServicePlansOperation: OperationDefinition = {
  operation: "set-service-plans",
  title: "Set service plans",
  description:
    "Switches service plans of an assigned license on or off: DisabledPlans sets the whole disabled list " +
    "([clear] = all on); EnablePlans / DisablePlans switch only the plans they name (several separated by ;).",
  ...fileShape(
    ["email", "license"],
    ["email", "license", "disabledPlans", "enablePlans", "disablePlans"],
    ["UserPrincipalName", "License", "DisabledPlans", "EnablePlans", "DisablePlans"],
    [
      ["jane.doe@example.com", "M365_E3", "YAMMER_ENTERPRISE; SWAY", "", ""],
      ["john.smith@example.com", "M365_E3", "", "TEAMS1", "YAMMER_ENTERPRISE"],
    ],
  ),

  planRow(record, key, ctx) {
    const found = existingUser(key, ctx);
    if ("draft" in found) return found.draft;
    const { user } = found;
    const errors: string[] = [];
    const licenses = resolveLicenses(requiredCell(record, "license", ctx, errors), ctx, errors);
    if (errors.length) return error(errors.join("; "));
    if (licenses.length !== 1) return error(`${ctx.headerOf("license")} must name one license per row`);
    const license = licenses[0]!;
    if (!hasSku(user.licenses, license.sku)) {
      return error(`${license.sku} is not assigned to this user; assign it first`);
    }
    const whole = cell(record, "disabledPlans");
    const enable = cell(record, "enablePlans");
    const disable = cell(record, "disablePlans");
    if (whole !== "" && (enable !== "" || disable !== "")) {
      return error(
        `Give either ${ctx.headerOf("disabledPlans")} or ${ctx.headerOf("enablePlans")} / ${ctx.headerOf("disablePlans")}, not both`,
      );
    }
    if (whole === "" && enable === "" && disable === "") {
      return error(
        `Nothing to change: give ${ctx.headerOf("disabledPlans")}, ${ctx.headerOf("enablePlans")} or ${ctx.headerOf("disablePlans")}`,
      );
    }
    const current = inPlanOrder(user.disabledPlans[license.sku.toUpperCase()] ?? [], license);
    let next: string[];
    if (whole !== "") {
      next = isClearToken(whole) ? [] : resolvePlans(whole, license, errors);
    } else {
      const on = resolvePlans(enable, license, errors);
      const off = resolvePlans(disable, license, errors);
      const both = on.filter((p) => off.includes(p));
      if (both.length) errors.push(`${both.join(", ")} cannot be both enabled and disabled`);
      const onSet = new Set(on.map((p) => p.toUpperCase()));
      next = [...current.filter((p) => !onSet.has(p.toUpperCase())), ...off];
    }
    if (errors.length) return error(errors.join("; "));
    next = inPlanOrder(next, license);
    if (next.length === license.servicePlans.length && next.length > 0) {
      return error(`Every service plan of ${license.sku} would be disabled; remove the license instead`);
    }
    if (samePlans(current, next)) {
      return skip(`${license.sku} plans already so (disabled: ${describeDisabled(current)})`);
    }
    const enabled = current.filter((p) => !next.includes(p));
    const disabled = next.filter((p) => !current.includes(p));
    const parts = [
      ...(disabled.length ? [`disable ${disabled.join(", ")}`] : []),
      ...(enabled.length ? [`enable ${enabled.join(", ")}`] : []),
    ];
    return {
      outcome: "change",
      reason: `${license.sku}: ${parts.join("; ")}`,
      changes: [
        {
          field: `${license.sku} disabled plans`,
          from: describeDisabled(current),
          to: describeDisabled(next),
        },
      ],
      action: { kind: "set-service-plans", email: key, servicePlans: { sku: license.sku, disabled: next } },
    };
  },
};
