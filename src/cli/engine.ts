// The engine as the CLI builds it: the command's database, the configured limits and secret key, its clock.
import type { Database } from "../directory/client.ts";
import { loadSealer, type Sealer } from "../jobs/secrets.ts";
import type { Engine } from "../jobs/service.ts";
import type { CommandContext } from "./context.ts";

export async function cliEngine(ctx: CommandContext): Promise<Engine> {
  const config = ctx.getConfig();
  const handle = await ctx.db();
  const sealer = await loadSealer(handle.db, config.secretKey);
  // The CLI runs jobs in-process, so it sends their welcome messages too, with the manager's DM when a
  // bot token is configured. The mail and Slack clients are loaded only then: together ~20 MB of memory
  // every other command would carry.
  const welcome = config.mail ? await welcomeSender(ctx, handle.db, sealer) : undefined;
  if (welcome) ctx.onClose(() => welcome.close());
  return {
    db: handle.db,
    sealer,
    logger: ctx.logger,
    clock: () => ctx.now(),
    limits: {
      maxRows: config.maxRows,
      passwordMinLength: config.passwordMinLength,
      leaseSeconds: config.jobLeaseSeconds,
      domains: config.domains,
    },
    approvalPolicy: config.approvals.policy,
    timeZone: config.timeZone,
    ...(welcome ? { welcome: welcome.delivery } : {}),
  };
}

async function welcomeSender(ctx: CommandContext, db: Database, sealer: Sealer) {
  const [{ WebClient }, { welcomeFromConfig }] = await Promise.all([
    import("@slack/web-api"),
    import("../mail/welcome.ts"),
  ]);
  const config = ctx.getConfig();
  const { botToken, apiUrl } = config.slack;
  const slack = botToken
    ? new WebClient(botToken, { ...(apiUrl ? { slackApiUrl: apiUrl } : {}), retryConfig: { retries: 2 } })
    : undefined;
  return welcomeFromConfig(config.mail, {
    db,
    sealer,
    owner: `cli:${process.pid}`,
    logger: ctx.logger,
    clock: () => ctx.now(),
    ...(slack ? { slack: () => slack } : {}),
  });
}
