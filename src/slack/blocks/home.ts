// The App Home tab: recent jobs with their state (and where they report), the inactive-user schedules,
// and quick actions. Bounded: at most HOME_JOBS_MAX jobs and HOME_SCHEDULES_MAX schedules, each one block.
import type { Button, HomeView, KnownBlock } from "@slack/types";
import type { Operation } from "../../core/types.ts";
import {
  context,
  divider,
  escapeAndTruncate,
  formatNumber,
  header,
  inlineCode,
  mentionChannel,
  mentionUser,
  OPERATION_TITLES,
  plainText,
  relativeTime,
  section,
} from "./common.ts";
import {
  HOME_ACTIONS_BLOCK_ID,
  HOME_JOBS_ACTION_ID,
  HOME_REFRESH_ACTION_ID,
  HOME_TEMPLATE_ACTION_ID,
} from "./ids.ts";
import type { JobListItem } from "./jobs.ts";

export const HOME_JOBS_MAX = 15;
export const HOME_SCHEDULES_MAX = 10;

export interface HomeJob extends JobListItem {
  /** Channel the job reports in (its thread), when it came from Slack. */
  channelId?: string | null;
  /** Slack user id of the approver (a job reporting in a DM reports in theirs). */
  approvedBy?: string | null;
}

export interface HomeSchedule {
  id: string;
  name: string;
  enabled: boolean;
  cron: string;
  timezone: string;
  mode: string;
  inactiveDays: number;
}

export interface HomeViewInput {
  /** What the viewer may do: admins see everything, HR their channel's flow, others an explanation. */
  role: "admin" | "hr" | "none";
  /** Newest first. */
  jobs: readonly HomeJob[];
  schedules: readonly HomeSchedule[];
  /** ISO now. */
  now: string;
  adminIds: readonly string[];
  hrChannelId?: string;
  command?: string;
  /** Who looks at the tab: a job reporting in their own DM with the bot is "in your DM". */
  viewerId?: string;
  /** One line on top answering the button just clicked (e.g. "sent the create template to your DMs"). */
  notice?: string;
}

const STATE_ICON: Record<string, string> = {
  queued: ":hourglass_flowing_sand:",
  running: ":gear:",
  succeeded: ":white_check_mark:",
  completed_with_errors: ":warning:",
  failed: ":x:",
  cancelled: ":no_entry_sign:",
};

const STATE_LABEL: Record<string, string> = {
  completed_with_errors: "finished with errors",
};

/** Where a job reports: a channel link, or for a DM (a D… id cannot be linked) whose DM it is. */
function whereLine(job: HomeJob, viewerId: string | undefined): string {
  if (!job.channelId) return "";
  if (!job.channelId.startsWith("D")) return ` · in ${mentionChannel(job.channelId)}`;
  if (job.approvedBy && job.approvedBy === viewerId) return " · in your DM";
  return job.approvedBy && /^[UW][A-Z0-9]+$/.test(job.approvedBy)
    ? ` · in ${mentionUser(job.approvedBy)}'s DM`
    : " · in a DM";
}

function jobLine(job: HomeJob, now: string, viewerId?: string): string {
  const icon = STATE_ICON[job.status] ?? ":grey_question:";
  const state = escapeAndTruncate(STATE_LABEL[job.status] ?? job.status, 40);
  const processed = job.counts.succeeded + job.counts.failed + job.counts.skipped;
  const progress = job.status === "running" ? ` ${formatNumber(processed)}/${formatNumber(job.total)}` : "";
  const where = whereLine(job, viewerId);
  return (
    `${icon} *${OPERATION_TITLES[job.operation]}* · ${state}${progress} · ${inlineCode(job.id, 80)}\n` +
    `${formatNumber(job.total)} rows: ${formatNumber(job.counts.succeeded)} ok, ${formatNumber(job.counts.failed)} failed, ${formatNumber(job.counts.skipped)} skipped · by ${mentionUser(job.requestedBy)} · ${relativeTime(job.createdAt, now)}${where}`
  );
}

function scheduleLine(s: HomeSchedule): string {
  const state = s.enabled ? ":large_green_circle: on" : ":white_circle: off";
  return `${state} *${escapeAndTruncate(s.name, 100)}* · ${escapeAndTruncate(s.mode, 40)} after ${formatNumber(s.inactiveDays)} days inactive · ${inlineCode(`${s.cron} (${s.timezone})`, 80)}`;
}

function button(text: string, actionId: string, value: string, primary = false): Button {
  const b: Button = { type: "button", text: plainText(text, 75), action_id: actionId, value };
  if (primary) b.style = "primary";
  return b;
}

export function buildHomeView(input: HomeViewInput): HomeView {
  const command = input.command ?? "/bulkusers";
  const blocks: KnownBlock[] = [header("Bulk Users")];
  if (input.role === "none") {
    const admins = input.adminIds.slice(0, 5).map(mentionUser).join(", ");
    blocks.push(
      section(
        `Bulk Users creates, updates and deactivates directory users from CSV files.\nYou don't have access to it. ${admins ? `Ask an admin (${admins}) if you need it.` : "No admins are configured yet."}`,
      ),
    );
    return { type: "home", blocks };
  }

  const intro =
    input.role === "admin"
      ? `Run \`${command} help\` anywhere for every command. Each operation shows a preview before anything changes.`
      : `Post a hire list CSV in ${input.hrChannelId ? mentionChannel(input.hrChannelId) : "the HR channel"}: I answer in the thread with a summary and a *Review & approve* button.`;
  blocks.push(section(intro));
  if (input.notice) blocks.push(context(input.notice));
  const templates: Operation[] = input.role === "admin" ? ["create", "update", "disable"] : ["create"];
  const buttons: Button[] = templates.map((op, i) =>
    button(`Download ${op} template`, HOME_TEMPLATE_ACTION_ID, op, i === 0),
  );
  // Each template button needs its own action_id within one actions block.
  buttons.forEach((b, i) => {
    if (i > 0) b.action_id = `${HOME_TEMPLATE_ACTION_ID}_${i}`;
  });
  if (input.role === "admin") buttons.push(button("Recent jobs", HOME_JOBS_ACTION_ID, "jobs"));
  buttons.push(button("Refresh", HOME_REFRESH_ACTION_ID, "refresh"));
  blocks.push({ type: "actions", block_id: HOME_ACTIONS_BLOCK_ID, elements: buttons });

  blocks.push(divider());
  blocks.push(section("*Recent jobs*"));
  const jobs = input.jobs.slice(0, HOME_JOBS_MAX);
  if (jobs.length === 0) blocks.push(context("No jobs yet."));
  for (const job of jobs) blocks.push(section(jobLine(job, input.now, input.viewerId)));
  if (input.jobs.length > jobs.length) {
    blocks.push(context(`${formatNumber(input.jobs.length - jobs.length)} older jobs: \`${command} jobs\``));
  }

  if (input.schedules.length > 0) {
    blocks.push(divider());
    blocks.push(section("*Inactive-user schedules*"));
    const shown = input.schedules.slice(0, HOME_SCHEDULES_MAX);
    for (const s of shown) blocks.push(section(scheduleLine(s)));
    if (input.schedules.length > shown.length) {
      blocks.push(context(`…and ${formatNumber(input.schedules.length - shown.length)} more`));
    }
  }
  blocks.push(context(`Details of one job: \`${command} status &lt;job&gt;\``));
  return { type: "home", blocks };
}

/** Matches every template button of the Home tab (they carry suffixes to keep action_ids unique). */
export const HOME_TEMPLATE_ACTION_PATTERN = new RegExp(`^${HOME_TEMPLATE_ACTION_ID}(_\\d+)?$`);
