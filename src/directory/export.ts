// Selecting users by filter (export, Slack `select`) and writing them as a CSV that re-imports unchanged:
// the columns are the update template's, so export → edit → upload as `update` changes only what was edited.
// Users are read in keyset pages (bounded memory whatever the directory size) and filtered by the core's
// matchesFilter, so the filter language has exactly one implementation.
import { sql } from "drizzle-orm";
import { writeCsv } from "../core/csv/index.ts";
import { type Filter, matchesFilter } from "../core/filter.ts";
import { fieldHeader } from "../core/plan-rules/fields.ts";
import { ATTRIBUTE_FIELDS, type DirectoryUser, USER_FIELDS } from "../core/types.ts";
import { type Executor, queryRows } from "./client.ts";
import { DIRECTORY_USER_COLUMNS, toDirectoryUser } from "./view.ts";

const PAGE = 5000;

export interface SelectOptions {
  /** Stop after this many matches (e.g. the row limit of an operation): the caller learns there were more. */
  limit?: number;
  /** Called after each page with the number of users read so far (the CLI's progress bar). */
  onPage?: (scanned: number) => void;
}

/** Every user matching the filter, ordered by e-mail. */
export async function selectUsers(
  db: Executor,
  filter: Filter,
  now: Date,
  options: SelectOptions = {},
): Promise<DirectoryUser[]> {
  const matched: DirectoryUser[] = [];
  const nowIso = now.toISOString();
  let after = "";
  let scanned = 0;
  for (;;) {
    const page = await queryRows<Parameters<typeof toDirectoryUser>[0]>(
      db,
      sql`select ${DIRECTORY_USER_COLUMNS}
          from users u left join users m on m.id = u.manager_id
          where u.email > ${after} order by u.email limit ${PAGE}`,
    );
    for (const row of page) {
      const user = toDirectoryUser(row);
      if (matchesFilter(filter, user, nowIso)) {
        matched.push(user);
        if (options.limit !== undefined && matched.length > options.limit) return matched;
      }
    }
    scanned += page.length;
    options.onPage?.(scanned);
    if (page.length < PAGE) return matched;
    after = page[page.length - 1]!.email;
  }
}

/**
 * `M365_E3: YAMMER_ENTERPRISE, SWAY; M365_E5: MCOEV`: each assigned license whose plans are not all on.
 * Read-only like Assigned Licenses (set-service-plans takes one license per row, DisabledPlans `;`-separated).
 */
export function disabledPlansCell(user: DirectoryUser): string {
  return Object.entries(user.disabledPlans)
    .filter(([, plans]) => plans.length > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([sku, plans]) => `${sku}: ${plans.join(", ")}`)
    .join("; ");
}

const PROFILE = USER_FIELDS.filter((f) => f !== "email" && f !== "manager");

/** The export file: key, profile columns, manager, attributes in use, then read-only columns the reader ignores. */
export function exportCsv(users: DirectoryUser[]): Uint8Array {
  const attributes = ATTRIBUTE_FIELDS.filter((f) => users.some((u) => u.attributes[f] !== undefined));
  const header = [
    fieldHeader("email"),
    ...PROFILE.map((f) => fieldHeader(f)),
    fieldHeader("manager"),
    ...attributes.map((f) => fieldHeader(f)),
    "Status",
    "Last Sign-In",
    "Assigned Licenses",
    "Disabled Plans by License",
    "Member Of",
    "Created",
  ];
  const rows = users.map((u) => [
    u.email,
    ...PROFILE.map((f) => u[f] ?? ""),
    u.manager ?? "",
    ...attributes.map((f) => u.attributes[f] ?? ""),
    u.status,
    u.lastLoginAt ?? "",
    u.licenses.join("; "),
    disabledPlansCell(u),
    u.groups.join("; "),
    u.createdAt,
  ]);
  return writeCsv(header, rows);
}
