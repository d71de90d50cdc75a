// `bulkusers seed-demo [--users N] [--seed N] [--domain D]`: a realistic demo organisation in an empty directory.
import { DEFAULT_DEMO_SEED, DEFAULT_DEMO_USERS, MAX_DEMO_USERS } from "../directory/demo-organisation.ts";
import { seedDemo } from "../directory/seed-demo.ts";
import { type CliCommand, EXIT_OK, formatTable, integerOption, stringOption } from "./context.ts";
import { startProgress } from "./progress.ts";

export const seedCommands: CliCommand[] = [
  {
    name: "seed-demo",
    usage: "seed-demo [--users N] [--seed N] [--domain example.com]",
    summary: `Fill an empty directory with a realistic demo organisation (${DEFAULT_DEMO_USERS} users)`,
    options: {
      users: { type: "string" },
      seed: { type: "string" },
      domain: { type: "string" },
    },
    async run(ctx) {
      const users = integerOption(ctx, "users", { min: 1, max: MAX_DEMO_USERS }) ?? DEFAULT_DEMO_USERS;
      const seed = integerOption(ctx, "seed", { min: 0, max: 2 ** 32 - 1 }) ?? DEFAULT_DEMO_SEED;
      const domain = stringOption(ctx, "domain")?.trim().toLowerCase();
      if (
        domain !== undefined &&
        !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain)
      ) {
        ctx.usageError("cli.bad_option", `--domain must be a domain name like example.com, not '${domain}'`);
      }
      const handle = await ctx.db();
      const progress = startProgress(ctx, "seed-demo", users, "users");
      let result: Awaited<ReturnType<typeof seedDemo>>;
      try {
        result = await seedDemo(handle.db, {
          users,
          seed,
          domain,
          now: ctx.now(),
          actor: ctx.actor,
          onProgress: (inserted) => progress.update(inserted),
        });
        if (result.ok) progress.finish(result.summary.users);
      } finally {
        progress.stop();
      }
      if (!result.ok) return ctx.refuse(result.refusal.code, result.refusal.message);
      const s = result.summary;
      ctx.print(s, () =>
        [
          `Seeded ${s.users} users at @${s.domain} (seed ${s.seed}): ${s.active} active, ${s.disabled} disabled, ` +
            `${s.neverSignedIn} never signed in, ${s.admins} admins, ${s.serviceAccounts} service accounts.`,
          `Departments: ${Object.entries(s.departments)
            .map(([name, n]) => `${name} ${n}`)
            .join(", ")}.`,
          `${s.groups} groups with ${s.memberships} memberships; ${s.assignments} license assignments:`,
          formatTable(s.licenses, ["sku", "name", "totalSeats", "assignedSeats"]),
        ].join("\n"),
      );
      return EXIT_OK;
    },
  },
];
