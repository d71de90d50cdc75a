// Service plans of a license (EXCHANGE_S_ENTERPRISE, TEAMS1, …): the names a cell gives, checked against the
// SKU's plans and spelled as the SKU spells them. Lists are `;`-separated, as Entra and M365 exports write them.
import type { DirectoryLicense } from "../types.ts";
import { splitList } from "./values.ts";

/** Plan lists: `;` (Entra / M365 exports), `,` tolerated. */
export const PLAN_SEPARATORS = /[;,]/;

/** The plans a cell names, in the SKU's spelling; unknown names are reported in `errors`. */
export function resolvePlans(value: string, license: DirectoryLicense, errors: string[]): string[] {
  const known = new Map(license.servicePlans.map((p) => [p.toUpperCase(), p]));
  const out: string[] = [];
  for (const name of splitList(value, PLAN_SEPARATORS)) {
    const plan = known.get(name.toUpperCase());
    if (plan === undefined) {
      errors.push(
        license.servicePlans.length === 0
          ? `${license.sku} has no service plans on record (add them with \`bulkusers license add ${license.sku} --plans …\`)`
          : `Unknown service plan '${name}' for ${license.sku} (its plans: ${license.servicePlans.join(", ")})`,
      );
    } else if (!out.includes(plan)) out.push(plan);
  }
  return out;
}

/** A plan list in the SKU's order, so old and new lists compare and read the same way. */
export function inPlanOrder(plans: readonly string[], license: DirectoryLicense): string[] {
  const rank = new Map(license.servicePlans.map((p, i) => [p.toUpperCase(), i]));
  return [...new Set(plans)].sort(
    (a, b) => (rank.get(a.toUpperCase()) ?? 1e9) - (rank.get(b.toUpperCase()) ?? 1e9) || a.localeCompare(b),
  );
}

export function samePlans(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a.map((p) => p.toUpperCase()));
  return a.length === b.length && b.every((p) => set.has(p.toUpperCase()));
}

/** How a disabled-plans list reads in a preview: "none" rather than blank. */
export function describeDisabled(plans: readonly string[]): string {
  return plans.length ? plans.join("; ") : "none";
}
