// `bulkusers db migrate`: applies pending migrations (every command does on open; this one only that).
import { sql } from "drizzle-orm";
import { queryRows } from "../directory/client.ts";
import { type CliCommand, describeDatabaseUrl, EXIT_OK } from "./context.ts";

export const dbCommands: CliCommand[] = [
  {
    name: "db migrate",
    usage: "db migrate",
    summary: "Apply pending database migrations",
    async run(ctx) {
      const handle = await ctx.db();
      const [row] = await queryRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      const applied = Number(row?.n ?? 0);
      const database = describeDatabaseUrl(handle.url);
      ctx.print(
        { database, kind: handle.kind, migrations: applied },
        `Database ${database} is up to date (${applied} migration${applied === 1 ? "" : "s"} applied).`,
      );
      return EXIT_OK;
    },
  },
];
