// The message a policy run posts to the report channel: what happened (or would), the counts, the first users
// with their last sign-in, and the buttons: "Deactivate these N" (report mode, dry runs), "Approve" (over the
// cap) — both open the normal preview of a fresh plan — and "Reactivate" per deactivated user. The full list
// goes to the thread as a CSV (uploaded by the listener, not built here). Pure: no I/O, no clock.

import type { Button, KnownBlock } from "@slack/types";
import type { ReportAction } from "../../core/inactivity-report.ts";
import {
  context,
  escapeAndTruncate,
  fitLines,
  formatNumber,
  header,
  inlineCode,
  mentionUser,
  mrkdwnText,
  plainText,
  plural,
  type SlackMessage,
  section,
  slackDate,
  truncate,
} from "./common.ts";

// --- ids (stable: buttons in messages already posted use them) ----------------------------------------
/** "Deactivate these N": value = the report's plan id. */
export const INACTIVITY_DEACTIVATE_ACTION_ID = "inactivity_deactivate";
/** "Approve" (the run was over the cap): value = the report's plan id. */
export const INACTIVITY_APPROVE_ACTION_ID = "inactivity_approve";
/** "Reactivate" one deactivated user: value = JSON {email, jobId}. */
export const INACTIVITY_REACTIVATE_ACTION_ID = "inactivity_reactivate";
export const INACTIVITY_ACTIONS_BLOCK_ID = "inactivity_actions";

/** Users listed in the message; the CSV in the thread has them all. */
export const REPORT_USERS_SHOWN = 10;

/** The report's actions are the policy run's (core/inactivity-report.ts). */
export type ReportUserAction = ReportAction;

export interface InactivityReportUser {
  email: string;
  displayName: string;
  /** ISO or null (never signed in). */
  lastSignIn: string | null;
  lastActivity: string;
  daysInactive: number;
  action: ReportUserAction;
  reason: string;
  /** Warned users: when they are deactivated (ISO). */
  deactivateAfter?: string;
}

export interface InactivityReportInput {
  scheduleId: string;
  scheduleName: string;
  mode: "report" | "warn-then-deactivate" | "deactivate";
  inactiveDays: number;
  excludeGroups: readonly string[];
  /** "Every Monday 09:00 (Europe/Berlin)"-style description or the raw cron + zone. */
  cron: string;
  timezone: string;
  dryRun: boolean;
  /** Who asked for a manual run (Slack user id or actor); absent for scheduled runs. */
  ranBy?: string;
  decision: "nothing" | "report" | "deactivate" | "approval";
  /** ISO now. */
  now: string;
  counts: {
    candidates: number;
    toDeactivate: number;
    deactivated: number;
    failed: number;
    excluded: number;
    warned: number;
    waiting: number;
  };
  excludedBy: { admins: number; serviceAccounts: number; groups: number; disabledOrDeleted: number };
  cap: { limit: number | null; capCount: number | null; capPercent: number | null; activeUsers: number };
  /** The stored disable plan behind the buttons. */
  plan: { id: string; expiresAt: string; change: number } | null;
  job: { id: string; status: string } | null;
  /** Why no plan could be prepared. */
  refusal?: { code: string; message: string } | null;
  /** DMs sent for warnings (0/0 in a dry run). */
  dms: { sent: number; failed: number };
  /** Every inactive user, in report order (the first ones are shown). */
  users: readonly InactivityReportUser[];
  /**
   * The policy removes access instead of deactivating: what it removes, for people ("all licenses; groups
   * Figma Users"). Absent or null: it deactivates.
   */
  removeAccess?: string | null;
}

const MODE_LABEL: Record<InactivityReportInput["mode"], string> = {
  report: "report only",
  "warn-then-deactivate": "warn, then deactivate",
  deactivate: "deactivate",
};

function signInText(user: InactivityReportUser): string {
  return user.lastSignIn
    ? `last sign-in ${user.lastSignIn.slice(0, 10)} (${plural(user.daysInactive, "day")} ago)`
    : `never signed in (created ${user.lastActivity.slice(0, 10)})`;
}

const WARN_LABEL: Partial<Record<ReportUserAction, string>> = {
  warned: "warned now",
  "would-warn": "would be warned",
  waiting: "warned earlier",
};

function userLine(user: InactivityReportUser): string {
  const name = escapeAndTruncate(user.displayName, 60);
  const warned = WARN_LABEL[user.action];
  const after = warned
    ? ` · ${warned}${user.deactivateAfter ? `, deactivation after ${user.deactivateAfter.slice(0, 10)}` : ""}`
    : "";
  return `• *${name}* ${inlineCode(user.email, 120)} · ${signInText(user)}${after}`;
}

function capText(cap: InactivityReportInput["cap"]): string {
  const parts: string[] = [];
  if (cap.capCount !== null) parts.push(plural(cap.capCount, "user"));
  if (cap.capPercent !== null)
    parts.push(`${cap.capPercent}% of ${formatNumber(cap.activeUsers)} active users`);
  return parts.length ? parts.join(" or ") : "none";
}

/** The headline of a remove-access run: the same decisions, said as access taken away, accounts kept. */
function removeAccessHeadline(input: InactivityReportInput, what: string): string {
  const days = `more than ${plural(input.inactiveDays, "day")}`;
  const n = input.counts.toDeactivate;
  const prefix = input.dryRun ? ":test_tube: *Dry run:* nothing was changed. " : "";
  const removes = `remove their access (${escapeAndTruncate(what, 300)}); accounts stay active`;
  if (input.refusal) {
    return `${prefix}:warning: ${plural(n, "user")} would lose access, but I couldn't prepare it: ${escapeAndTruncate(input.refusal.message, 500)}`;
  }
  switch (input.decision) {
    case "nothing":
      return `${prefix}:white_check_mark: No active user has been idle for ${days}. Nothing to do.`;
    case "report":
      return `${prefix}:mag: *${plural(n, "user")}* ${n === 1 ? "has" : "have"} not signed in for ${days}. This policy would ${removes}. Nothing has been changed.`;
    case "approval":
      return `${prefix}:raised_hand: *${plural(n, "user")}* would lose access: more than this policy's cap (${capText(input.cap)}). *Nothing was removed*: an admin must approve. This policy would ${removes}.`;
    case "deactivate":
      if (input.dryRun)
        return `${prefix}*${plural(n, "user")}* would lose access (inactive for ${days}): ${removes}.`;
      return `:scissors: Removed the access of *${plural(input.counts.deactivated, "user")}* inactive for ${days} (${escapeAndTruncate(what, 300)}); their accounts stay active.${input.counts.failed > 0 ? ` ${formatNumber(input.counts.failed)} failed (see the CSV).` : ""}`;
  }
}

function headline(input: InactivityReportInput): string {
  if (input.removeAccess) return removeAccessHeadline(input, input.removeAccess);
  const days = `more than ${plural(input.inactiveDays, "day")}`;
  const n = input.counts.toDeactivate;
  const prefix = input.dryRun ? ":test_tube: *Dry run:* nothing was changed. " : "";
  if (input.refusal) {
    return `${prefix}:warning: ${plural(n, "user")} would be deactivated, but I couldn't prepare it: ${escapeAndTruncate(input.refusal.message, 500)}`;
  }
  switch (input.decision) {
    case "nothing":
      return input.counts.warned > 0 || input.counts.waiting > 0
        ? `${prefix}:envelope: No one to deactivate today. ${plural(input.counts.warned, "inactive user")} ${input.dryRun ? "would be" : "were"} warned by DM${input.counts.waiting ? `; ${formatNumber(input.counts.waiting)} already warned and waiting` : ""}.`
        : `${prefix}:white_check_mark: No active user has been idle for ${days}. Nothing to do.`;
    case "report":
      return `${prefix}:mag: *${plural(n, "user")}* ${n === 1 ? "has" : "have"} not signed in for ${days}. Nothing has been changed: review them and deactivate them below.`;
    case "approval":
      return `${prefix}:raised_hand: *${plural(n, "user")}* would be deactivated: more than this policy's cap (${capText(input.cap)}). *Nothing was deactivated*: an admin must approve.`;
    case "deactivate":
      if (input.dryRun) return `${prefix}*${plural(n, "user")}* would be deactivated (inactive for ${days}).`;
      return input.counts.failed > 0
        ? `:no_entry: Deactivated *${plural(input.counts.deactivated, "user")}* inactive for ${days}; ${formatNumber(input.counts.failed)} could not be deactivated (see the CSV).`
        : `:no_entry: Deactivated *${plural(input.counts.deactivated, "user")}* inactive for ${days}.`;
  }
}

function button(text: string, actionId: string, value: string, style?: "primary" | "danger"): Button {
  return {
    type: "button",
    text: plainText(text, 75),
    action_id: actionId,
    value: truncate(value, 2000),
    ...(style ? { style } : {}),
  };
}

export function reactivateValue(email: string, jobId: string | null): string {
  return JSON.stringify({ email, jobId });
}

export function readReactivateValue(
  value: string | undefined,
): { email: string; jobId: string | null } | null {
  try {
    const parsed = JSON.parse(value ?? "") as { email?: unknown; jobId?: unknown };
    if (typeof parsed.email !== "string" || parsed.email === "") return null;
    return { email: parsed.email, jobId: typeof parsed.jobId === "string" ? parsed.jobId : null };
  } catch {
    return null;
  }
}

export function buildInactivityReport(input: InactivityReportInput): SlackMessage {
  const blocks: KnownBlock[] = [
    header(`Inactive users: ${truncate(input.scheduleName, 120)}`),
    section(headline(input)),
  ];
  const fields = [
    mrkdwnText(`*Inactive, may be deactivated*\n${formatNumber(input.counts.candidates)}`),
    mrkdwnText(
      input.decision === "deactivate" && !input.dryRun
        ? `*${input.removeAccess ? "Access removed" : "Deactivated"}*\n${formatNumber(input.counts.deactivated)}`
        : `*${input.removeAccess ? "To remove access" : "To deactivate"}*\n${formatNumber(input.counts.toDeactivate)}`,
    ),
    mrkdwnText(`*Excluded*\n${formatNumber(input.counts.excluded)}`),
  ];
  if (input.mode === "warn-then-deactivate") {
    fields.push(mrkdwnText(`*Warned now*\n${formatNumber(input.counts.warned)}`));
    fields.push(mrkdwnText(`*Warned, waiting*\n${formatNumber(input.counts.waiting)}`));
  }
  blocks.push({ type: "section", fields });

  const ex = input.excludedBy;
  const excludedParts = [
    ex.admins ? plural(ex.admins, "admin") : "",
    ex.serviceAccounts ? plural(ex.serviceAccounts, "service account") : "",
    ex.groups ? `${formatNumber(ex.groups)} in excluded groups` : "",
    ex.disabledOrDeleted ? `${formatNumber(ex.disabledOrDeleted)} already disabled or deleted` : "",
  ].filter(Boolean);
  const groups = input.excludeGroups.length
    ? input.excludeGroups
        .slice(0, 10)
        .map((g) => escapeAndTruncate(g, 60))
        .join(", ") + (input.excludeGroups.length > 10 ? ` and ${input.excludeGroups.length - 10} more` : "")
    : "none";
  blocks.push(
    context(
      `Policy: ${MODE_LABEL[input.mode]}${input.removeAccess ? ` (deactivate = remove access: ${escapeAndTruncate(input.removeAccess, 300)})` : ""} after ${plural(input.inactiveDays, "day")} without sign-in · ${inlineCode(`${input.cron} ${input.timezone}`, 80)} · cap ${capText(input.cap)} · excluded groups: ${groups}`,
      excludedParts.length
        ? `Never deactivated: ${excludedParts.join(", ")}. Users who never signed in count from their creation date.`
        : "Admins, service accounts and excluded groups are never deactivated. Users who never signed in count from their creation date.",
    ),
  );
  if (input.mode === "warn-then-deactivate" && !input.dryRun && input.dms.failed > 0) {
    blocks.push(
      context(
        `:warning: ${plural(input.dms.failed, "warning DM")} could not be delivered (not in Slack?); their lead time runs all the same.`,
      ),
    );
  }

  // The first users: per-user Reactivate buttons for the ones just deactivated, else a list.
  const deactivated = input.users.filter((u) => u.action === "deactivated");
  if (deactivated.length > 0 && input.job) {
    blocks.push(
      section(
        `*Deactivated* (first ${formatNumber(Math.min(REPORT_USERS_SHOWN, deactivated.length))} of ${formatNumber(deactivated.length)}; all in the CSV below):`,
      ),
    );
    for (const user of deactivated.slice(0, REPORT_USERS_SHOWN)) {
      blocks.push({
        type: "section",
        text: mrkdwnText(
          `*${escapeAndTruncate(user.displayName, 60)}* ${inlineCode(user.email, 120)}\n${signInText(user)}`,
        ),
        accessory: button(
          "Reactivate",
          INACTIVITY_REACTIVATE_ACTION_ID,
          reactivateValue(user.email, input.job.id),
        ),
      });
    }
  } else {
    const shown = input.users.filter((u) => u.action !== "excluded");
    if (shown.length > 0) {
      const title =
        input.decision === "nothing"
          ? "Inactive users"
          : input.removeAccess
            ? input.decision === "deactivate" && !input.dryRun
              ? "Access removed"
              : "Would lose access"
            : "Would be deactivated";
      const lines = shown.slice(0, REPORT_USERS_SHOWN).map(userLine);
      if (shown.length > lines.length) {
        lines.push(`…and ${plural(shown.length - lines.length, "more user")} in the CSV below.`);
      }
      const body = fitLines(lines, 2600, () => "…and more in the CSV below.");
      blocks.push(section(`*${title}* (oldest activity first):\n${body}`));
    }
  }

  // The buttons re-plan a `disable`: a remove-access policy is approved from the CLI instead (see below).
  const reviewable = input.plan && input.plan.change > 0 && !input.removeAccess;
  const canReview = reviewable && input.decision !== "deactivate";
  const canReviewDry = reviewable && input.dryRun;
  if (input.plan && (canReview || canReviewDry)) {
    const n = input.plan.change;
    const approve = input.decision === "approval" && !input.dryRun;
    blocks.push({
      type: "actions",
      block_id: INACTIVITY_ACTIONS_BLOCK_ID,
      elements: [
        approve
          ? button(
              `Approve: deactivate ${formatNumber(n)}`,
              INACTIVITY_APPROVE_ACTION_ID,
              input.plan.id,
              "danger",
            )
          : button(
              `Deactivate these ${formatNumber(n)}`,
              INACTIVITY_DEACTIVATE_ACTION_ID,
              input.plan.id,
              "primary",
            ),
      ],
    });
  }

  const meta: string[] = [];
  if (input.ranBy) meta.push(`Run now by ${mentionUser(input.ranBy)}`);
  else meta.push("Scheduled run");
  if (input.job)
    meta.push(`job ${inlineCode(input.job.id, 60)} (${escapeAndTruncate(input.job.status, 40)})`);
  if (input.plan && (canReview || canReviewDry)) {
    meta.push("the button opens a fresh preview; nothing changes until you confirm it");
  }
  if (input.decision === "deactivate" && input.job) meta.push(`undo: \`/bulkusers undo ${input.job.id}\``);
  if (input.removeAccess && (input.decision === "report" || input.decision === "approval")) {
    meta.push(
      `to approve, an admin runs \`bulkusers deactivate-inactive --days ${input.inactiveDays} --action remove-access\` with the policy's --sku and --group`,
    );
  }
  meta.push(`report ${slackDate(input.now)}`);
  blocks.push(context(meta.join(" · ")));

  const text = input.removeAccess
    ? input.decision === "deactivate" && !input.dryRun
      ? `${input.scheduleName}: removed the access of ${input.counts.deactivated} inactive users (${input.removeAccess}); accounts stay active.`
      : `${input.scheduleName}: ${input.counts.toDeactivate} inactive users would lose access (${input.removeAccess}).`
    : input.dryRun
      ? `Dry run of ${input.scheduleName}: ${input.counts.toDeactivate} would be deactivated, ${input.counts.excluded} excluded.`
      : input.decision === "deactivate"
        ? `${input.scheduleName}: deactivated ${input.counts.deactivated} inactive users.`
        : input.decision === "approval"
          ? `${input.scheduleName}: ${input.counts.toDeactivate} inactive users need approval (over the cap).`
          : input.decision === "report"
            ? `${input.scheduleName}: ${input.counts.toDeactivate} inactive users to review.`
            : `${input.scheduleName}: no inactive users to deactivate.`;
  return { text: escapeAndTruncate(text, 1000), blocks };
}

/** The message the bot DMs a user it warns. */
export function buildInactivityWarningDm(input: {
  displayName: string;
  deactivateAfter: string;
  daysInactive: number;
  neverSignedIn: boolean;
  policyName: string;
  /** A remove-access policy: what the user loses; the account stays active. */
  removeAccess?: string;
}): SlackMessage {
  const since = input.neverSignedIn
    ? "You have not signed in since your account was created"
    : `You have not signed in for ${plural(input.daysInactive, "day")}`;
  if (input.removeAccess) {
    return {
      text: `Your access (${input.removeAccess}) will be removed after ${input.deactivateAfter.slice(0, 10)} unless you sign in.`,
      blocks: [
        section(
          `:wave: Hi ${escapeAndTruncate(input.displayName, 80)}. ${since}, so *your access (${escapeAndTruncate(input.removeAccess, 300)}) will be removed on or after ${slackDate(input.deactivateAfter)}*. Your account stays active.\nTo keep the access, simply sign in before then.`,
        ),
        context(
          `Inactive-account policy ${escapeAndTruncate(input.policyName, 80)} · questions? ask your IT admins.`,
        ),
      ],
    };
  }
  return {
    text: `Your account will be deactivated after ${input.deactivateAfter.slice(0, 10)} unless you sign in.`,
    blocks: [
      section(
        `:wave: Hi ${escapeAndTruncate(input.displayName, 80)}. ${since}, so your account will be *deactivated on or after ${slackDate(input.deactivateAfter)}*.\nTo keep it, simply sign in before then. If you no longer need it, there is nothing to do.`,
      ),
      context(
        `Inactive-account policy ${escapeAndTruncate(input.policyName, 80)} · questions? ask your IT admins.`,
      ),
    ],
  };
}
