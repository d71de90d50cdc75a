// `/bulkusers schedules`: the list of inactive-user policies, each with pause/resume, run now (dry run),
// edit and delete. Pure: no I/O, no clock (pass `now`).
import type { Button, KnownBlock } from "@slack/types";
import {
  context,
  escapeAndTruncate,
  formatNumber,
  header,
  inlineCode,
  mentionChannel,
  plainText,
  plural,
  type SlackMessage,
  section,
  slackDate,
  truncate,
} from "./common.ts";
import {
  SCHEDULE_CREATE_ACTION_ID,
  SCHEDULE_DELETE_ACTION_ID,
  SCHEDULE_EDIT_ACTION_ID,
  SCHEDULE_PAUSE_ACTION_ID,
  SCHEDULE_RESUME_ACTION_ID,
  SCHEDULE_RUN_NOW_ACTION_ID,
  SCHEDULES_LIST_MAX,
  type ScheduleMode,
} from "./schedule-ids.ts";

export interface ScheduleListItem {
  id: string;
  name: string;
  enabled: boolean;
  mode: ScheduleMode;
  cron: string;
  timezone: string;
  inactiveDays: number;
  excludeGroups: readonly string[];
  warnDays: number;
  capCount: number | null;
  capPercent: number | null;
  reportChannel: string | null;
  /** ISO of the next run (when enabled). */
  nextRun: string | null;
  lastRun: { slot: string; status: string; summary?: string } | null;
}

export interface SchedulesListInput {
  schedules: readonly ScheduleListItem[];
  /** ISO now. */
  now: string;
  command?: string;
  defaultReportChannel?: string;
}

const MODE_SHORT: Record<ScheduleMode, string> = {
  report: "report only",
  "warn-then-deactivate": "warn, then deactivate",
  deactivate: "deactivate",
};

function scheduleButton(text: string, actionId: string, value: string, style?: "primary" | "danger"): Button {
  return {
    type: "button",
    text: plainText(text, 75),
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

function describeSchedule(s: ScheduleListItem, defaultChannel: string | undefined): string {
  const status = s.enabled ? ":large_green_circle: active" : ":double_vertical_bar: paused";
  const cap = [
    s.capCount !== null ? plural(s.capCount, "user") : "",
    s.capPercent !== null ? `${s.capPercent}% of active users` : "",
  ]
    .filter(Boolean)
    .join(" or ");
  const groups = s.excludeGroups.length
    ? s.excludeGroups
        .slice(0, 3)
        .map((g) => escapeAndTruncate(g, 30))
        .join(", ") + (s.excludeGroups.length > 3 ? ` +${s.excludeGroups.length - 3}` : "")
    : "none";
  const channel = s.reportChannel ?? defaultChannel;
  const lines = [
    `*${escapeAndTruncate(s.name, 60)}* · ${status} · ${MODE_SHORT[s.mode]}${s.mode === "warn-then-deactivate" ? ` (${plural(s.warnDays, "day")} notice)` : ""}`,
    `Inactive after ${plural(s.inactiveDays, "day")} · ${inlineCode(`${s.cron} ${s.timezone}`, 80)}${s.enabled && s.nextRun ? ` · next ${slackDate(s.nextRun)}` : ""}`,
    `Cap: ${cap || "none"} · excluded groups: ${groups} · report to ${channel ? mentionChannel(channel) : "_no channel set_"}`,
  ];
  if (s.lastRun) {
    lines.push(
      `Last run ${slackDate(s.lastRun.slot)}: ${escapeAndTruncate(s.lastRun.status, 20)}${s.lastRun.summary ? ` (${escapeAndTruncate(s.lastRun.summary, 80)})` : ""}`,
    );
  }
  return lines.join("\n");
}

export function buildSchedulesListMessage(input: SchedulesListInput): SlackMessage {
  const command = input.command ?? "/bulkusers";
  const blocks: KnownBlock[] = [header("Inactive-user schedules")];
  if (input.schedules.length === 0) {
    blocks.push(
      section(
        `No schedules yet: inactive-user deactivation is off until one is configured. Create one with \`${command} schedule\`.`,
      ),
    );
  }
  const shown = input.schedules.slice(0, SCHEDULES_LIST_MAX);
  for (const s of shown) {
    blocks.push(section(describeSchedule(s, input.defaultReportChannel)));
    blocks.push({
      type: "actions",
      block_id: `schedule_actions_${s.id}`.slice(0, 255),
      elements: [
        s.enabled
          ? scheduleButton("Pause", SCHEDULE_PAUSE_ACTION_ID, s.id)
          : scheduleButton("Resume", SCHEDULE_RESUME_ACTION_ID, s.id, "primary"),
        scheduleButton("Run now (dry run)", SCHEDULE_RUN_NOW_ACTION_ID, s.id),
        scheduleButton("Edit", SCHEDULE_EDIT_ACTION_ID, s.id),
        {
          ...scheduleButton("Delete", SCHEDULE_DELETE_ACTION_ID, s.id, "danger"),
          confirm: {
            title: plainText("Delete this schedule?", 100),
            text: plainText(
              `"${truncate(s.name, 40)}" stops running; its pending warnings are dropped.`,
              300,
            ),
            confirm: plainText("Delete", 30),
            deny: plainText("Keep it", 30),
            style: "danger",
          },
        },
      ],
    });
  }
  const hidden = input.schedules.length - shown.length;
  const notes = [`New schedule: \`${command} schedule\``];
  if (hidden > 0) notes.unshift(`…and ${plural(hidden, "more schedule")} not shown`);
  notes.push(`${formatNumber(input.schedules.filter((s) => s.enabled).length)} active`);
  blocks.push({
    type: "actions",
    block_id: "schedule_list_actions",
    elements: [scheduleButton("New schedule", SCHEDULE_CREATE_ACTION_ID, "new", "primary")],
  });
  blocks.push(context(notes.join(" · ")));
  return {
    text: input.schedules.length
      ? `${plural(input.schedules.length, "inactive-user schedule")}`
      : "No inactive-user schedules yet.",
    blocks,
  };
}
