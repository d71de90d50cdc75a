// Test-only plan fixtures for the Block Kit builder tests (imported by *.test.ts only).
import type { FieldChange, Operation, Plan, PlanRow } from "../../core/types.ts";

export const HOSTILE =
  "<!channel> <!here> @channel @here @everyone <@U0ADMIN> <#C0GENERAL> <https://evil.example|click me> *bold* _it_ ~x~ `code` &amp; & > < https://evil.example ";

const hostileCache = new Map<number, string>();

/** A `length`-character string made of HOSTILE (memoised: big plans share the strings). */
export function hostile(length: number): string {
  let s = hostileCache.get(length);
  if (s === undefined) {
    s = HOSTILE.repeat(Math.ceil(length / HOSTILE.length)).slice(0, length);
    hostileCache.set(length, s);
  }
  return s;
}

export function changeRow(row: number, key: string, changes: FieldChange[], reason = "update"): PlanRow {
  return { row, line: row + 1, key, outcome: "change", reason, changes };
}

export function skipRow(row: number, key: string, reason = "already in the desired state"): PlanRow {
  return { row, line: row + 1, key, outcome: "skip", reason, changes: [] };
}

export function errorRow(row: number, key: string, reason: string): PlanRow {
  return { row, line: row + 1, key, outcome: "error", reason, changes: [] };
}

export function planOf(operation: Operation, rows: PlanRow[], warnings: string[] = []): Plan {
  const summary = { change: 0, skip: 0, error: 0 };
  for (const r of rows) summary[r.outcome]++;
  return {
    operation,
    summary,
    rows,
    executionOrder: rows.filter((r) => r.outcome === "change").map((r) => r.row),
    warnings,
    header: ["Email", "DisplayName", "Department"],
  };
}

const CREATE_FIELDS = [
  "displayName",
  "firstName",
  "lastName",
  "department",
  "jobTitle",
  "manager",
  "employeeId",
  "office",
  "phone",
  "mobile",
  "city",
  "country",
  "usageLocation",
];

/**
 * A realistic big create plan: `total` rows in file order, every 10th an error and every 10th (offset 5) a skip;
 * change rows set `fieldsPerRow` fields (13 by default).
 */
export function bigCreatePlan(total = 5000, fieldsPerRow = CREATE_FIELDS.length): Plan {
  const fields = CREATE_FIELDS.slice(0, fieldsPerRow);
  const rows: PlanRow[] = [];
  for (let i = 1; i <= total; i++) {
    const key = `user${i}@example.com`;
    if (i % 10 === 0)
      rows.push(errorRow(i, key, `Manager boss${i}@example.com was not found in the directory or the file`));
    else if (i % 10 === 5) rows.push(skipRow(i, key, "already exists with the same data"));
    else
      rows.push(
        changeRow(
          i,
          key,
          fields.map((field) => ({ field, from: null, to: `${field} of user ${i}` })),
          "create",
        ),
      );
  }
  return planOf("create", rows, ["Column 'Nickname' is not recognised and was ignored."]);
}

/** Every value, key, reason and warning is long and full of mrkdwn, mentions and links. */
export function hostilePlan(total = 5000): Plan {
  const rows: PlanRow[] = [];
  for (let i = 1; i <= total; i++) {
    if (i % 3 === 0) rows.push(errorRow(i, hostile(3000), hostile(3000)));
    else if (i % 3 === 1)
      rows.push(
        changeRow(
          i,
          hostile(3000),
          Array.from({ length: 30 }, (_, f) => ({
            field: hostile(300 + f),
            from: hostile(3000),
            to: hostile(3000),
          })),
          hostile(3000),
        ),
      );
    else rows.push(skipRow(i, hostile(3000), `${hostile(2000)}${i % 50}`));
  }
  const warnings = Array.from({ length: 50 }, (_, i) => `${hostile(3000)} ${i}`);
  return planOf("update", rows, warnings);
}

export interface FoundText {
  type: "plain_text" | "mrkdwn";
  text: string;
  verbatim?: boolean;
}

/** Every text object inside a message's blocks or a view. */
export function textObjects(value: unknown): FoundText[] {
  const out: FoundText[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item);
      return;
    }
    if (typeof v !== "object" || v === null) return;
    const o = v as Record<string, unknown>;
    if ((o.type === "mrkdwn" || o.type === "plain_text") && typeof o.text === "string") {
      out.push(o as unknown as FoundText);
      return;
    }
    for (const child of Object.values(o)) walk(child);
  };
  walk(value);
  return out;
}

/** All visible text of a surface, joined (for content assertions). */
export function visibleText(value: unknown): string {
  return textObjects(value)
    .map((t) => t.text)
    .join("\n");
}

/** Problems in one mrkdwn string: a `<…>` token we did not make, or a bare broadcast mention. */
export function unsafeString(text: string): string[] {
  const problems: string[] = [];
  const stripped = text
    .replace(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>]*>/g, "")
    .replace(/<@[UW][A-Z0-9]+>/g, "")
    .replace(/<#[CGD][A-Z0-9]+>/g, "");
  if (/[<>]/.test(stripped)) problems.push(`raw < or >: ${stripped.slice(0, 120)}`);
  if (/@(channel|here|everyone)\b/i.test(stripped)) problems.push(`broadcast: ${stripped.slice(0, 120)}`);
  return problems;
}

/**
 * Problems that would let user data ping or link: see `unsafeString`, plus a mrkdwn object without
 * `verbatim: true`.
 */
/** plain_text objects that carry mrkdwn markup (`code`, *bold*): Slack shows the markers literally there. */
export function markupInPlainText(value: unknown): string[] {
  return textObjects(value)
    .filter((t) => t.type === "plain_text" && /`[^`]+`|\*[^*\s][^*]*\*/.test(t.text))
    .map((t) => t.text.slice(0, 120));
}

export function unsafeMrkdwn(value: unknown): string[] {
  const problems: string[] = [];
  for (const t of textObjects(value)) {
    if (t.type !== "mrkdwn") continue;
    if (t.verbatim !== true) problems.push(`not verbatim: ${t.text.slice(0, 80)}`);
    problems.push(...unsafeString(t.text));
  }
  return problems;
}
