// A plan row's stored form, and plan rows that live in it.
//
// A row's changes and action are kept as the JSON texts `plan_rows` stores: changes as `[field, from, to]`
// triples; the action without what the row already says — its `email` (the row's key), its `kind` when it
// is the plan's operation, and its `set` when that is exactly the changes' new values (`setFromChanges`).
// expandChanges/expandAction undo it; rows stored before this form (objects, full actions) load unchanged.
//
// A large plan keeps its change rows in this form in memory too (CompactPlanRow): a create's eight
// `{field, from, to}` objects and its action are ~1 KB of heap a row, the texts ~300 bytes, so a
// 150,000-row plan and the file it came from are never both whole in memory as objects; the rows are
// stored as they are, and expanded one at a time where a reader looks at them.
import type { FieldChange, Operation, PlannedAction, PlanRow } from "./types.ts";

/** A stored change: `[field, from, to]` (a JSON array is a third of the size of `{field, from, to}`). */
type StoredChange = [field: string, from: string | null, to: string | null];

/** The JSON texts of a row's `changes` and `action` columns (see the header). */
export interface StoredForm {
  changes: string;
  action: string | null;
}

export function compactRow(operation: Operation, row: PlanRow): StoredForm {
  if (row instanceof CompactPlanRow) return row.stored;
  return storedForm(operation, row.key, row.changes, row.action);
}

function storedForm(
  operation: Operation,
  key: string,
  changes: readonly FieldChange[],
  action: PlannedAction | undefined,
): StoredForm {
  return { changes: storedChanges(changes), action: storedAction(operation, key, changes, action) };
}

function storedChanges(changes: readonly FieldChange[]): string {
  return JSON.stringify(changes.map((c): StoredChange => [c.field, c.from, c.to]));
}

function storedAction(
  operation: Operation,
  key: string,
  changes: readonly FieldChange[],
  action: PlannedAction | undefined,
): string | null {
  if (!action) return null;
  // Key by key, in the action's own order, so that expandAction gives the same object back.
  // (for…in: an action is a plain object; this runs once a row, so no entry arrays are made.)
  const stored: Record<string, unknown> = {};
  const fields = action as unknown as Record<string, unknown>;
  for (const name in fields) {
    const value = fields[name];
    if (name === "kind" ? value === operation : name === "email" ? value === key : false) continue;
    if (
      name === "set" &&
      value !== undefined &&
      setEqualsChanges(value as NonNullable<PlannedAction["set"]>, changes)
    ) {
      stored.setFromChanges = true;
    } else {
      stored[name] = value;
    }
  }
  return JSON.stringify(stored);
}

function setEqualsChanges(set: NonNullable<PlannedAction["set"]>, changes: readonly FieldChange[]): boolean {
  let size = 0;
  for (const _ in set) size++;
  if (size !== changes.length) return false;
  for (const c of changes) {
    if (!Object.hasOwn(set, c.field) || set[c.field as keyof typeof set] !== c.to) return false;
  }
  return true;
}

function parsed<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

export function expandChanges(stored: unknown): FieldChange[] {
  const list = parsed<(StoredChange | FieldChange)[] | null>(stored) ?? [];
  return list.map((c) => (Array.isArray(c) ? { field: c[0], from: c[1], to: c[2] } : c));
}

/** The full PlannedAction of a stored row (see the header). */
export function expandAction(
  operation: string,
  key: string,
  stored: unknown,
  changes: FieldChange[] | (() => FieldChange[]),
): PlannedAction | null {
  const compact = parsed<(Partial<PlannedAction> & { setFromChanges?: boolean }) | null>(stored);
  if (!compact) return null;
  // Key by key in the stored order (the planner's, see storedAction): a row reads back as it was planned.
  const action: Record<string, unknown> = { kind: operation, email: key };
  for (const [name, value] of Object.entries(compact)) {
    if (name !== "setFromChanges") action[name] = value;
    else if (value) {
      const list = typeof changes === "function" ? changes() : changes;
      action.set = Object.fromEntries(list.map((c) => [c.field, c.to]));
    }
  }
  return action as unknown as PlannedAction;
}

/**
 * A change row held in its stored form: `changes` and `action` are expanded each time they are read (a
 * reader that needs them twice keeps what it read), `toJSON` gives the plain row. Row, line, key, outcome
 * and reason are plain properties; spreading the row (`{...row}`) copies only those.
 */
export class CompactPlanRow implements PlanRow {
  readonly row: number;
  readonly line: number;
  readonly key: string;
  readonly outcome = "change" as const;
  readonly reason: string;
  readonly #operation: Operation;
  /**
   * Changes that only set values (every `from` null: a create) are kept as the fields' names, shared by
   * the rows that set the same fields, and a JSON array of the new values — half the size of the stored
   * text, which is rebuilt when the row is stored. Other changes are the stored text itself.
   */
  readonly #fields: readonly string[] | null;
  readonly #changes: string;
  readonly #action: string | null;

  constructor(
    operation: Operation,
    position: { row: number; line: number; key: string; reason: string },
    changes: readonly FieldChange[],
    action: PlannedAction,
  ) {
    this.row = position.row;
    this.line = position.line;
    this.key = position.key;
    this.reason = position.reason;
    this.#operation = operation;
    const values = newValuesOnly(changes);
    const fields = values === null ? null : sharedFields(changes);
    this.#fields = fields;
    this.#changes = flat(values === null ? storedChanges(changes) : JSON.stringify(values));
    const actionText = storedAction(operation, position.key, changes, action);
    this.#action = actionText === null ? null : shared(actionText);
  }

  /** The row's texts as `plan_rows` stores them. */
  get stored(): StoredForm {
    const fields = this.#fields;
    if (fields === null) return { changes: this.#changes, action: this.#action };
    return { changes: triplesText(fields, this.#changes), action: this.#action };
  }

  get changes(): FieldChange[] {
    const fields = this.#fields;
    if (fields === null) return expandChanges(this.#changes);
    const values = JSON.parse(this.#changes) as (string | null)[];
    return fields.map((field, i) => ({ field, from: null, to: values[i] ?? null }));
  }

  get action(): PlannedAction {
    return expandAction(this.#operation, this.key, this.#action, () => this.changes)!;
  }

  /** The row as a plain object (what JSON.stringify writes, and what tests compare). */
  toJSON(): PlanRow {
    const changes = this.changes;
    return {
      row: this.row,
      line: this.line,
      key: this.key,
      outcome: this.outcome,
      reason: this.reason,
      changes,
      action: expandAction(this.#operation, this.key, this.#action, changes)!,
    };
  }
}

/**
 * `[[field, null, value], …]` as JSON text, from the fields and the JSON text of their values (an array of
 * strings and nulls, as JSON.stringify writes it): each value's text is cut out of the array's and put
 * after its field's `["field",null,` — a sixth of the time of parsing the values and stringifying the
 * triples (200 ms of a 50,000-row create's storing).
 */
export function triplesText(fields: readonly string[], valuesText: string): string {
  const prefixes = triplePrefixes(fields);
  let out = "[";
  let field = 0;
  let start = 1;
  let inString = false;
  // The array holds only strings and nulls: a comma outside a string ends a value; inside one, a
  // backslash escapes the next character (so `\"` does not end it).
  for (let i = 1; i < valuesText.length - 1; i++) {
    const code = valuesText.charCodeAt(i);
    if (inString) {
      if (code === 92) i++;
      else if (code === 34) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 44) {
      out += `${field ? "," : ""}${prefixes[field++]}${valuesText.slice(start, i)}]`;
      start = i + 1;
    }
  }
  if (valuesText.length > 2) out += `${field ? "," : ""}${prefixes[field++]}${valuesText.slice(start, -1)}]`;
  // A field without a value (never made by CompactPlanRow: both come from the same changes) is null.
  for (; field < fields.length; field++) out += `${field ? "," : ""}${prefixes[field]}null]`;
  return `${out}]`;
}

/** `["field",null,` for each field of a shared list, made once per list. */
const prefixesOf = new WeakMap<readonly string[], string[]>();
function triplePrefixes(fields: readonly string[]): string[] {
  let prefixes = prefixesOf.get(fields);
  if (prefixes === undefined) {
    prefixes = fields.map((field) => `[${JSON.stringify(field)},null,`);
    prefixesOf.set(fields, prefixes);
  }
  return prefixes;
}

/** The new values of changes that only set values (every `from` null), else null. */
function newValuesOnly(changes: readonly FieldChange[]): (string | null)[] | null {
  if (changes.length === 0) return null;
  const values: (string | null)[] = new Array(changes.length);
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    if (c.from !== null) return null;
    values[i] = c.to;
  }
  return values;
}

/**
 * The field names of a row's changes, one array for every row that sets the same fields. The rows of a
 * file nearly always set the fields of the row before: that list is tried first, without allocating.
 */
const sharedFieldLists = new Map<string, readonly string[]>();
let lastFieldList: readonly string[] = [];
function sharedFields(changes: readonly FieldChange[]): readonly string[] {
  const last = lastFieldList;
  if (last.length === changes.length && changes.every((c, i) => c.field === last[i])) return last;
  lastFieldList = fieldList(changes);
  return lastFieldList;
}

function fieldList(changes: readonly FieldChange[]): readonly string[] {
  const names = changes.map((c) => c.field);
  const id = names.join("\n");
  const known = sharedFieldLists.get(id);
  if (known !== undefined) return known;
  if (sharedFieldLists.size < SHARED_LIMIT) sharedFieldLists.set(id, names);
  return names;
}

/**
 * Actions repeat: every create of a file is `{"status":"active","mustChangePassword":true,…}` unless it
 * sets its own values. Identical short texts are kept once (17 MB of 150,000 creates); bounded caches
 * (this one and the field lists'), so a file of all-different actions costs a lookup a row, nothing more.
 */
const SHARED_LIMIT = 4096;
const sharedTexts = new Map<string, string>();
function shared(text: string): string {
  if (text.length > 200) return flat(text);
  const known = sharedTexts.get(text);
  if (known !== undefined) return known;
  if (sharedTexts.size >= SHARED_LIMIT) return flat(text);
  sharedTexts.set(text, flat(text));
  return text;
}

/**
 * The text, flattened. V8 builds JSON.stringify's result as a rope of pieces, which a 250-character text
 * keeps alive as ~60% more heap than the characters (measured: 150,000 create rows' changes 61 → 41 MB).
 * Reading a string as a number flattens it in place (a rope has to be flat to be read), and the next
 * collection drops the pieces — far cheaper than copying (0.1 µs a row against 2–3 µs).
 */
function flat(text: string): string {
  Number(text);
  return text;
}
