// What every scheduler listener shares: its dependencies (the engine, plus the running scheduler), the
// admin check (audited refusal, told privately), the private reply, and reading a clicked button.
import type { BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Engine } from "../../jobs/service.ts";
import type { ScheduleReporter, Scheduler } from "../../scheduler/scheduler.ts";
import { isAdmin, refuse, slackActor } from "../auth.ts";
import type { SlackMessage } from "../blocks/index.ts";
import type { SlackDeps } from "../deps.ts";
import { replyPrivately } from "../reply.ts";

type SchedulerLike = Pick<Scheduler, "reload" | "runNow">;

export type ScheduleListenerDeps = SlackDeps & {
  /**
   * The running scheduler (reload after edits, "run now"), or a getter for it: main creates the scheduler
   * after the Slack app (its reporter needs the app's client). Without one, edits still save (the
   * scheduler's own periodic reload picks them up) and "run now" runs in this process.
   */
  scheduler?: SchedulerLike | (() => SchedulerLike | undefined);
  /** Posts "run now" reports when there is no scheduler; default: a Slack reporter on the listener's client. */
  scheduleReporter?: ScheduleReporter;
};

export function schedulerOf(deps: ScheduleListenerDeps): SchedulerLike | undefined {
  return typeof deps.scheduler === "function" ? deps.scheduler() : deps.scheduler;
}

export async function reloadScheduler(deps: ScheduleListenerDeps): Promise<void> {
  try {
    await schedulerOf(deps)?.reload();
  } catch (error) {
    deps.logger.error({ err: error }, "scheduler reload failed");
  }
}

export function who(userId: string, engine: Engine) {
  return { actor: slackActor(userId), source: "slack" as const, now: engine.clock() };
}

export async function tell(
  deps: ScheduleListenerDeps,
  client: WebClient,
  userId: string,
  message: SlackMessage,
  where: { respond?: RespondFn; channelId?: string } = {},
): Promise<void> {
  try {
    await replyPrivately({
      client,
      userId,
      message,
      logger: deps.logger,
      ...(where.respond ? { respond: where.respond } : {}),
      ...(where.channelId ? { channelId: where.channelId } : {}),
    });
  } catch (error) {
    deps.logger.error({ err: error, userId }, "could not answer the user");
  }
}

/** Non-admins: audited refusal, told privately. Returns true when the user may go on. */
export async function mustBeAdmin(
  deps: ScheduleListenerDeps,
  client: WebClient,
  userId: string,
  attempted: string,
  details: Record<string, unknown>,
  where: { respond?: RespondFn; channelId?: string } = {},
): Promise<boolean> {
  if (isAdmin(deps.config.slack, userId)) return true;
  const message = await refuse(
    { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
    { userId, attempted, details, ...(where.channelId ? { channelId: where.channelId } : {}) },
  );
  await tell(deps, client, userId, message, where);
  return false;
}

export function buttonValue(action: unknown): string {
  return typeof (action as ButtonAction)?.value === "string" ? (action as ButtonAction).value! : "";
}

/** Where a message button was clicked: its channel and the thread of its message. */
export function messageHome(body: BlockAction): { channel?: string; threadTs?: string } {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const message = body.message as { ts?: string; thread_ts?: string } | undefined;
  const threadTs = message?.thread_ts ?? message?.ts ?? body.container?.message_ts;
  return { ...(channel ? { channel } : {}), ...(threadTs ? { threadTs } : {}) };
}
