// Read models for the Slack surfaces: jobs as the builders want them, the App Home, templates by DM.
// Shared by the command, action and event listeners (and by the scheduler's reports later).
import type { HomeView } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { desc } from "drizzle-orm";
import { writeCsv } from "../core/csv/index.ts";
import { OPERATION_DEFINITIONS } from "../core/operations/index.ts";
import { isOperation, type Operation } from "../core/types.ts";
import { type JobRecord, schedules } from "../directory/schema.ts";
import { workbookBytes } from "../files/write-xlsx.ts";
import { getJob, isFinished, listJobs, queuePosition } from "../jobs/job-store.ts";
import { listScheduled } from "../jobs/scheduled-rows.ts";
import type { Engine } from "../jobs/service.ts";
import { displayActor, roleOf, type SlackAuthConfig } from "./auth.ts";
import {
  buildHomeView,
  buildJobNotFoundMessage,
  buildJobStatusMessage,
  buildJobsListMessage,
  buildNoticeMessage,
  HOME_JOBS_MAX,
  HOME_SCHEDULES_MAX,
  type HomeJob,
  type HomeSchedule,
  type JobDetail,
  type SlackMessage,
} from "./blocks/index.ts";
import { buildScheduledHomeBlocks } from "./blocks/scheduled.ts";
import { openDm, uploadCsv } from "./files.ts";

function iso(value: string | null | undefined): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : new Date(t).toISOString();
}

export function toJobDetail(job: JobRecord): JobDetail {
  return {
    id: job.id,
    operation: isOperation(job.operation) ? job.operation : "update",
    status: job.status,
    total: job.total,
    counts: { succeeded: job.succeeded, failed: job.failed, skipped: job.skipped },
    requestedBy: displayActor(job.requestedBy),
    approvedBy: displayActor(job.approvedBy),
    createdAt: iso(job.queuedAt) ?? job.queuedAt,
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    error: job.error,
    undoable: isFinished(job) && job.succeeded > 0 && job.operation !== "reset-password",
  };
}

export async function jobsListMessage(engine: Engine, command: string): Promise<SlackMessage> {
  const jobs = await listJobs(engine.db, 25);
  return buildJobsListMessage({
    jobs: jobs.map(toJobDetail),
    now: engine.clock().toISOString(),
    command,
  });
}

/** Job ids are typed by people: accept "job_x", "x", with stray backticks or punctuation. */
export function normaliseJobId(text: string): string {
  const id = text.trim().replace(/^[`'"<]+|[`'">.,;]+$/g, "");
  return id === "" || id.startsWith("job_") ? id : `job_${id}`;
}

export async function jobStatusMessage(
  engine: Engine,
  rawId: string,
  command: string,
): Promise<SlackMessage> {
  const id = normaliseJobId(rawId);
  if (id === "") {
    return buildNoticeMessage(
      `Which job? \`${command} status job_…\`; \`${command} jobs\` lists the recent ones.`,
    );
  }
  const job = await getJob(engine.db, id);
  if (!job) return buildJobNotFoundMessage(rawId.trim(), command);
  const detail = toJobDetail(job);
  detail.queuePosition = await queuePosition(engine.db, job);
  return buildJobStatusMessage({ job: detail, now: engine.clock().toISOString(), command });
}

export async function homeView(
  engine: Engine,
  config: SlackAuthConfig,
  userId: string,
  command: string,
  notice?: string,
): Promise<HomeView> {
  const role = roleOf(config, userId);
  const jobs: HomeJob[] =
    role === "none"
      ? []
      : (await listJobs(engine.db, HOME_JOBS_MAX + 1)).map((job) => ({
          ...toJobDetail(job),
          channelId: job.slackChannel,
        }));
  const rows =
    role === "none"
      ? []
      : await engine.db
          .select()
          .from(schedules)
          .orderBy(desc(schedules.createdAt))
          .limit(HOME_SCHEDULES_MAX + 1);
  const scheduleItems: HomeSchedule[] = rows.map((s) => ({
    id: s.id,
    name: s.name,
    enabled: s.enabled,
    cron: s.cron,
    timezone: s.timezone,
    mode: s.mode,
    inactiveDays: s.inactiveDays,
  }));
  const view = buildHomeView({
    role,
    jobs,
    schedules: scheduleItems,
    now: engine.clock().toISOString(),
    adminIds: config.admins,
    ...(config.hrChannel ? { hrChannelId: config.hrChannel } : {}),
    command,
    viewerId: userId,
    ...(notice ? { notice } : {}),
  });
  // Dated operations waiting for their time (admins and HR see them; cancel with `scheduled`).
  if (role !== "none") {
    const waiting = (await listScheduled(engine.db, { limit: 5 })).map((e) => ({
      id: e.batch.id,
      operation: e.batch.operation,
      runAt: new Date(e.batch.runAt).toISOString(),
      rows: e.pending,
      keys: e.keys,
      requestedBy: e.batch.requestedBy,
    }));
    view.blocks.push(...buildScheduledHomeBlocks(engine.timeZone ?? "UTC", waiting));
  }
  return view;
}

/** Publishes the Home tab; `notice` (our mrkdwn) answers the button just clicked, on top of the tab. */
export async function publishHome(
  client: WebClient,
  engine: Engine,
  config: SlackAuthConfig,
  userId: string,
  command: string,
  notice?: string,
): Promise<void> {
  await client.views.publish({
    user_id: userId,
    view: await homeView(engine, config, userId, command, notice),
  });
}

/** The template CSV of an operation: its header and example rows. */
export function templateCsv(operation: Operation): Uint8Array {
  const def = OPERATION_DEFINITIONS[operation];
  return writeCsv(def.templateColumns, def.templateExample);
}

/** DMs the template of `operation` to the user. */
export async function sendTemplate(
  client: WebClient,
  userId: string,
  operation: Operation,
  command = "/bulkusers",
): Promise<void> {
  const dm = await openDm(client, userId);
  const def = OPERATION_DEFINITIONS[operation];
  await uploadCsv(client, {
    channel: dm,
    filename: `template-${operation}.csv`,
    title: `${def.title}: template`,
    bytes: templateCsv(operation),
    initialComment: `Template for ${operation}: ${def.templateColumns.join(", ")}. Fill it in (as CSV or as the Excel workbook below), then run ${command} ${operation} and upload it.`,
  });
  await uploadCsv(client, {
    channel: dm,
    filename: `template-${operation}.xlsx`,
    title: `${def.title}: template (Excel)`,
    bytes: await templateWorkbook(operation),
  });
}

/** The same template as an Excel workbook (one sheet named after the operation, text columns). */
export function templateWorkbook(operation: Operation): Promise<Uint8Array> {
  const def = OPERATION_DEFINITIONS[operation];
  return workbookBytes({ name: operation, header: def.templateColumns, rows: def.templateExample });
}
