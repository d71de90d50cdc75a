// Inactive-user schedules in Slack:
// - `/bulkusers schedule [name|id]` opens the modal to create (or edit) a policy; `/bulkusers schedules`
//   lists them with pause/resume, run now (dry run), edit and delete. The command router calls
//   `handleScheduleCommand` for those two words (see registerScheduleListeners' return value).
// - The report a run posts: "Deactivate these N" / "Approve" re-check who is still inactive, plan a fresh
//   `disable` of those users (the report's users only, never new ones) and open the normal preview; its
//   submit (the preview listener) confirms it like any plan, and the job reports in the report's thread.
//   "Reactivate" plans an `enable` of one user and confirms it at once (audited, undoable).
// - Only admins (BULKUSERS_ADMINS) may use any of it; refusals are audited.
// Also here: the Slack implementations of the scheduler's reporter (report + CSV in its thread) and of the
// warning notifier (users.lookupByEmail, then a DM).
import type { App, BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { inArray, sql } from "drizzle-orm";
import { evaluateInactivity, exclusionCounts, reportCsv } from "../../core/inactivity.ts";
import { queryRows } from "../../directory/client.ts";
import { groups } from "../../directory/schema.ts";
import { loadUsersWithChains } from "../../directory/view.ts";
import { loadPlan, loadPlanRows } from "../../jobs/plan-store.ts";
import { type Engine, planSelection } from "../../jobs/service.ts";
import type { Logger } from "../../logger.ts";
import { recentRuns } from "../../scheduler/coordinator.ts";
import {
  type InactivityNotifier,
  loadPolicyUsers,
  type PolicyRunResult,
  runPolicy,
  type WarnedUser,
} from "../../scheduler/policy.ts";
import type { ScheduleReporter, Scheduler } from "../../scheduler/scheduler.ts";
import {
  deleteSchedule,
  getSchedule,
  listSchedules,
  nextRuns,
  policyOf,
  type ScheduleRecord,
  saveSchedule,
  setScheduleEnabled,
} from "../../scheduler/schedules.ts";
import { isAdmin, refuse, slackActor, slackUserOf } from "../auth.ts";
import {
  buildInactivityReport,
  buildInactivityWarningDm,
  INACTIVITY_APPROVE_ACTION_ID,
  INACTIVITY_DEACTIVATE_ACTION_ID,
  INACTIVITY_REACTIVATE_ACTION_ID,
  type InactivityReportInput,
  readReactivateValue,
} from "../blocks/inactivity-report.ts";
import {
  buildErrorMessage,
  buildLoadingView,
  buildMessageView,
  buildNoticeMessage,
  buildNoticeView,
  escapeAndTruncate,
  inlineCode,
  mentionChannel,
  plural,
  type SlackMessage,
  slackDate,
} from "../blocks/index.ts";
import {
  buildScheduleModal,
  buildSchedulesListMessage,
  groupOptions,
  readScheduleModalMetadata,
  readScheduleModalState,
  SCHEDULE_CREATE_ACTION_ID,
  SCHEDULE_DELETE_ACTION_ID,
  SCHEDULE_EDIT_ACTION_ID,
  SCHEDULE_GROUPS_ACTION_ID,
  SCHEDULE_PAUSE_ACTION_ID,
  SCHEDULE_RESUME_ACTION_ID,
  SCHEDULE_RUN_NOW_ACTION_ID,
  SCHEDULE_VIEW_CALLBACK_ID,
  type ScheduleGroupOption,
  type ScheduleListItem,
  type ScheduleStateValues,
  STATIC_GROUPS_MAX,
  scheduleModalErrors,
} from "../blocks/schedules.ts";
import type { SlackDeps } from "../deps.ts";
import { openDm, uploadCsv } from "../files.ts";
import { renderPreview } from "../preview.ts";
import { replyPrivately } from "../reply.ts";
import { approve } from "./views.ts";

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

/** The `/bulkusers` words this module answers. */
export const SCHEDULE_COMMAND_WORDS = ["schedule", "schedules"] as const;

export function isScheduleCommand(word: string): boolean {
  return (SCHEDULE_COMMAND_WORDS as readonly string[]).includes(word.toLowerCase());
}

export interface ScheduleCommandInput {
  /** "schedule" or "schedules". */
  word: string;
  /** The text after the word (schedule: a policy name or id to edit). */
  rest: string;
  userId: string;
  channelId: string;
  triggerId: string;
  client: WebClient;
  respond?: RespondFn;
}

function schedulerOf(deps: ScheduleListenerDeps): SchedulerLike | undefined {
  return typeof deps.scheduler === "function" ? deps.scheduler() : deps.scheduler;
}

async function reloadScheduler(deps: ScheduleListenerDeps): Promise<void> {
  try {
    await schedulerOf(deps)?.reload();
  } catch (error) {
    deps.logger.error({ err: error }, "scheduler reload failed");
  }
}

function who(userId: string, engine: Engine) {
  return { actor: slackActor(userId), source: "slack" as const, now: engine.clock() };
}

async function tell(
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
async function mustBeAdmin(
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

// --- the list -----------------------------------------------------------------------------------------

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

// --- the modal ----------------------------------------------------------------------------------------

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
          },
        }
      : {}),
  });
}

async function findByNameOrId(engine: Engine, text: string): Promise<ScheduleRecord | null> {
  const wanted = text.trim();
  if (wanted === "") return null;
  const all = await listSchedules(engine.db);
  return (
    all.find((s) => s.id === wanted) ?? all.find((s) => s.name.toLowerCase() === wanted.toLowerCase()) ?? null
  );
}

/** `/bulkusers schedule [name|id]` and `/bulkusers schedules`. The caller has acked the command. */
export async function handleScheduleCommand(
  deps: ScheduleListenerDeps,
  input: ScheduleCommandInput,
): Promise<void> {
  const word = input.word.toLowerCase();
  const where = { ...(input.respond ? { respond: input.respond } : {}), channelId: input.channelId };
  const attempted =
    word === "schedules" ? "see the inactive-user schedules" : "set up inactive-user schedules";
  const allowed = await mustBeAdmin(
    deps,
    input.client,
    input.userId,
    attempted,
    { command: `${deps.command} ${word}` },
    where,
  );
  if (!allowed) return;
  if (word === "schedules" || (word === "schedule" && /^(list|ls)$/i.test(input.rest.trim()))) {
    await tell(deps, input.client, input.userId, await schedulesListMessage(deps), where);
    return;
  }
  let existing: ScheduleRecord | null = null;
  if (input.rest.trim() !== "") {
    existing = await findByNameOrId(deps.engine, input.rest);
    if (!existing) {
      await tell(
        deps,
        input.client,
        input.userId,
        buildNoticeMessage(
          `I can't find a schedule called ${inlineCode(input.rest, 100)}. \`${deps.command} schedules\` lists them; \`${deps.command} schedule\` creates a new one.`,
        ),
        where,
      );
      return;
    }
  }
  await input.client.views.open({
    trigger_id: input.triggerId,
    view: await scheduleModal(deps, existing, input.channelId),
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
    `Runs ${inlineCode(`${schedule.cron} ${schedule.timezone}`, 80)}${next ? `; next ${slackDate(next.toISOString())}` : ""}. Reports go to ${channel ? mentionChannel(channel) : "_no channel: set one, or BULKUSERS_REPORT_CHANNEL_"}.`,
  ];
  return buildNoticeMessage(
    lines.join("\n"),
    `Try it safely: \`${deps.command} schedules\` → Run now (dry run).`,
  );
}

// --- reports --------------------------------------------------------------------------------------------

/** The report builder's input from a run. */
export function reportInputOf(run: PolicyRunResult): InactivityReportInput {
  const counts = exclusionCounts(run.evaluation.excluded);
  const ranBy = run.actor.startsWith("schedule:") ? undefined : (slackUserOf(run.actor) ?? run.actor);
  return {
    scheduleId: run.schedule.id,
    scheduleName: run.schedule.name,
    mode: run.schedule.mode,
    inactiveDays: run.policy.inactiveDays,
    excludeGroups: run.policy.excludeGroups,
    cron: run.schedule.cron,
    timezone: run.schedule.timezone,
    dryRun: run.dryRun,
    ...(ranBy ? { ranBy } : {}),
    decision: run.decision,
    now: run.now,
    counts: {
      candidates: run.summary.candidates,
      toDeactivate: run.summary.toDeactivate,
      deactivated: run.summary.deactivated,
      failed: run.summary.failed,
      excluded: run.summary.excluded,
      warned: run.summary.warned,
      waiting: run.summary.waiting,
    },
    excludedBy: {
      admins: counts.admin,
      serviceAccounts: counts["service-account"],
      groups: counts["excluded-group"],
      disabledOrDeleted: counts.disabled + counts.deleted,
    },
    cap: {
      limit: run.evaluation.cap.limit,
      capCount: run.policy.capCount,
      capPercent: run.policy.capPercent,
      activeUsers: run.evaluation.activeUserCount,
    },
    plan: run.plan
      ? { id: run.plan.id, expiresAt: run.plan.expiresAt, change: run.plan.summary.change }
      : null,
    job: run.job ? { id: run.job.id, status: run.job.status } : null,
    refusal: run.refusal,
    dms: { sent: run.warnings.notified, failed: run.warnings.failed },
    users: run.rows,
  };
}

export function reportFileName(run: PolicyRunResult): string {
  const slug =
    run.schedule.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40) || "schedule";
  return `inactive-users-${slug}-${run.now.slice(0, 10)}${run.dryRun ? "-dry-run" : ""}.csv`;
}

export interface SlackScheduleReporterOptions {
  client: WebClient;
  /** BULKUSERS_REPORT_CHANNEL: where runs report when their policy names no channel. */
  defaultChannel?: string;
  logger?: Logger;
}

/** Posts each run's report to its channel, then the full list as a CSV in the report's thread. */
export function createSlackScheduleReporter(options: SlackScheduleReporterOptions): ScheduleReporter {
  const { client, logger } = options;
  return {
    async report(run, reportOptions) {
      const channel = reportOptions?.channel ?? run.schedule.reportChannel ?? options.defaultChannel;
      if (!channel) {
        logger?.warn(
          { scheduleId: run.schedule.id },
          "no report channel (set one on the schedule or BULKUSERS_REPORT_CHANNEL): report not posted",
        );
        return;
      }
      try {
        const message = buildInactivityReport(reportInputOf(run));
        const posted = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
        if (run.rows.length > 0 && posted.ts) {
          await uploadCsv(client, {
            channel: posted.channel ?? channel,
            threadTs: posted.ts,
            filename: reportFileName(run),
            title: `Inactive users: ${run.schedule.name}`.slice(0, 200),
            bytes: reportCsv(run.rows),
            initialComment: `All ${run.rows.length} inactive users of this run, with what happened to each.`,
          });
        }
      } catch (error) {
        logger?.error(
          { err: error, scheduleId: run.schedule.id, channel },
          "could not post the inactivity report",
        );
      }
    },
  };
}

/** Warns a user by DM: looks them up by e-mail (users:read.email), opens the DM, posts. Throws on failure. */
export function createSlackNotifier(options: { client: WebClient; logger?: Logger }): InactivityNotifier {
  const { client } = options;
  return {
    async warnUser(user: WarnedUser, deactivateAfter: string) {
      const found = await client.users.lookupByEmail({ email: user.email });
      const id = found.user?.id;
      if (!id) throw new Error(`no Slack user with the e-mail ${user.email}`);
      const channel = await openDm(client, id);
      const message = buildInactivityWarningDm({
        displayName: user.displayName,
        deactivateAfter,
        daysInactive: user.daysInactive,
        neverSignedIn: user.lastLoginAt === null,
        policyName: user.policyName,
      });
      await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
    },
  };
}

// --- listeners --------------------------------------------------------------------------------------------

function buttonValue(action: unknown): string {
  return typeof (action as ButtonAction)?.value === "string" ? (action as ButtonAction).value! : "";
}

/** Where a message button was clicked: its channel and the thread of its message. */
function messageHome(body: BlockAction): { channel?: string; threadTs?: string } {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const message = body.message as { ts?: string; thread_ts?: string } | undefined;
  const threadTs = message?.thread_ts ?? message?.ts ?? body.container?.message_ts;
  return { ...(channel ? { channel } : {}), ...(threadTs ? { threadTs } : {}) };
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

function registerListActions(app: App, deps: ScheduleListenerDeps): void {
  const toggle =
    (enabled: boolean) =>
    async (args: {
      ack: () => Promise<void>;
      body: unknown;
      action: unknown;
      client: WebClient;
      respond: RespondFn;
    }) => {
      await args.ack();
      const body = args.body as BlockAction;
      const userId = body.user.id;
      const id = buttonValue(args.action);
      const verb = enabled ? "resume" : "pause";
      if (
        !(await mustBeAdmin(
          deps,
          args.client,
          userId,
          `${verb} schedules`,
          { action: `schedule_${verb}`, scheduleId: id },
          { respond: args.respond },
        ))
      )
        return;
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

  app.action(SCHEDULE_DELETE_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    await ack();
    const userId = body.user.id;
    const id = buttonValue(action);
    if (
      !(await mustBeAdmin(
        deps,
        client,
        userId,
        "delete schedules",
        { action: "schedule_delete", scheduleId: id },
        { respond },
      ))
    )
      return;
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

  const openModal = async (args: {
    ack: () => Promise<void>;
    body: unknown;
    action: unknown;
    client: WebClient;
    respond: RespondFn;
  }) => {
    await args.ack();
    const body = args.body as BlockAction;
    const userId = body.user.id;
    const id = buttonValue(args.action);
    if (
      !(await mustBeAdmin(
        deps,
        args.client,
        userId,
        "edit schedules",
        { action: "schedule_edit", scheduleId: id },
        { respond: args.respond },
      ))
    )
      return;
    const schedule = id && id !== "new" ? await getSchedule(deps.engine.db, id) : null;
    const home = messageHome(body);
    await args.client.views.open({
      trigger_id: body.trigger_id,
      view: await scheduleModal(deps, schedule, home.channel),
    });
  };
  app.action(SCHEDULE_EDIT_ACTION_ID, openModal);
  app.action(SCHEDULE_CREATE_ACTION_ID, openModal);

  app.action(SCHEDULE_RUN_NOW_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    await ack();
    const userId = body.user.id;
    const id = buttonValue(action);
    if (
      !(await mustBeAdmin(
        deps,
        client,
        userId,
        "run schedules",
        { action: "schedule_run_now", scheduleId: id },
        { respond },
      ))
    )
      return;
    const schedule = await getSchedule(deps.engine.db, id);
    if (!schedule) {
      await tell(deps, client, userId, buildNoticeMessage(":warning: That schedule no longer exists."), {
        respond,
      });
      return;
    }
    const home = messageHome(body as BlockAction);
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

function registerModal(app: App, deps: ScheduleListenerDeps): void {
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

/** "Deactivate these N" / "Approve": a fresh plan of the report's users still inactive, then the preview. */
async function reviewReport(
  deps: ScheduleListenerDeps,
  client: WebClient,
  body: BlockAction,
  planId: string,
): Promise<void> {
  const userId = body.user.id;
  const opened = await client.views.open({
    trigger_id: body.trigger_id,
    view: buildLoadingView({ title: "Deactivate users", message: "Checking who is still inactive…" }),
  });
  const viewId = opened.view?.id;
  const show = async (view: Parameters<WebClient["views"]["update"]>[0]["view"]) => {
    if (!viewId) return;
    try {
      await client.views.update({ view_id: viewId, view });
    } catch (error) {
      deps.logger.error({ err: error }, "views.update failed");
    }
  };
  try {
    const { engine } = deps;
    const report = await loadPlan(engine.db, planId, { rows: false });
    const scheduleId = typeof report?.context.scheduleId === "string" ? report.context.scheduleId : null;
    const schedule = scheduleId ? await getSchedule(engine.db, scheduleId) : null;
    if (!report || !schedule) {
      await show(
        buildNoticeView(
          "Report out of date",
          report
            ? "The schedule behind this report was deleted. Nothing was changed; use /bulkusers disable with the report's CSV instead."
            : "This report's plan no longer exists. Nothing was changed; wait for the next run or run the schedule now.",
        ),
      );
      return;
    }
    const proposed = new Set(
      (await loadPlanRows(engine.db, planId, { outcome: "change" })).map((r) => r.key),
    );
    const now = engine.clock();
    const data = await loadPolicyUsers(engine.db, {
      inactiveDays: schedule.inactiveDays,
      now,
      scheduleId: schedule.id,
    });
    const evaluation = evaluateInactivity({
      users: data.users,
      policy: policyOf(schedule),
      warnings: data.warnings,
      now: now.toISOString(),
      activeUserCount: data.activeUserCount,
    });
    // Still inactive and still eligible: anyone who signed in, was excluded or disabled since drops out.
    const users = evaluation.candidates.map((c) => c.user).filter((u) => proposed.has(u.email));
    if (users.length === 0) {
      await show(
        buildNoticeView(
          "Nothing to deactivate",
          "Everyone in this report has signed in since, been excluded, or is already disabled. Nothing was changed.",
        ),
      );
      return;
    }
    const home = messageHome(body);
    const planned = await planSelection(engine, {
      operation: "disable",
      users,
      values: {},
      source: "slack",
      actor: slackActor(userId),
      fileName: `inactive-users-${schedule.name}.csv`.slice(0, 200),
      context: { ...home, userId, scheduleId: schedule.id, reportPlanId: planId },
    });
    if (!planned.ok) {
      await show(buildNoticeView("Cannot prepare", planned.refusal.message));
      return;
    }
    const preview = await renderPreview(engine, planned.stored.id, 0);
    await show(preview?.view ?? buildNoticeView("Bulk Users", "The preview could not be read back."));
  } catch (error) {
    deps.logger.error({ err: error, planId }, "preparing the inactivity preview failed");
    await show(
      buildNoticeView(
        "Something went wrong",
        "I couldn't prepare the preview; nothing was changed. Try again.",
      ),
    );
  }
}

/** "Reactivate": an `enable` of one user, planned and confirmed at once (the click is the approval). */
async function reactivate(
  deps: ScheduleListenerDeps,
  client: WebClient,
  body: BlockAction,
  value: string,
): Promise<void> {
  const userId = body.user.id;
  const target = readReactivateValue(value);
  const home = messageHome(body);
  const where = home.channel ? { channelId: home.channel } : {};
  if (!target) {
    await tell(deps, client, userId, buildErrorMessage("This button is out of date."), where);
    return;
  }
  const users = await loadUsersWithChains(deps.engine.db, [target.email.toLowerCase()]);
  const user = users.get(target.email.toLowerCase());
  if (!user) {
    await tell(
      deps,
      client,
      userId,
      buildNoticeMessage(`${inlineCode(target.email, 120)} no longer exists.`),
      where,
    );
    return;
  }
  const planned = await planSelection(deps.engine, {
    operation: "enable",
    users: [user],
    values: {},
    source: "slack",
    actor: slackActor(userId),
    fileName: "reactivate.csv",
    context: { ...home, userId, reactivateOf: target.jobId },
  });
  if (!planned.ok) {
    await tell(deps, client, userId, buildErrorMessage(planned.refusal.message, planned.refusal.code), where);
    return;
  }
  const row = planned.stored.plan.rows[0];
  if (row?.outcome !== "change") {
    await tell(
      deps,
      client,
      userId,
      buildNoticeMessage(
        `${inlineCode(user.email, 120)}: ${escapeAndTruncate(row?.reason ?? "nothing to do", 300)}. Nothing was changed.`,
      ),
      where,
    );
    return;
  }
  await approve(deps, client, userId, planned.stored.id, planned.stored.context, false);
  await tell(
    deps,
    client,
    userId,
    buildNoticeMessage(
      `:arrows_counterclockwise: Reactivating ${inlineCode(user.email, 120)}: the job reports in the thread.`,
    ),
    where,
  );
}

function registerReportActions(app: App, deps: ScheduleListenerDeps): void {
  for (const [actionId, attempted] of [
    [INACTIVITY_DEACTIVATE_ACTION_ID, "deactivate inactive users"],
    [INACTIVITY_APPROVE_ACTION_ID, "approve deactivating inactive users"],
  ] as const) {
    app.action(actionId, async ({ ack, body, action, client }) => {
      await ack();
      const b = body as BlockAction;
      const planId = buttonValue(action);
      const home = messageHome(b);
      if (
        !(await mustBeAdmin(
          deps,
          client,
          b.user.id,
          attempted,
          { action: actionId, planId },
          home.channel ? { channelId: home.channel } : {},
        ))
      )
        return;
      await reviewReport(deps, client, b, planId);
    });
  }
  app.action(INACTIVITY_REACTIVATE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const b = body as BlockAction;
    const home = messageHome(b);
    const value = buttonValue(action);
    if (
      !(await mustBeAdmin(
        deps,
        client,
        b.user.id,
        "reactivate users",
        { action: INACTIVITY_REACTIVATE_ACTION_ID, value },
        home.channel ? { channelId: home.channel } : {},
      ))
    )
      return;
    try {
      await reactivate(deps, client, b, value);
    } catch (error) {
      deps.logger.error({ err: error }, "reactivate failed");
      await tell(deps, client, b.user.id, buildErrorMessage("Reactivating failed on my side. Try again."));
    }
  });
}

export interface ScheduleCommandHandler {
  /** The `/bulkusers` words to route here. */
  words: readonly string[];
  /** Call after ack() for `schedule …` / `schedules`. */
  handleCommand(input: ScheduleCommandInput): Promise<void>;
}

/**
 * Registers the schedule modal, the list's buttons, the report's buttons and the group search; returns the
 * slash-command handler for the command router (`schedule`, `schedules`).
 */
export function registerScheduleListeners(app: App, deps: ScheduleListenerDeps): ScheduleCommandHandler {
  registerListActions(app, deps);
  registerModal(app, deps);
  registerReportActions(app, deps);
  return {
    words: SCHEDULE_COMMAND_WORDS,
    handleCommand: (input) => handleScheduleCommand(deps, input),
  };
}
