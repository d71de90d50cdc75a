// `bulkusers license …`: license SKUs and their seat counts.
import { addLicense, MAX_SEATS } from "../directory/admin.ts";
import { type CliCommand, EXIT_OK, integerOption, stringOption } from "./context.ts";

export const licenseCommands: CliCommand[] = [
  {
    name: "license add",
    usage: 'license add <sku> --seats N [--name "…"] [--plans "PLAN;PLAN…"]',
    summary:
      "Create a license, or set the seats (never below those assigned), name or service plans of an existing SKU",
    args: [{ name: "sku", required: true }],
    options: { seats: { type: "string" }, name: { type: "string" }, plans: { type: "string" } },
    async run(ctx) {
      const seats = integerOption(ctx, "seats", { min: 0, max: MAX_SEATS });
      if (seats === undefined) return ctx.usageError("cli.missing_option", "Missing option --seats N.");
      const handle = await ctx.db();
      const result = await addLicense(
        handle.db,
        {
          sku: ctx.args[0] ?? "",
          seats,
          name: stringOption(ctx, "name"),
          servicePlans: stringOption(ctx, "plans")?.split(/[;,]/) ?? null,
        },
        { actor: ctx.actor, source: "cli" },
      );
      if (!result.ok) return ctx.refuse(result.refusal.code, result.refusal.message);
      const { action, license, previousSeats } = result;
      // The plans are named when they were given (the list is long; --json always has it).
      const plans =
        ctx.options.plans !== undefined && license.servicePlans.length
          ? `; service plans: ${license.servicePlans.join(", ")}`
          : "";
      const seatsText = `${license.totalSeats} seats, ${license.assignedSeats} assigned, ${license.freeSeats} free${plans}`;
      const text =
        action === "created"
          ? `Created license ${license.sku} (${license.name}): ${seatsText}.`
          : action === "updated"
            ? `Updated license ${license.sku} (${license.name}): seats ${previousSeats} → ${license.totalSeats}; ${seatsText}.`
            : `License ${license.sku} (${license.name}) already has ${seatsText}; nothing changed.`;
      ctx.print({ action, license, previousSeats }, text);
      return EXIT_OK;
    },
  },
];
