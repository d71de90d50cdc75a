// `bulkusers export | template`: files to download, edit and upload again.

import { sql } from "drizzle-orm";
import { writeCsv } from "../core/csv/index.ts";
import { parseFilter } from "../core/filter.ts";
import { OPERATION_DEFINITIONS } from "../core/operations/index.ts";
import { queryRows } from "../directory/client.ts";
import { exportCsv, selectUsers } from "../directory/export.ts";
import { workbookBytes } from "../files/write-xlsx.ts";
import { type CliCommand, type CommandContext, EXIT_OK, stringOption } from "./context.ts";
import { operationArg, writeOutputFile } from "./operations.ts";
import { startProgress } from "./progress.ts";

/**
 * A CSV goes to `--out` (the JSON/text then says where), or to stdout: as text, or inside the one JSON
 * document (`csv`) with `--json`. Without the BOM on stdout: it is for terminals and pipes, not Excel.
 */
async function emitCsv(
  ctx: CommandContext,
  bytes: Uint8Array,
  document: Record<string, unknown>,
  written: (path: string) => string,
): Promise<void> {
  const out = stringOption(ctx, "out");
  if (out) {
    const path = await writeOutputFile(ctx, out, bytes);
    ctx.print({ ...document, out: path }, written(path));
    return;
  }
  const text = Buffer.from(bytes)
    .toString("utf8")
    .replace(/^\uFEFF/, "");
  if (ctx.json) ctx.printJson({ ...document, out: null, csv: text });
  else ctx.io.stdout(text);
}

export const exportCommands: CliCommand[] = [
  {
    name: "export",
    usage: 'export [--filter "<expr>"] [--out file.csv]',
    summary: "Export users (all, or those a filter selects) as a CSV that re-imports unchanged",
    options: { filter: { type: "string" }, out: { type: "string" } },
    async run(ctx) {
      const parsed = parseFilter(stringOption(ctx, "filter") ?? "");
      if (!parsed.ok) return ctx.refuse(parsed.refusal.code, parsed.refusal.message);
      const handle = await ctx.db();
      const [total] = await queryRows<{ n: number }>(handle.db, sql`select count(*)::int as n from users`);
      const progress = startProgress(ctx, "export", Number(total?.n ?? 0), "users read");
      let users: Awaited<ReturnType<typeof selectUsers>>;
      try {
        users = await selectUsers(handle.db, parsed.filter, ctx.now(), {
          onPage: (scanned) => progress.update(scanned),
        });
        progress.finish();
      } finally {
        progress.stop();
      }
      const bytes = exportCsv(users);
      await emitCsv(
        ctx,
        bytes,
        { count: users.length },
        (path) => `Exported ${users.length} users to ${path}`,
      );
      return EXIT_OK;
    },
  },
  {
    name: "template",
    usage: "template <operation> [--out file.csv|file.xlsx] [--xlsx | --format csv|xlsx]",
    summary: "The template of an operation (CSV, or an Excel workbook): its columns and an example row",
    args: [{ name: "operation", required: true }],
    options: { out: { type: "string" }, xlsx: { type: "boolean" }, format: { type: "string" } },
    async run(ctx) {
      const definition = OPERATION_DEFINITIONS[operationArg(ctx)];
      if (templateFormat(ctx) === "xlsx") {
        const out = stringOption(ctx, "out");
        // A workbook is binary: it goes to a file, never to a terminal or inside the JSON document.
        if (!out) return ctx.usageError("cli.missing_option", "An .xlsx template needs --out <file.xlsx>.");
        const bytes = await workbookBytes({
          name: definition.operation,
          header: definition.templateColumns,
          rows: definition.templateExample,
        });
        const path = await writeOutputFile(ctx, out, bytes);
        ctx.print(
          { operation: definition.operation, columns: definition.templateColumns, out: path, format: "xlsx" },
          `Template for ${definition.operation} written to ${path}`,
        );
        return EXIT_OK;
      }
      const bytes = writeCsv(definition.templateColumns, definition.templateExample);
      await emitCsv(
        ctx,
        bytes,
        { operation: definition.operation, columns: definition.templateColumns },
        (path) => `Template for ${definition.operation} written to ${path}`,
      );
      return EXIT_OK;
    },
  },
];

/** `--xlsx`, `--format xlsx` or an `--out` path ending in .xlsx ask for a workbook; CSV otherwise. */
function templateFormat(ctx: CommandContext): "csv" | "xlsx" {
  const format = stringOption(ctx, "format")?.toLowerCase();
  if (format !== undefined && format !== "csv" && format !== "xlsx") {
    return ctx.usageError("cli.bad_option", `--format must be csv or xlsx, not '${format}'.`);
  }
  if (format !== undefined) return format;
  if (ctx.options.xlsx === true) return "xlsx";
  return /\.xlsx$/i.test(stringOption(ctx, "out") ?? "") ? "xlsx" : "csv";
}
