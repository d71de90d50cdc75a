// The engine as the CLI builds it: the command's database, the configured limits and secret key, its clock.
import { loadSealer } from "../jobs/secrets.ts";
import type { Engine } from "../jobs/service.ts";
import type { CommandContext } from "./context.ts";

export async function cliEngine(ctx: CommandContext): Promise<Engine> {
  const config = ctx.getConfig();
  const handle = await ctx.db();
  return {
    db: handle.db,
    sealer: await loadSealer(handle.db, config.secretKey),
    logger: ctx.logger,
    clock: () => ctx.now(),
    limits: {
      maxRows: config.maxRows,
      passwordMinLength: config.passwordMinLength,
      leaseSeconds: config.jobLeaseSeconds,
    },
    approvalPolicy: config.approvals.policy,
    timeZone: config.timeZone,
  };
}
