// `bulkusers group …`: directory groups.
import { addGroup } from "../directory/admin.ts";
import { type CliCommand, EXIT_OK, stringOption } from "./context.ts";

export const groupCommands: CliCommand[] = [
  {
    name: "group add",
    usage: 'group add <name> [--description "…"]',
    summary: "Create a group (an existing name, in any case, is refused)",
    args: [{ name: "name", required: true }],
    options: { description: { type: "string" } },
    async run(ctx) {
      const handle = await ctx.db();
      const result = await addGroup(
        handle.db,
        { name: ctx.args[0] ?? "", description: stringOption(ctx, "description") },
        { actor: ctx.actor, source: "cli" },
      );
      if (!result.ok) return ctx.refuse(result.refusal.code, result.refusal.message);
      const { group } = result;
      ctx.print(
        { action: "created", group },
        `Created group '${group.name}'${group.description ? ` (${group.description})` : ""}.`,
      );
      return EXIT_OK;
    },
  },
];
