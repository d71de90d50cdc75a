// Inactive users from the command line (DESIGN §5):
//   bulkusers deactivate-inactive --days N [--exclude-group G]… [--dry-run]
//   bulkusers record-sign-ins <file.csv>
//   bulkusers schedule add|list|pause|resume|delete|run-now …   (the policies the bot runs on a schedule)
import {
  describeAction,
  exclusionCounts,
  type InactivityAction,
  parseInactivityAction,
} from "../core/inactivity.ts";
import type { ReportRow } from "../core/inactivity-report.ts";
import { parseSignInsFile, recordSignIns } from "../directory/sign-ins.ts";
import { deactivateInactive, type PolicyRunResult, runPolicy } from "../scheduler/policy.ts";
import {
  deleteSchedule,
  findSchedule,
  listSchedules,
  nextRuns,
  type ScheduleDraft,
  type ScheduleRecord,
  saveSchedule,
  setScheduleEnabled,
} from "../scheduler/schedules.ts";
import {
  CLI,
  type CliCommand,
  type CommandContext,
  EXIT_OK,
  formatTable,
  integerOption,
  stringOption,
} from "./context.ts";
import { cliEngine } from "./engine.ts";
import { readInputFile } from "./operations.ts";

/** One user in the deactivate-inactive document (DESIGN §5). */
export interface DeactivateInactiveUser {
  email: string;
  /** ISO 8601, or null when the user never signed in (they count from their creation date). */
  lastLoginAt: string | null;
  /** "deactivated" | "would-deactivate" (dry run) | "failed" | "excluded". */
  action: string;
  reason: string;
}

export interface DeactivateInactiveDocument {
  dryRun: boolean;
  /** With --action remove-access, `deactivated` counts the users whose access was removed. */
  summary: { candidates: number; deactivated: number; excluded: number };
  users: DeactivateInactiveUser[];
  /** Only with --action remove-access (the deactivate document stays exactly as documented). */
  action?: InactivityAction;
  /** Only with --action remove-access: the jobs that ran (licenses, then groups), each undoable. */
  jobIds?: string[];
}

function userOf(row: ReportRow): DeactivateInactiveUser {
  return { email: row.email, lastLoginAt: row.lastSignIn, action: row.action, reason: row.reason };
}

function listOption(ctx: CommandContext, name: string): string[] {
  const value = ctx.options[name];
  const values = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  return values
    .filter((v): v is string => typeof v === "string")
    .map((v) => v.trim())
    .filter(Boolean);
}

const deactivateInactiveCommand: CliCommand = {
  name: "deactivate-inactive",
  usage:
    "deactivate-inactive --days N [--exclude-group G]… [--action deactivate|remove-access [--sku SKU|all]… [--group G]…] [--dry-run]",
  summary:
    "Deactivate users inactive for more than N days (never signed in: since creation); admins and service accounts are never touched",
  options: {
    days: { type: "string" },
    "exclude-group": { type: "string", multiple: true },
    action: { type: "string" },
    sku: { type: "string", multiple: true },
    group: { type: "string", multiple: true },
    "dry-run": { type: "boolean" },
  },
  async run(ctx) {
    const days = integerOption(ctx, "days", { min: 1, max: 3650 });
    if (days === undefined) return ctx.usageError("cli.missing_option", "--days N is required.");
    const dryRun = ctx.options["dry-run"] === true;
    const action = parseInactivityAction({
      action: stringOption(ctx, "action") ?? null,
      skus: listOption(ctx, "sku"),
      groups: listOption(ctx, "group"),
    });
    if (!action.ok) return ctx.usageError("cli.invalid_option", action.error);
    const engine = await cliEngine(ctx);
    const result = await deactivateInactive(engine, {
      action: action.action,
      days,
      excludeGroups: listOption(ctx, "exclude-group"),
      dryRun,
      actor: ctx.actor,
      source: "cli",
      owner: `${ctx.actor}:deactivate-inactive`,
    });
    if (!result.ok) return ctx.refuse(result.refusal.code, result.refusal.message);
    const document: DeactivateInactiveDocument = {
      dryRun,
      summary: result.summary,
      users: result.rows.map(userOf),
      ...(result.action.kind === "remove-access"
        ? { action: result.action, jobIds: result.jobs.map((j) => j.id) }
        : {}),
    };
    ctx.print(document, () => {
      const counts = exclusionCounts(result.evaluation.excluded);
      const removing = result.action.kind === "remove-access";
      const jobs = result.jobs.map((j) => `Job ${j.id} (undo: \`${CLI} undo ${j.id}\`).`).join(" ");
      const lines = [
        removing
          ? dryRun
            ? `Dry run: would ${describeAction(result.action)} of ${result.summary.candidates} user(s) inactive for more than ${days} days, keeping them active; ${result.summary.excluded} excluded. Nothing was changed.`
            : `Removed access of ${result.summary.deactivated} of ${result.summary.candidates} user(s) inactive for more than ${days} days (${describeAction(result.action)}); they stay active; ${result.summary.excluded} excluded.${jobs ? ` ${jobs}` : ""}`
          : dryRun
            ? `Dry run: ${result.summary.candidates} user(s) inactive for more than ${days} days would be deactivated; ${result.summary.excluded} excluded. Nothing was changed.`
            : `Deactivated ${result.summary.deactivated} of ${result.summary.candidates} user(s) inactive for more than ${days} days; ${result.summary.excluded} excluded.${result.job ? ` Job ${result.job.id} (undo: \`${CLI} undo ${result.job.id}\`).` : ""}`,
        `Excluded: ${counts.admin} admin(s), ${counts["service-account"]} service account(s), ${counts["excluded-group"]} in excluded groups, ${counts.disabled + counts.deleted} already disabled or deleted.`,
      ];
      if (document.users.length) {
        lines.push(
          "",
          formatTable(
            document.users.map((u) => ({
              email: u.email,
              lastLoginAt: u.lastLoginAt ?? "never",
              action: u.action,
              reason: u.reason,
            })),
          ),
        );
      }
      return lines.join("\n");
    });
    return EXIT_OK;
  },
};

const recordSignInsCommand: CliCommand = {
  name: "record-sign-ins",
  usage: "record-sign-ins <file.csv>",
  summary:
    "Record last sign-ins from a CSV or .xlsx (Email, LastSignIn; Google, Okta and Entra exports as they are); times only move forward",
  args: [{ name: "file.csv", required: true }],
  async run(ctx) {
    const path = ctx.args[0] ?? "";
    const bytes = await readInputFile(ctx, path);
    const parsed = await parseSignInsFile(bytes);
    if (!parsed.ok) return ctx.refuse(parsed.refusal.code, parsed.refusal.message);
    const handle = await ctx.db();
    const result = await recordSignIns(handle.db, parsed.entries, ctx.now(), {
      actor: ctx.actor,
      source: "cli",
      details: { file: path },
    });
    const document = {
      received: parsed.entries.length,
      never: parsed.never,
      updated: result.updated,
      unchanged: result.unchanged,
      unknown: result.unknown,
      invalid: result.invalid,
    };
    ctx.print(document, () => {
      const lines = [
        `${document.received} sign-in(s) read: ${result.updated} user(s) updated, ${result.unchanged} already as recent, ${result.unknown.length} unknown e-mail(s), ${result.invalid.length} invalid row(s).`,
        ...(parsed.never > 0 ? [`${parsed.never} user(s) never signed in (nothing to record).`] : []),
      ];
      if (result.unknown.length)
        lines.push("", "Unknown users (not in the directory):", ...result.unknown.map((e) => `  ${e}`));
      if (result.invalid.length) {
        lines.push("", "Invalid rows (not recorded):", formatTable(result.invalid.map((i) => ({ ...i }))));
      }
      return lines.join("\n");
    });
    return EXIT_OK;
  },
};

// --- schedules ------------------------------------------------------------------------------------------

function scheduleDocument(s: ScheduleRecord, now: Date) {
  return {
    id: s.id,
    name: s.name,
    enabled: s.enabled,
    cron: s.cron,
    timezone: s.timezone,
    inactiveDays: s.inactiveDays,
    excludeGroups: s.excludeGroups,
    mode: s.mode,
    action: s.action,
    warnDays: s.warnDays,
    capCount: s.capCount,
    capPercent: s.capPercent,
    reportChannel: s.reportChannel,
    createdBy: s.createdBy,
    nextRun: s.enabled ? (nextRuns(s.cron, s.timezone, now, 1)[0]?.toISOString() ?? null) : null,
  };
}

async function scheduleArg(ctx: CommandContext): Promise<ScheduleRecord> {
  const engine = await cliEngine(ctx);
  const wanted = ctx.args[0] ?? "";
  const found = await findSchedule(engine.db, wanted);
  if (!found) return ctx.refuse("schedule.not_found", `No schedule with id or name '${wanted}'.`);
  return found;
}

function printSchedule(ctx: CommandContext, s: ScheduleRecord, verb: string): void {
  const doc = scheduleDocument(s, ctx.now());
  ctx.print(
    { schedule: doc },
    `Schedule ${doc.id} (${doc.name}) ${verb}: ${doc.mode} (${describeAction(s.action)}) after ${doc.inactiveDays} days, cron '${doc.cron}' ${doc.timezone}${doc.nextRun ? `, next run ${doc.nextRun}` : ""}${doc.enabled ? "" : " (paused)"}.`,
  );
}

function runDocument(run: PolicyRunResult) {
  return {
    scheduleId: run.schedule.id,
    dryRun: run.dryRun,
    decision: run.decision,
    summary: run.summary,
    cap: run.evaluation.cap,
    planId: run.plan?.id ?? null,
    jobId: run.job?.id ?? null,
    refusal: run.refusal,
    warnings: run.warnings,
    users: run.rows.map((r) => ({
      ...userOf(r),
      ...(r.deactivateAfter ? { deactivateAfter: r.deactivateAfter } : {}),
    })),
  };
}

const scheduleAddCommand: CliCommand = {
  name: "schedule add",
  usage:
    "schedule add --name NAME --days N [--cron '0 9 * * 1'] [--timezone UTC] [--mode report|warn-then-deactivate|deactivate] [--action deactivate|remove-access [--sku SKU|all]… [--group G]…] [--warn-days 7] [--cap N] [--cap-percent P] [--exclude-group G]… [--channel C…] [--paused]",
  summary: "Create an inactive-user policy the bot runs on a schedule (report-only by default)",
  options: {
    name: { type: "string" },
    days: { type: "string" },
    cron: { type: "string" },
    timezone: { type: "string" },
    mode: { type: "string" },
    "warn-days": { type: "string" },
    cap: { type: "string" },
    "cap-percent": { type: "string" },
    "exclude-group": { type: "string", multiple: true },
    channel: { type: "string" },
    action: { type: "string" },
    sku: { type: "string", multiple: true },
    group: { type: "string", multiple: true },
    paused: { type: "boolean" },
  },
  async run(ctx) {
    const engine = await cliEngine(ctx);
    const draft: ScheduleDraft = {
      name: stringOption(ctx, "name") ?? null,
      inactiveDays: stringOption(ctx, "days") ?? null,
      cron: stringOption(ctx, "cron") ?? null,
      timezone: stringOption(ctx, "timezone") ?? null,
      mode: stringOption(ctx, "mode") ?? null,
      warnDays: stringOption(ctx, "warn-days") ?? null,
      capCount: stringOption(ctx, "cap") ?? null,
      capPercent: stringOption(ctx, "cap-percent") ?? null,
      excludeGroups: listOption(ctx, "exclude-group"),
      reportChannel: stringOption(ctx, "channel") ?? null,
      enabled: ctx.options.paused !== true,
      action: stringOption(ctx, "action") ?? null,
      removeSkus: listOption(ctx, "sku"),
      removeGroups: listOption(ctx, "group"),
    };
    const saved = await saveSchedule(engine.db, { draft, actor: ctx.actor, source: "cli", now: ctx.now() });
    if (!saved.ok) {
      const message = Object.entries(saved.errors)
        .map(([field, problem]) => `${field}: ${problem}`)
        .join(" ");
      return ctx.usageError("schedule.invalid", message);
    }
    printSchedule(ctx, saved.schedule, "created");
    return EXIT_OK;
  },
};

const scheduleListCommand: CliCommand = {
  name: "schedule list",
  usage: "schedule list",
  summary: "List the inactive-user policies with their next run",
  async run(ctx) {
    const engine = await cliEngine(ctx);
    const now = ctx.now();
    const rows = (await listSchedules(engine.db)).map((s) => scheduleDocument(s, now));
    ctx.print({ schedules: rows }, () =>
      rows.length
        ? formatTable(
            rows.map((s) => ({
              id: s.id,
              name: s.name,
              enabled: s.enabled ? "yes" : "paused",
              mode: s.mode,
              days: s.inactiveDays,
              cron: `${s.cron} ${s.timezone}`,
              next: s.nextRun ?? "",
            })),
          )
        : "No schedules: inactive-user deactivation is off until one is configured.",
    );
    return EXIT_OK;
  },
};

function toggleCommand(enabled: boolean): CliCommand {
  const verb = enabled ? "resume" : "pause";
  return {
    name: `schedule ${verb}`,
    usage: `schedule ${verb} <id|name>`,
    summary: enabled ? "Resume a paused policy" : "Pause a policy (it stops running until resumed)",
    args: [{ name: "id|name", required: true }],
    async run(ctx) {
      const found = await scheduleArg(ctx);
      const engine = await cliEngine(ctx);
      const updated = await setScheduleEnabled(engine.db, found.id, enabled, {
        actor: ctx.actor,
        source: "cli",
        now: ctx.now(),
      });
      if (!updated) return ctx.refuse("schedule.not_found", `No schedule '${found.id}'.`);
      printSchedule(ctx, updated, enabled ? "resumed" : "paused");
      return EXIT_OK;
    },
  };
}

const scheduleDeleteCommand: CliCommand = {
  name: "schedule delete",
  usage: "schedule delete <id|name>",
  summary: "Delete a policy and its pending warnings (its past runs stay in the audit log)",
  args: [{ name: "id|name", required: true }],
  async run(ctx) {
    const found = await scheduleArg(ctx);
    const engine = await cliEngine(ctx);
    await deleteSchedule(engine.db, found.id, { actor: ctx.actor, source: "cli", now: ctx.now() });
    ctx.print({ deleted: found.id }, `Schedule ${found.id} (${found.name}) deleted.`);
    return EXIT_OK;
  },
};

const scheduleRunNowCommand: CliCommand = {
  name: "schedule run-now",
  usage: "schedule run-now <id|name> [--dry-run]",
  summary:
    "Run a policy once now, as its schedule would (report, or deactivate within the cap); --dry-run changes nothing",
  args: [{ name: "id|name", required: true }],
  options: { "dry-run": { type: "boolean" } },
  async run(ctx) {
    const found = await scheduleArg(ctx);
    const dryRun = ctx.options["dry-run"] === true;
    if (!dryRun && found.mode === "warn-then-deactivate") {
      return ctx.refuse(
        "schedule.needs_slack",
        "Warnings go out by Slack DM, which the command line cannot send: let the bot run this policy, or add --dry-run.",
      );
    }
    const engine = await cliEngine(ctx);
    const run = await runPolicy(engine, found, {
      dryRun,
      actor: ctx.actor,
      source: "cli",
      owner: `${ctx.actor}:schedule-run-now`,
    });
    const doc = runDocument(run);
    ctx.print(doc, () =>
      [
        `${found.name}: ${run.decision}${dryRun ? " (dry run: nothing changed)" : ""}. ${run.summary.toDeactivate} to deactivate, ${run.summary.deactivated} deactivated, ${run.summary.excluded} excluded.`,
        run.plan && run.decision !== "deactivate"
          ? `Plan ${run.plan.id} stored: nothing was deactivated (the bot's report offers it for approval).`
          : "",
        run.job ? `Job ${run.job.id} (undo: \`${CLI} undo ${run.job.id}\`).` : "",
        run.refusal ? `Could not plan: ${run.refusal.message}` : "",
      ]
        .filter(Boolean)
        .join("\n"),
    );
    return EXIT_OK;
  },
};

export const scheduleCommands: CliCommand[] = [
  deactivateInactiveCommand,
  recordSignInsCommand,
  scheduleAddCommand,
  scheduleListCommand,
  toggleCommand(false),
  toggleCommand(true),
  scheduleDeleteCommand,
  scheduleRunNowCommand,
];
