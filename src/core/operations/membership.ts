// The membership kind: operations that add names to, or remove names from, one of a user's lists (groups,
// licenses) named by one column. Each operation is one small definition (its file says its own rules); the
// shape they share is here: the user must exist and not be deleted, the cell is required and every name in
// it must exist, a row that would change nothing is a skip, and the change shows the list before and after.

import { formatList, GROUP_SEPARATORS, LICENSE_SEPARATORS, splitList } from "../plan-rules/values.ts";
import type { DirectoryGroup, DirectoryLicense, Field } from "../types.ts";
import {
  cell,
  error,
  existingUser,
  fileShape,
  type OperationDefinition,
  type PlanContext,
  requiredCell,
  skip,
} from "./definition.ts";
import { listSoFar, resolveGroups, resolveLicenses, setListSoFar } from "./lists.ts";

/** One of a user's lists: the column naming it, how its names resolve, and how they compare. */
export interface MembershipList<T> {
  /** The column naming the items. */
  field: Extract<Field, "group" | "license">;
  /** The user's list (DirectoryUser field, FieldChange field and PlannedAction key). */
  list: "groups" | "licenses";
  resolve(value: string, ctx: PlanContext, errors: string[]): readonly T[];
  nameOf(item: T): string;
  /** Names compare by this key (groups ignore case; SKUs are upper-case). */
  keyOf(name: string): string;
  /** What separates several names in one cell. */
  separators: RegExp;
}

export const GROUP_LIST: MembershipList<DirectoryGroup> = {
  field: "group",
  list: "groups",
  resolve: resolveGroups,
  nameOf: (g) => g.name,
  keyOf: (name) => name.toLowerCase(),
  separators: GROUP_SEPARATORS,
};

export const LICENSE_LIST: MembershipList<DirectoryLicense> = {
  field: "license",
  list: "licenses",
  resolve: resolveLicenses,
  nameOf: (l) => l.sku,
  keyOf: (sku) => sku.toUpperCase(),
  separators: LICENSE_SEPARATORS,
};

/**
 * The comparison keys of the names in a cell, for telling a repeated (user, item) pair: a license named
 * by SKU on one row and by its name on another is the same license. Unknown names compare as written
 * (their rows fail anyway).
 */
export function itemKeys<T>(of: MembershipList<T>, value: string, ctx: PlanContext): string[] {
  return splitList(value, of.separators).map((token) => {
    const [item] = of.resolve(token, ctx, []);
    return of.keyOf(item === undefined ? token : of.nameOf(item));
  });
}

export interface MembershipOperation<T> {
  operation: "add-to-group" | "remove-from-group" | "remove-license";
  title: string;
  description: string;
  templateColumns: string[];
  templateExample: string[][];
  of: MembershipList<T>;
  direction: "add" | "remove";
  /** The row's reason for the names it changes, e.g. "Add to Sales". */
  reason(names: string): string;
  /** The skip reason when it changes none of the named ones, e.g. "Already a member of Sales". */
  nothingToDo(names: string): string;
}

export function membershipOperation<T>(spec: MembershipOperation<T>): OperationDefinition {
  const { of } = spec;
  const fields: Field[] = ["email", of.field];
  const has = (names: readonly string[], name: string) => names.some((n) => of.keyOf(n) === of.keyOf(name));
  return {
    operation: spec.operation,
    title: spec.title,
    description: spec.description,
    ...fileShape(fields, fields, spec.templateColumns, spec.templateExample),

    planRow(record, key, ctx) {
      const found = existingUser(key, ctx);
      if ("draft" in found) return found.draft;
      const before = listSoFar(ctx, key, of.list, found.user[of.list]);
      const errors: string[] = [];
      const named = of.resolve(requiredCell(record, of.field, ctx, errors), ctx, errors).map(of.nameOf);
      if (errors.length > 0) return error(errors.join("; "));

      const adding = spec.direction === "add";
      const changed = named.filter((name) => has(before, name) !== adding);
      if (changed.length === 0) return skip(spec.nothingToDo(named.join(", ")));
      const gone = new Set(changed.map(of.keyOf));
      const after = adding ? [...before, ...changed] : before.filter((n) => !gone.has(of.keyOf(n)));
      setListSoFar(ctx, key, of.list, after);
      return {
        outcome: "change",
        reason: spec.reason(changed.join(", ")),
        changes: [{ field: of.list, from: formatList(before), to: formatList(after) }],
        action: { kind: spec.operation, email: key, [of.list]: { [spec.direction]: changed } },
      };
    },

    pairKeys: (record, ctx) => itemKeys(of, cell(record, of.field), ctx),
  };
}
