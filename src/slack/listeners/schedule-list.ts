// `/bulkusers schedules`: the list of inactive-user schedules and its buttons. Pause / Resume / Delete change
// the schedule, reload the scheduler and replace the list in place; Edit / New open the schedule modal;
// Run now runs a dry run (nothing changes) and posts its report to the schedule's channel.
import type { App, BlockAction, RespondFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { recentRuns } from "../../scheduler/coordinator.ts";
import { runPolicy } from "../../scheduler/policy.ts";
import {
  deleteSchedule,
  getSchedule,
  listSchedules,
  nextRuns,
  setScheduleEnabled,
} from "../../scheduler/schedules.ts";
import { slackActor } from "../auth.ts";
import {
  buildErrorMessage,
  buildNoticeMessage,
  escapeAndTruncate,
  mentionChannel,
  type SlackMessage,
} from "../blocks/index.ts";
import {
  buildSchedulesListMessage,
  SCHEDULE_CREATE_ACTION_ID,
  SCHEDULE_DELETE_ACTION_ID,
  SCHEDULE_EDIT_ACTION_ID,
  SCHEDULE_PAUSE_ACTION_ID,
  SCHEDULE_RESUME_ACTION_ID,
  SCHEDULE_RUN_NOW_ACTION_ID,
  type ScheduleListItem,
} from "../blocks/schedules.ts";
import { createSlackScheduleReporter } from "../schedule-reporter.ts";
import { scheduleModal } from "./schedule-modal.ts";
import {
  buttonValue,
  messageHome,
  mustBeAdmin,
  reloadScheduler,
  type ScheduleListenerDeps,
  schedulerOf,
  tell,
  who,
} from "./schedule-support.ts";

function summaryText(result: unknown): string | undefined {
  if (!result || typeof result !== "object") return undefined;
  const r = result as { decision?: string; summary?: Record<string, number>; error?: string };
  if (r.error) return r.error;
  if (!r.summary) return undefined;
  return `${r.decision ?? ""}: ${r.summary.toDeactivate ?? 0} to deactivate, ${r.summary.deactivated ?? 0} deactivated, ${r.summary.excluded ?? 0} excluded`;
}

export async function schedulesListMessage(deps: ScheduleListenerDeps): Promise<SlackMessage> {
  const { engine } = deps;
  const now = engine.clock();
  const rows = await listSchedules(engine.db);
  const items: ScheduleListItem[] = [];
  for (const s of rows) {
    const [last] = await recentRuns(engine.db, s.id, 1);
    const summary = last ? summaryText(last.result) : undefined;
    items.push({
      id: s.id,
      name: s.name,
      enabled: s.enabled,
      mode: s.mode,
      cron: s.cron,
      timezone: s.timezone,
      inactiveDays: s.inactiveDays,
      excludeGroups: s.excludeGroups,
      warnDays: s.warnDays,
      capCount: s.capCount,
      capPercent: s.capPercent,
      reportChannel: s.reportChannel,
      nextRun: s.enabled ? (nextRuns(s.cron, s.timezone, now, 1)[0]?.toISOString() ?? null) : null,
      lastRun: last
        ? {
            slot: new Date(last.slot).toISOString(),
            status: last.status,
            ...(summary ? { summary } : {}),
          }
        : null,
    });
  }
  return buildSchedulesListMessage({
    schedules: items,
    now: now.toISOString(),
    command: deps.command,
    ...(deps.config.slack.reportChannel ? { defaultReportChannel: deps.config.slack.reportChannel } : {}),
  });
}

async function refreshList(
  deps: ScheduleListenerDeps,
  client: WebClient,
  userId: string,
  respond: RespondFn | undefined,
  note?: string,
): Promise<void> {
  const list = await schedulesListMessage(deps);
  const message = note
    ? { ...list, blocks: [...buildNoticeMessage(note).blocks, ...list.blocks].slice(0, 50) }
    : list;
  if (respond) {
    try {
      await respond({
        replace_original: true,
        response_type: "ephemeral",
        text: message.text,
        blocks: message.blocks,
      });
      return;
    } catch (error) {
      deps.logger.warn({ err: error }, "could not replace the schedules list; sending a new one");
    }
  }
  await tell(deps, client, userId, message);
}

/** What Bolt passes a button listener (the parts these use). */
interface ButtonArgs {
  ack: () => Promise<void>;
  body: unknown;
  action: unknown;
  client: WebClient;
  respond: RespondFn;
}

/**
 * Acknowledges a list button and lets only admins on (others are refused, with the audit row): who clicked
 * and the schedule the button names, or null when refused.
 */
async function adminClick(
  deps: ScheduleListenerDeps,
  args: ButtonArgs,
  attempted: string,
  action: string,
): Promise<{ body: BlockAction; userId: string; id: string } | null> {
  await args.ack();
  const body = args.body as BlockAction;
  const userId = body.user.id;
  const id = buttonValue(args.action);
  const allowed = await mustBeAdmin(
    deps,
    args.client,
    userId,
    attempted,
    { action, scheduleId: id },
    { respond: args.respond },
  );
  return allowed ? { body, userId, id } : null;
}

/** Pause, Resume, Delete, Edit, New and Run now on the schedules list. */
export function registerScheduleListActions(app: App, deps: ScheduleListenerDeps): void {
  const toggle = (enabled: boolean) => async (args: ButtonArgs) => {
    const verb = enabled ? "resume" : "pause";
    const click = await adminClick(deps, args, `${verb} schedules`, `schedule_${verb}`);
    if (!click) return;
    const { userId, id } = click;
    const updated = await setScheduleEnabled(deps.engine.db, id, enabled, who(userId, deps.engine));
    await reloadScheduler(deps);
    await refreshList(
      deps,
      args.client,
      userId,
      args.respond,
      updated
        ? `:white_check_mark: *${escapeAndTruncate(updated.name, 80)}* ${enabled ? "resumed" : "paused"}.`
        : ":warning: That schedule no longer exists.",
    );
  };
  app.action(SCHEDULE_PAUSE_ACTION_ID, toggle(false));
  app.action(SCHEDULE_RESUME_ACTION_ID, toggle(true));

  app.action(SCHEDULE_DELETE_ACTION_ID, async (args) => {
    const click = await adminClick(deps, args, "delete schedules", "schedule_delete");
    if (!click) return;
    const { userId, id } = click;
    const { client, respond } = args;
    const deleted = await deleteSchedule(deps.engine.db, id, who(userId, deps.engine));
    await reloadScheduler(deps);
    await refreshList(
      deps,
      client,
      userId,
      respond,
      deleted
        ? `:wastebasket: *${escapeAndTruncate(deleted.name, 80)}* deleted.`
        : ":warning: That schedule no longer exists.",
    );
  });

  const openModal = async (args: ButtonArgs) => {
    const click = await adminClick(deps, args, "edit schedules", "schedule_edit");
    if (!click) return;
    const { body, id } = click;
    const schedule = id && id !== "new" ? await getSchedule(deps.engine.db, id) : null;
    const home = messageHome(body);
    await args.client.views.open({
      trigger_id: body.trigger_id,
      view: await scheduleModal(deps, schedule, home.channel),
    });
  };
  app.action(SCHEDULE_EDIT_ACTION_ID, openModal);
  app.action(SCHEDULE_CREATE_ACTION_ID, openModal);

  app.action(SCHEDULE_RUN_NOW_ACTION_ID, async (args) => {
    const click = await adminClick(deps, args, "run schedules", "schedule_run_now");
    if (!click) return;
    const { body, userId, id } = click;
    const { client, respond } = args;
    const schedule = await getSchedule(deps.engine.db, id);
    if (!schedule) {
      await tell(deps, client, userId, buildNoticeMessage(":warning: That schedule no longer exists."), {
        respond,
      });
      return;
    }
    const home = messageHome(body);
    const channel = schedule.reportChannel ?? deps.config.slack.reportChannel ?? home.channel;
    try {
      const scheduler = schedulerOf(deps);
      if (scheduler) {
        await scheduler.runNow(id, {
          actor: slackActor(userId),
          source: "slack",
          dryRun: true,
          ...(channel ? { channel } : {}),
        });
      } else {
        const run = await runPolicy(deps.engine, schedule, {
          dryRun: true,
          actor: slackActor(userId),
          source: "slack",
        });
        const reporter =
          deps.scheduleReporter ??
          createSlackScheduleReporter({
            client,
            logger: deps.logger,
            ...(deps.config.slack.reportChannel ? { defaultChannel: deps.config.slack.reportChannel } : {}),
          });
        await reporter.report(run, channel ? { channel } : undefined);
      }
      await tell(
        deps,
        client,
        userId,
        buildNoticeMessage(
          `:test_tube: Dry run of *${escapeAndTruncate(schedule.name, 80)}* done${channel ? `: the report is in ${mentionChannel(channel)}` : ""}. Nothing was changed.`,
        ),
        { respond },
      );
    } catch (error) {
      deps.logger.error({ err: error, scheduleId: id }, "dry run failed");
      await tell(
        deps,
        client,
        userId,
        buildErrorMessage("The dry run failed on my side; nothing was changed."),
        { respond },
      );
    }
  });
}
