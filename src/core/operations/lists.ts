// License and group cells: split, resolve against the directory, report unknown names. The same cell
// value usually repeats across many rows, so each distinct value is resolved once per plan.

import { resolveGroup, unknownGroupMessage, unknownLicenseMessage } from "../plan-rules/catalog.ts";
import { GROUP_SEPARATORS, LICENSE_SEPARATORS, splitList } from "../plan-rules/values.ts";
import type { DirectoryGroup, DirectoryLicense } from "../types.ts";
import type { PlanContext } from "./definition.ts";

interface Resolved<T> {
  items: readonly T[];
  errors: readonly string[];
}

const NONE: Resolved<never> = { items: [], errors: [] };

function memoised<T>(ctx: PlanContext, kind: string, value: string, compute: () => Resolved<T>): Resolved<T> {
  let byValue = ctx.memo.get(kind) as Map<string, Resolved<T>> | undefined;
  if (byValue === undefined) {
    byValue = new Map();
    ctx.memo.set(kind, byValue);
  }
  let r = byValue.get(value);
  if (r === undefined) {
    r = compute();
    byValue.set(value, r);
  }
  return r;
}

/** SKUs (or license names) separated by `;`, `,` or `+`; each must exist. Unknown ones are reported. */
export function resolveLicenses(
  value: string,
  ctx: PlanContext,
  errors: string[],
): readonly DirectoryLicense[] {
  if (value === "") return NONE.items;
  const r = memoised(ctx, "licenses", value, () => {
    const items: DirectoryLicense[] = [];
    const errs: string[] = [];
    for (const token of splitList(value, LICENSE_SEPARATORS)) {
      const license = ctx.licenses.resolve(token);
      if (license === undefined) errs.push(unknownLicenseMessage(token, ctx.licenses));
      else if (!items.includes(license)) items.push(license);
    }
    return { items, errors: errs };
  });
  if (r.errors.length > 0) errors.push(...r.errors);
  return r.items;
}

/** Group names separated by `;`; each must exist. Unknown ones are reported. */
export function resolveGroups(value: string, ctx: PlanContext, errors: string[]): readonly DirectoryGroup[] {
  if (value === "") return NONE.items;
  const r = memoised(ctx, "groups", value, () => {
    const items: DirectoryGroup[] = [];
    const errs: string[] = [];
    for (const token of splitList(value, GROUP_SEPARATORS)) {
      const group = resolveGroup(ctx.directory, token);
      if (group === undefined) errs.push(unknownGroupMessage(token));
      else if (!items.includes(group)) items.push(group);
    }
    return { items, errors: errs };
  });
  if (r.errors.length > 0) errors.push(...r.errors);
  return r.items;
}

export function hasSku(userLicenses: readonly string[], sku: string): boolean {
  const k = sku.toUpperCase();
  return userLicenses.some((l) => l.toUpperCase() === k);
}

export function hasGroup(userGroups: readonly string[], name: string): boolean {
  const k = name.toLowerCase();
  return userGroups.some((g) => g.toLowerCase() === k);
}

/** add-to-group and remove-from-group take the same file (its groups exist in the demo organisation). */
export const GROUP_TEMPLATE = {
  columns: ["UserPrincipalName", "Group"],
  example: [
    ["jane.doe@example.com", "dept-sales"],
    ["john.smith@example.com", "dept-sales; all-staff"],
  ],
};

/**
 * A user's groups or licenses as the earlier rows of this plan leave them: with one row per assignment a
 * user's second row must see what the first one adds or removes (rows are planned in file order).
 */
export function listSoFar(
  ctx: PlanContext,
  key: string,
  list: "groups" | "licenses",
  fromDirectory: readonly string[],
): readonly string[] {
  return (ctx.memo.get(`${list} after:${key}`) as readonly string[] | undefined) ?? fromDirectory;
}

/** Records the list a change row leaves, for the later rows of the same user. */
export function setListSoFar(
  ctx: PlanContext,
  key: string,
  list: "groups" | "licenses",
  after: readonly string[],
): void {
  ctx.memo.set(`${list} after:${key}`, after);
}
