// `bulkusers export | template`: files to download, edit and upload again.
import { writeCsv } from "../core/csv/index.ts";
import { parseFilter } from "../core/filter.ts";
import { OPERATION_DEFINITIONS } from "../core/operations/index.ts";
import { exportCsv, selectUsers } from "../directory/export.ts";
import { type CliCommand, EXIT_OK, stringOption } from "./context.ts";
import { operationArg, writeOutputFile } from "./operations.ts";

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
      const users = await selectUsers(handle.db, parsed.filter, ctx.now());
      const bytes = exportCsv(users);
      const out = stringOption(ctx, "out");
      if (out) {
        const path = await writeOutputFile(ctx, out, bytes);
        ctx.print({ count: users.length, out: path }, `Exported ${users.length} users to ${path}`);
      } else if (ctx.json) {
        ctx.printJson({
          count: users.length,
          out: null,
          csv: Buffer.from(bytes)
            .toString("utf8")
            .replace(/^\uFEFF/, ""),
        });
      } else {
        ctx.io.stdout(
          Buffer.from(bytes)
            .toString("utf8")
            .replace(/^\uFEFF/, ""),
        );
      }
      return EXIT_OK;
    },
  },
  {
    name: "template",
    usage: "template <operation> [--out file.csv]",
    summary: "The CSV template of an operation: its columns and an example row",
    args: [{ name: "operation", required: true }],
    options: { out: { type: "string" } },
    async run(ctx) {
      const definition = OPERATION_DEFINITIONS[operationArg(ctx)];
      const bytes = writeCsv(definition.templateColumns, definition.templateExample);
      const out = stringOption(ctx, "out");
      if (out) {
        const path = await writeOutputFile(ctx, out, bytes);
        ctx.print(
          { operation: definition.operation, columns: definition.templateColumns, out: path },
          `Template for ${definition.operation} written to ${path}`,
        );
      } else if (ctx.json) {
        ctx.printJson({
          operation: definition.operation,
          columns: definition.templateColumns,
          out: null,
          csv: Buffer.from(bytes)
            .toString("utf8")
            .replace(/^\uFEFF/, ""),
        });
      } else {
        ctx.io.stdout(
          Buffer.from(bytes)
            .toString("utf8")
            .replace(/^\uFEFF/, ""),
        );
      }
      return EXIT_OK;
    },
  },
];
