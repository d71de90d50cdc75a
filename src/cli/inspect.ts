// Look before you act: `users`, `groups`, `licenses` and `audit` list the directory and its audit log,
// as tables that fit a terminal or, with --json, as one document. Reading only; nothing is audited.
import { sql } from "drizzle-orm";
import { parseFilter } from "../core/filter.ts";
import { queryRows } from "../directory/client.ts";
import { selectUsers } from "../directory/export.ts";
import { loadLicenses } from "../directory/view.ts";
import {
  CLI,
  type CliCommand,
  type CommandContext,
  EXIT_OK,
  integerOption,
  stringOption,
} from "./context.ts";
import { formatCount } from "./progress.ts";
import { formatTable } from "./table.ts";
import { isoTime } from "./time.ts";

const DEFAULT_LIMIT = 50;

/** `--since`: an ISO 8601 date or time (a date alone is midnight UTC). */
function sinceOption(ctx: CommandContext): string | undefined {
  const text = stringOption(ctx, "since")?.trim();
  if (!text) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime())) {
    return ctx.usageError(
      "cli.bad_option",
      `--since must be an ISO 8601 date or time such as 2026-11-01 or 2026-11-01T09:00:00Z, not '${text}'`,
    );
  }
  return date.toISOString();
}

function moreLine(shown: number, what: string, how: string): string {
  return `… more ${what} than the ${formatCount(shown)} shown: ${how}`;
}

export const inspectCommands: CliCommand[] = [
  {
    name: "users",
    usage: 'users [--filter "<expr>"] [--limit N]',
    summary: `List users (all, or those a filter selects), by e-mail; at most ${DEFAULT_LIMIT} unless --limit`,
    options: { filter: { type: "string" }, limit: { type: "string" } },
    async run(ctx) {
      const limit = integerOption(ctx, "limit", { min: 1, max: 100_000 }) ?? DEFAULT_LIMIT;
      const expression = stringOption(ctx, "filter") ?? "";
      const parsed = parseFilter(expression);
      if (!parsed.ok) return ctx.refuse(parsed.refusal.code, parsed.refusal.message);
      const handle = await ctx.db();
      const matched = await selectUsers(handle.db, parsed.filter, ctx.now(), { limit });
      const truncated = matched.length > limit;
      const users = matched.slice(0, limit).map((u) => ({
        email: u.email,
        displayName: u.displayName,
        department: u.department,
        jobTitle: u.jobTitle,
        manager: u.manager,
        status: u.status,
        licenses: u.licenses,
        groups: u.groups,
        lastLoginAt: isoTime(u.lastLoginAt),
        createdAt: isoTime(u.createdAt),
      }));
      ctx.print({ users, truncated }, () => {
        if (!users.length) return "No users match.";
        const lines = [
          formatTable(
            users.map((u) => ({
              email: u.email,
              name: u.displayName,
              department: u.department,
              title: u.jobTitle,
              status: u.status,
              "last sign-in": u.lastLoginAt?.slice(0, 10) ?? "never",
            })),
          ),
        ];
        if (truncated) {
          const filter = expression ? ` --filter ${JSON.stringify(expression)}` : "";
          lines.push(
            moreLine(users.length, "users", `--limit N, or \`${CLI} export${filter} --out users.csv\``),
          );
        }
        return lines.join("\n");
      });
      return EXIT_OK;
    },
  },
  {
    name: "groups",
    usage: "groups",
    summary: "List groups with their member counts",
    async run(ctx) {
      const handle = await ctx.db();
      const rows = await queryRows<{
        name: string;
        description: string | null;
        members: number;
        created_at: string;
      }>(
        handle.db,
        sql`select g.name, g.description, g.created_at,
              (select count(*)::int from group_members m where m.group_id = g.id) as members
            from groups g order by lower(g.name)`,
      );
      const groups = rows.map((g) => ({
        name: g.name,
        description: g.description,
        members: Number(g.members),
        createdAt: isoTime(g.created_at),
      }));
      ctx.print({ groups }, () =>
        groups.length
          ? formatTable(groups.map((g) => ({ name: g.name, members: g.members, description: g.description })))
          : `No groups yet; create one with \`${CLI} group add <name>\`.`,
      );
      return EXIT_OK;
    },
  },
  {
    name: "licenses",
    usage: "licenses",
    summary: "List licenses with their total, assigned and free seats",
    async run(ctx) {
      const handle = await ctx.db();
      // The same seat count the planner checks against (directory/view.ts), listed by SKU.
      const licenses = [...(await loadLicenses(handle.db)).values()]
        .sort((a, b) => a.sku.toUpperCase().localeCompare(b.sku.toUpperCase()))
        .map((l) => ({
          sku: l.sku,
          name: l.name,
          totalSeats: l.totalSeats,
          assignedSeats: l.assignedSeats,
          freeSeats: l.totalSeats - l.assignedSeats,
        }));
      ctx.print({ licenses }, () =>
        licenses.length
          ? formatTable(
              licenses.map((l) => ({
                sku: l.sku,
                name: l.name,
                total: l.totalSeats,
                assigned: l.assignedSeats,
                free: l.freeSeats,
              })),
            )
          : `No licenses yet; add one with \`${CLI} license add <sku> --seats N\`.`,
      );
      return EXIT_OK;
    },
  },
  {
    name: "audit",
    usage: "audit [--job ID] [--actor A] [--since DATE] [--limit N]",
    summary: `The audit log, newest first; at most ${DEFAULT_LIMIT} entries unless --limit`,
    options: {
      job: { type: "string" },
      actor: { type: "string" },
      since: { type: "string" },
      limit: { type: "string" },
    },
    async run(ctx) {
      const limit = integerOption(ctx, "limit", { min: 1, max: 100_000 }) ?? DEFAULT_LIMIT;
      const since = sinceOption(ctx);
      const job = stringOption(ctx, "job")?.trim();
      const actor = stringOption(ctx, "actor")?.trim();
      const conditions = [sql`true`];
      if (job) conditions.push(sql`job_id = ${job}`);
      if (actor) conditions.push(sql`actor = ${actor}`);
      if (since) conditions.push(sql`at >= ${since}::timestamptz`);
      const handle = await ctx.db();
      const rows = await queryRows<{
        id: number;
        at: string;
        actor: string;
        source: string;
        action: string;
        target: string | null;
        job_id: string | null;
        before: unknown;
        after: unknown;
        details: unknown;
      }>(
        handle.db,
        sql`select id, at, actor, source, action, target, job_id, before, after, details
            from audit_log where ${sql.join(conditions, sql` and `)}
            order by id desc limit ${limit + 1}`,
      );
      const truncated = rows.length > limit;
      const entries = rows.slice(0, limit).map((r) => ({
        id: Number(r.id),
        at: isoTime(r.at),
        actor: r.actor,
        source: r.source,
        action: r.action,
        target: r.target,
        jobId: r.job_id,
        before: r.before ?? null,
        after: r.after ?? null,
        details: r.details ?? null,
      }));
      ctx.print({ entries, truncated }, () => {
        if (!entries.length) return "No audit entries match.";
        const lines = [
          formatTable(
            entries.map((e) => ({
              at: e.at,
              actor: e.actor,
              action: e.action,
              target: e.target,
              job: e.jobId,
            })),
          ),
        ];
        if (truncated) lines.push(moreLine(entries.length, "entries", "--limit N, --since DATE, --job ID"));
        return lines.join("\n");
      });
      return EXIT_OK;
    },
  },
];
