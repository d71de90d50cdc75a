// The schedule modal: opened by `/bulkusers schedule [name|id]` or the list's Edit / New buttons; its submit
// validates and saves the policy (field errors back into the modal), reloads the scheduler and confirms
// privately. Also the options loader of its "exclude groups" picker when there are too many groups to list.
import type { App } from "@slack/bolt";
import { inArray, sql } from "drizzle-orm";
import { describeAction } from "../../core/inactivity.ts";
import { queryRows } from "../../directory/client.ts";
import { groups } from "../../directory/schema.ts";
import type { Engine } from "../../jobs/service.ts";
import { nextRuns, type ScheduleRecord, saveSchedule } from "../../scheduler/schedules.ts";
import { isAdmin, refuse } from "../auth.ts";
import {
  buildMessageView,
  buildNoticeMessage,
  escapeAndTruncate,
  inlineCode,
  mentionChannel,
  plural,
  type SlackMessage,
  slackDate,
} from "../blocks/index.ts";
import {
  buildScheduleModal,
  groupOptions,
  readScheduleModalMetadata,
  readScheduleModalState,
  SCHEDULE_GROUPS_ACTION_ID,
  SCHEDULE_VIEW_CALLBACK_ID,
  type ScheduleGroupOption,
  type ScheduleStateValues,
  STATIC_GROUPS_MAX,
  scheduleModalErrors,
} from "../blocks/schedules.ts";
import { reloadScheduler, type ScheduleListenerDeps, tell, who } from "./schedule-support.ts";

async function directoryGroups(engine: Engine, limit: number): Promise<ScheduleGroupOption[]> {
  return queryRows<ScheduleGroupOption>(
    engine.db,
    sql`select id::text as id, name from groups order by lower(name) limit ${limit}`,
  );
}

async function groupsByName(engine: Engine, names: readonly string[]): Promise<ScheduleGroupOption[]> {
  if (names.length === 0) return [];
  const rows = await queryRows<ScheduleGroupOption>(
    engine.db,
    sql`select id::text as id, name from groups
        where lower(name) in (select lower(x) from jsonb_array_elements_text(${JSON.stringify(names)}::jsonb) as t(x))`,
  );
  return names.flatMap((n) => rows.filter((r) => r.name.toLowerCase() === n.toLowerCase()).slice(0, 1));
}

export async function scheduleModal(
  deps: ScheduleListenerDeps,
  schedule: ScheduleRecord | null,
  channelId: string | undefined,
) {
  const list = await directoryGroups(deps.engine, STATIC_GROUPS_MAX + 1);
  const many = list.length > STATIC_GROUPS_MAX;
  return buildScheduleModal({
    groups: many ? [] : list,
    manyGroups: many,
    ...(channelId ? { channelId } : {}),
    ...(deps.config.slack.reportChannel ? { defaultReportChannel: deps.config.slack.reportChannel } : {}),
    ...(schedule
      ? {
          scheduleId: schedule.id,
          values: {
            name: schedule.name,
            inactiveDays: schedule.inactiveDays,
            cron: schedule.cron,
            timezone: schedule.timezone,
            excludeGroups: await groupsByName(deps.engine, schedule.excludeGroups),
            mode: schedule.mode,
            warnDays: schedule.warnDays,
            capCount: schedule.capCount,
            capPercent: schedule.capPercent,
            reportChannel: schedule.reportChannel,
            action: schedule.action.kind,
            removeSkus: schedule.action.kind === "remove-access" ? schedule.action.skus : [],
            removeGroups: schedule.action.kind === "remove-access" ? schedule.action.groups : [],
          },
        }
      : {}),
  });
}

function savedMessage(deps: ScheduleListenerDeps, schedule: ScheduleRecord, created: boolean): SlackMessage {
  const next = schedule.enabled
    ? nextRuns(schedule.cron, schedule.timezone, deps.engine.clock(), 1)[0]
    : undefined;
  const channel = schedule.reportChannel ?? deps.config.slack.reportChannel;
  const modes = {
    report: "reports inactive users for approval",
    "warn-then-deactivate": `warns inactive users by DM and deactivates them ${plural(schedule.warnDays, "day")} later`,
    deactivate: "deactivates inactive users",
  } as const;
  const lines = [
    `:calendar: Schedule *${escapeAndTruncate(schedule.name, 80)}* ${created ? "created" : "saved"}: it ${modes[schedule.mode]} after ${plural(schedule.inactiveDays, "day")} without sign-in.`,
    ...(schedule.action.kind === "remove-access"
      ? [
          `Deactivating here means: ${escapeAndTruncate(describeAction(schedule.action), 300)}; the accounts stay active.`,
        ]
      : []),
    `Runs ${inlineCode(`${schedule.cron} ${schedule.timezone}`, 80)}${next ? `; next ${slackDate(next.toISOString())}` : ""}. Reports go to ${channel ? mentionChannel(channel) : "_no channel: set one, or BULKUSERS_REPORT_CHANNEL_"}.`,
  ];
  return buildNoticeMessage(
    lines.join("\n"),
    `Try it safely: \`${deps.command} schedules\` → Run now (dry run).`,
  );
}

/** The modal's submit and its group search. */
export function registerScheduleModal(app: App, deps: ScheduleListenerDeps): void {
  app.view(SCHEDULE_VIEW_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const meta = readScheduleModalMetadata(view.private_metadata);
    if (!isAdmin(deps.config.slack, userId)) {
      const message = await refuse(
        { db: deps.engine.db, config: deps.config.slack, logger: deps.logger },
        { userId, attempted: "set up inactive-user schedules", details: { action: "schedule_submit" } },
      );
      await ack({ response_action: "update", view: buildMessageView("Not allowed", message) });
      return;
    }
    const state = readScheduleModalState(view.state.values as ScheduleStateValues);
    const picked =
      state.excludeGroupIds.length > 0
        ? await deps.engine.db
            .select({ id: groups.id, name: groups.name })
            .from(groups)
            .where(
              inArray(
                groups.id,
                state.excludeGroupIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id)),
              ),
            )
        : [];
    if (picked.length < state.excludeGroupIds.length) {
      await ack({
        response_action: "errors",
        errors: scheduleModalErrors({ excludeGroups: "A group you picked no longer exists: pick again." }),
      });
      return;
    }
    const saved = await saveSchedule(deps.engine.db, {
      ...(meta.scheduleId ? { id: meta.scheduleId } : {}),
      draft: {
        name: state.name,
        cron: state.cron,
        timezone: state.timezone,
        inactiveDays: state.inactiveDays,
        excludeGroups: state.excludeGroupIds.map((id) => picked.find((g) => g.id === id)?.name ?? id),
        mode: state.mode,
        warnDays: state.warnDays,
        capCount: state.capCount,
        capPercent: state.capPercent,
        reportChannel: state.reportChannel,
        // The SKU and group fields only count when the admin chose to remove access.
        action: state.action,
        removeSkus: state.action === "remove-access" ? [state.removeSkus] : [],
        removeGroups: state.action === "remove-access" ? [state.removeGroups] : [],
      },
      ...who(userId, deps.engine),
    });
    if (!saved.ok) {
      await ack({ response_action: "errors", errors: scheduleModalErrors(saved.errors) });
      return;
    }
    await ack();
    await reloadScheduler(deps);
    await tell(deps, client, userId, savedMessage(deps, saved.schedule, saved.created), {
      ...(meta.channelId ? { channelId: meta.channelId } : {}),
    });
  });

  app.options(SCHEDULE_GROUPS_ACTION_ID, async ({ ack, body }) => {
    const userId = (body as { user?: { id?: string } }).user?.id ?? "";
    if (!isAdmin(deps.config.slack, userId)) {
      await ack({ options: [] });
      return;
    }
    const query = String((body as { value?: string }).value ?? "")
      .trim()
      .toLowerCase();
    const rows = await queryRows<ScheduleGroupOption>(
      deps.engine.db,
      sql`select id::text as id, name from groups
          where strpos(lower(name), ${query}) > 0 order by lower(name) limit 100`,
    );
    await ack({ options: groupOptions(rows) });
  });
}
