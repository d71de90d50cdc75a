import type { WebClient } from "@slack/web-api";
import { describeAccess, exclusionCounts } from "../core/inactivity.ts";
import { reportCsv } from "../core/inactivity-report.ts";
import type { Logger } from "../logger.ts";
import type { PolicyRunResult } from "../scheduler/policy.ts";
import type { ScheduleReporter } from "../scheduler/scheduler.ts";
import { slackUserOf } from "./auth.ts";
import { escapeAndTruncate } from "./blocks/common.ts";
import { buildInactivityReport, type InactivityReportInput } from "./blocks/inactivity-report.ts";
import { buildReportMovedMessage } from "./blocks/notice.ts";
import { isChannelUnreachable, openDm, slackErrorCode, uploadCsv } from "./files.ts";

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
    removeAccess: run.action.kind === "remove-access" ? describeAccess(run.action) : null,
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

/**
 * Posts each run's report to its channel, then the full list as a CSV in the report's thread. A channel that
 * refuses the bot sends the report to the schedule's creator by DM, with which channel and why.
 */
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
      const message = buildInactivityReport(reportInputOf(run));
      const postWithCsv = async (to: string) => {
        const posted = await client.chat.postMessage({
          channel: to,
          text: message.text,
          blocks: message.blocks,
        });
        if (run.rows.length > 0 && posted.ts) {
          await uploadCsv(client, {
            channel: posted.channel ?? to,
            threadTs: posted.ts,
            filename: reportFileName(run),
            title: `Inactive users: ${run.schedule.name}`.slice(0, 200),
            bytes: reportCsv(run.rows),
            initialComment: `All ${run.rows.length} inactive users of this run, with what happened to each.`,
          });
        }
      };
      try {
        await postWithCsv(channel);
      } catch (error) {
        // A channel that refuses the bot: the report goes to whoever set the schedule up, saying why.
        const owner = slackUserOf(run.schedule.createdBy);
        if (isChannelUnreachable(error) && owner) {
          try {
            const dm = await openDm(client, owner);
            const botUserId = await client.auth
              .test()
              .then((r) => r.user_id)
              .catch(() => undefined);
            const note = buildReportMovedMessage({
              subject: `the inactivity report of *${escapeAndTruncate(run.schedule.name, 80)}*`,
              channelId: channel,
              error: slackErrorCode(error) ?? "unknown_error",
              ...(botUserId ? { botUserId } : {}),
            });
            await client.chat.postMessage({ channel: dm, text: note.text, blocks: note.blocks });
            await postWithCsv(dm);
            logger?.warn(
              { scheduleId: run.schedule.id, channel, error: slackErrorCode(error) },
              "report channel unreachable: the inactivity report went to the schedule's owner by DM",
            );
            return;
          } catch (dmError) {
            logger?.error(
              { err: dmError, scheduleId: run.schedule.id },
              "could not DM the inactivity report either",
            );
          }
        }
        logger?.error(
          { err: error, scheduleId: run.schedule.id, channel },
          "could not post the inactivity report",
        );
      }
    },
  };
}
