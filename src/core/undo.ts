// Undo: the inverse of a finished job, built from its items' before/after values as an ordinary CSV file,
// so it is planned, previewed, confirmed and run exactly like an upload (and can itself be undone).
import { writeCsv } from "./csv/write.ts";
import { fieldHeader } from "./plan-rules/fields.ts";
import { CLEAR_TOKEN } from "./plan-rules/values.ts";
import type { Field, Operation, Refusal } from "./types.ts";

export interface UndoItem {
  key: string;
  status: string;
  before: unknown;
  after: unknown;
}

export type UndoFile =
  | { ok: true; operation: Operation; bytes: Uint8Array; rows: number }
  | { ok: false; refusal: Refusal };

const STATUS_INVERSE: Partial<Record<Operation, Operation>> = {
  create: "delete",
  disable: "enable",
  enable: "disable",
  delete: "restore",
  restore: "delete",
};

const asRecord = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" ? (value as Record<string, unknown>) : {};
const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const header = (field: Field): string => fieldHeader(field);

function refuse(code: string, message: string): UndoFile {
  return { ok: false, refusal: { code, message } };
}

export function buildUndoFile(operation: Operation, items: UndoItem[]): UndoFile {
  const done = items.filter((item) => item.status === "succeeded");
  if (done.length === 0)
    return refuse("undo.nothing", "This job changed nothing, so there is nothing to undo.");
  const keyHeader = header("email");
  const simple = STATUS_INVERSE[operation];
  if (simple) {
    return {
      ok: true,
      operation: simple,
      rows: done.length,
      bytes: writeCsv(
        [keyHeader],
        done.map((i) => [i.key]),
      ),
    };
  }
  switch (operation) {
    case "update": {
      const fields = [...new Set(done.flatMap((i) => Object.keys(asRecord(i.before))))] as Field[];
      const rows = done.map((i) => {
        const before = asRecord(i.before);
        return [
          i.key,
          ...fields.map((f) => (f in before ? ((before[f] as string | null) ?? CLEAR_TOKEN) : "")),
        ];
      });
      return {
        ok: true,
        operation: "update",
        rows: rows.length,
        bytes: writeCsv([keyHeader, ...fields.map(header)], rows),
      };
    }
    case "assign-license":
    case "remove-license": {
      // assign-license after: {assigned, removed}; remove-license after: {assigned: [], removed}.
      const rows = done.map((i) => {
        const after = asRecord(i.after);
        return { key: i.key, assigned: asList(after.assigned), removed: asList(after.removed) };
      });
      const anyRemoved = rows.some((r) => r.removed.length);
      if (!anyRemoved) {
        return {
          ok: true,
          operation: "remove-license",
          rows: rows.length,
          bytes: writeCsv(
            [keyHeader, header("license")],
            rows.map((r) => [r.key, r.assigned.join(";")]),
          ),
        };
      }
      return {
        ok: true,
        operation: "assign-license",
        rows: rows.length,
        bytes: writeCsv(
          [keyHeader, header("license"), header("removeLicense")],
          rows.map((r) => [r.key, r.removed.join(";"), r.assigned.join(";")]),
        ),
      };
    }
    case "add-to-group":
    case "remove-from-group": {
      const adding = operation === "add-to-group";
      const rows = done.map((i) => [
        i.key,
        asList(asRecord(i.after)[adding ? "added" : "removed"]).join(";"),
      ]);
      return {
        ok: true,
        operation: adding ? "remove-from-group" : "add-to-group",
        rows: rows.length,
        bytes: writeCsv([keyHeader, header("group")], rows),
      };
    }
    case "set-service-plans": {
      // before: {sku, disabledPlans}: the whole disabled list comes back ([clear] = every plan on).
      const rows = done.map((i) => {
        const before = asRecord(i.before);
        const plans = asList(before.disabledPlans);
        return [i.key, String(before.sku ?? ""), plans.length ? plans.join(";") : CLEAR_TOKEN];
      });
      return {
        ok: true,
        operation: "set-service-plans",
        rows: rows.length,
        bytes: writeCsv([keyHeader, header("license"), header("disabledPlans")], rows),
      };
    }
    case "reset-password":
      return refuse("undo.unsupported", "A password reset cannot be undone: the old passwords are not kept.");
    default:
      return refuse("undo.unsupported", `Undo is not available for ${operation}.`);
  }
}
