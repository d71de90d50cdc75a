// The preview modal: what a plan would change, skip and fail, one page at a time.
// Bounded whatever the plan size: at most PREVIEW_PAGE_SIZE change rows and as many error rows per page,
// every value cut, every list capped, so a 150,000-row plan with hostile values stays within Slack's limits.
import type { Button, KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { FieldChange, Plan, PlanRow } from "../../core/types.ts";
import {
  context,
  divider,
  escapeAndTruncate,
  fitLines,
  formatNumber,
  header,
  inlineCode,
  mrkdwnText,
  OPERATION_TITLES,
  plainText,
  plural,
  relativeTime,
  section,
  slackDate,
  truncate,
} from "./common.ts";
import {
  CONFIRM_PARTIAL_ACTION_ID,
  CONFIRM_PARTIAL_BLOCK_ID,
  CONFIRM_PARTIAL_VALUE,
  PREVIEW_CSV_ACTION_ID,
  PREVIEW_NEXT_ACTION_ID,
  PREVIEW_PAGING_BLOCK_ID,
  PREVIEW_PREV_ACTION_ID,
  PREVIEW_VIEW_CALLBACK_ID,
} from "./ids.ts";
import type { ViewStateValues } from "./operation.ts";

/** Change rows (and error rows) per page. */
export const PREVIEW_PAGE_SIZE = 20;
/** Display caps for one row. */
export const PREVIEW_VALUE_MAX = 80;
const KEY_MAX = 100;
const FIELD_MAX = 40;
const REASON_MAX = 300;
const CHANGES_PER_ROW = 5;
const ROW_BLOCK_MAX = 1500;
const WARNINGS_SHOWN = 10;
const SKIP_REASONS_SHOWN = 5;

/** Everything private_metadata holds: ids only, never rows. */
export interface PreviewMetadata {
  planId: string;
  /** 0-based page shown. */
  page: number;
}

export interface PreviewViewInput {
  plan: Plan;
  planId: string;
  /** 0-based; clamped to the plan's pages. */
  page: number;
  /** ISO time the plan expires. */
  expiresAt: string;
  /** ISO "now" (for "expires in 25 min" and the expired state). */
  now: string;
  /** The uploaded file's name, shown in the header context. */
  fileName?: string;
  /** A plan of `/bulkusers select`: the filter (as typed) stands where a file name would. */
  filter?: string;
  /** One line (our mrkdwn) answering the button just clicked, shown above the buttons. */
  notice?: string;
  /**
   * One page of rows read from the database (e.g. `loadPlanRows` with an offset), for plans too big to hold
   * in memory: `plan.rows` is then ignored and the totals come from `plan.summary`.
   */
  window?: PreviewWindow;
}

/** Skipped rows grouped by reason, most frequent first (what the preview shows of them). */
export interface SkipGroup {
  reason: string;
  count: number;
  firstRow: number;
}

/** The rows of one preview page, already sliced; `page` in the input must be the page they belong to. */
export interface PreviewWindow {
  /** Change rows of this page (at most PREVIEW_PAGE_SIZE). */
  changes: PlanRow[];
  /** Error rows of this page (at most PREVIEW_PAGE_SIZE). */
  errors: PlanRow[];
  /** The first SKIP_REASONS_SHOWN+ groups of skipped rows. */
  skipGroups: SkipGroup[];
  /** How many distinct skip reasons there are in all (default: skipGroups.length). */
  skipGroupCount?: number;
}

interface Split {
  changes: PlanRow[];
  errors: PlanRow[];
  skips: PlanRow[];
}

function split(plan: Plan): Split {
  const out: Split = { changes: [], errors: [], skips: [] };
  for (const row of plan.rows) {
    if (row.outcome === "change") out.changes.push(row);
    else if (row.outcome === "error") out.errors.push(row);
    else out.skips.push(row);
  }
  return out;
}

/** Number of pages (≥ 1): pages advance change rows and error rows together. */
export function previewPageCount(plan: Plan): number {
  const { changes, errors } = split(plan);
  return pageCountOf(changes.length, errors.length);
}

/** Number of pages for these totals (≥ 1). */
export function pageCountOf(changes: number, errors: number): number {
  return Math.max(1, Math.ceil(Math.max(changes, errors) / PREVIEW_PAGE_SIZE));
}

/** The page shown for a requested page number: clamped to the plan's pages, 0 when not a number. */
export function clampPage(page: number, pages: number): number {
  return Math.min(Math.max(0, Math.trunc(Number.isFinite(page) ? page : 0)), Math.max(1, pages) - 1);
}

/** Skipped rows grouped by reason (most frequent first, ties by first row). */
export function groupSkips(skips: readonly PlanRow[]): SkipGroup[] {
  const byReason = new Map<string, SkipGroup>();
  for (const row of skips) {
    const reason = row.reason.trim() || "already in the desired state";
    const entry = byReason.get(reason);
    if (entry) entry.count++;
    else byReason.set(reason, { reason, count: 1, firstRow: row.row });
  }
  return [...byReason.values()].sort((a, b) => b.count - a.count || a.firstRow - b.firstRow);
}

const SECRET_FIELD = /pass(word)?|secret/i;

function value(v: string | null, field: string): string {
  if (v === null || v === "") return "_(empty)_";
  if (SECRET_FIELD.test(field)) return "••••••";
  return escapeAndTruncate(v, PREVIEW_VALUE_MAX);
}

/** "department: Sales → Marketing"; a value set from empty shows just the new value. */
export function formatFieldChange(change: FieldChange): string {
  const field = escapeAndTruncate(change.field, FIELD_MAX);
  if (change.from === null || change.from === "") return `${field}: ${value(change.to, change.field)}`;
  const to = change.to === null || change.to === "" ? "_(cleared)_" : value(change.to, change.field);
  return `${field}: ${value(change.from, change.field)} → ${to}`;
}

function rowLabel(row: PlanRow): string {
  const key = row.key === "" ? "_(no e-mail)_" : escapeAndTruncate(row.key, KEY_MAX);
  return `*Row ${formatNumber(row.row)}* · ${key}`;
}

/** "*Row 12* · alice@example.com — department: Sales → Marketing" (several changes: one per line). */
export function formatChangeRow(row: PlanRow): string {
  const label = rowLabel(row);
  if (row.changes.length === 0) return `${label} — ${escapeAndTruncate(row.reason, REASON_MAX)}`;
  const first = row.changes[0];
  if (row.changes.length === 1 && first !== undefined) return `${label} — ${formatFieldChange(first)}`;
  const lines = row.changes.slice(0, CHANGES_PER_ROW).map((c) => `• ${formatFieldChange(c)}`);
  if (row.changes.length > CHANGES_PER_ROW) {
    lines.push(`• …and ${plural(row.changes.length - CHANGES_PER_ROW, "more field")}`);
  }
  return fitLines([label, ...lines], ROW_BLOCK_MAX, (n) => `…and ${n} more`);
}

/** ":x: *Row 12* · bob@example.com — Manager carol@example.com not found". */
export function formatErrorRow(row: PlanRow): string {
  return `:x: ${rowLabel(row)} — ${escapeAndTruncate(row.reason || "invalid row", REASON_MAX)}`;
}

function range(start: number, shown: number, total: number): string {
  return shown === 0
    ? `none of ${formatNumber(total)}`
    : `${formatNumber(start + 1)}–${formatNumber(start + shown)} of ${formatNumber(total)}`;
}

function skippedSummary(skipped: number, groups: readonly SkipGroup[], groupCount: number): string {
  const lines = groups
    .slice(0, SKIP_REASONS_SHOWN)
    .map(
      (g) =>
        `• ${escapeAndTruncate(g.reason, 150)}: ${plural(g.count, "row")} (${g.count === 1 ? "" : "first: "}row ${formatNumber(g.firstRow)})`,
    );
  if (groupCount > SKIP_REASONS_SHOWN)
    lines.push(`• …and ${plural(groupCount - SKIP_REASONS_SHOWN, "other reason")}`);
  return `*${plural(skipped, "row")} will be skipped* (already in the desired state, nothing to do):\n${lines.join("\n")}`;
}

/** Maximum skip groups a window needs to carry (one more than shown tells "…and N other reasons"). */
export const SKIP_GROUPS_NEEDED = SKIP_REASONS_SHOWN;

function warningsSection(warnings: readonly string[]): string {
  // 10 lines of ≤ 252 characters: always under the 3000-character section limit.
  const lines = warnings.slice(0, WARNINGS_SHOWN).map((w) => `• ${escapeAndTruncate(w, 250)}`);
  if (warnings.length > WARNINGS_SHOWN)
    lines.push(`…and ${plural(warnings.length - WARNINGS_SHOWN, "more warning")}`);
  return `:warning: *${plural(warnings.length, "warning")}*\n${lines.join("\n")}`;
}

function rowsLabel(n: number): string {
  return n === 1 ? "1 valid row" : `${formatNumber(n)} valid rows`;
}

function confirmPartialOption(valid: number, failing: number): PlainTextOption {
  const failingLabel = failing === 1 ? "1 failing row" : `${formatNumber(failing)} failing rows`;
  return {
    text: plainText(`Run the ${rowsLabel(valid)} and report the ${failingLabel}`, 75),
    value: CONFIRM_PARTIAL_VALUE,
  };
}

function button(text: string, actionId: string, value: string): Button {
  return { type: "button", text: plainText(text, 75), action_id: actionId, value: truncate(value, 2000) };
}

export function buildPreviewView(input: PreviewViewInput): ModalView {
  const { plan, planId } = input;
  const summary = plan.summary;
  const window = input.window;
  const all = window ? null : split(plan);
  const changeTotal = all ? all.changes.length : summary.change;
  const errorTotal = all ? all.errors.length : summary.error;
  const skipTotal = all ? all.skips.length : summary.skip;
  const pages = pageCountOf(changeTotal, errorTotal);
  const page = clampPage(input.page, pages);
  const start = page * PREVIEW_PAGE_SIZE;
  const expired = Date.parse(input.now) >= Date.parse(input.expiresAt);
  const total = all ? plan.rows.length : summary.change + summary.skip + summary.error;

  const blocks: KnownBlock[] = [header(`${OPERATION_TITLES[plan.operation]}: preview`)];
  const meta = [`Plan ${inlineCode(planId, 80)}`];
  if (input.filter !== undefined) meta.push(`users matching ${inlineCode(input.filter, 300)}`);
  else if (input.fileName !== undefined) meta.push(`*${escapeAndTruncate(input.fileName, 120)}*`);
  meta.push(
    expired
      ? `expired ${slackDate(input.expiresAt)}`
      : `expires ${slackDate(input.expiresAt)} (${relativeTime(input.expiresAt, input.now)})`,
  );
  blocks.push(context(meta.join(" · ")));
  blocks.push({
    type: "section",
    fields: [
      mrkdwnText(`*Will change*\n${formatNumber(summary.change)}`),
      mrkdwnText(`*Skipped*\n${formatNumber(summary.skip)}`),
      mrkdwnText(`*Errors*\n${formatNumber(summary.error)}`),
      mrkdwnText(
        `*${input.filter !== undefined ? "Users selected" : "Rows in file"}*\n${formatNumber(total)}`,
      ),
    ],
  });

  const canRun = !expired && summary.change > 0;
  if (expired) {
    blocks.push(
      section(
        input.filter !== undefined
          ? ":hourglass: *This preview has expired.* Nothing was changed. Run the selection again."
          : ":hourglass: *This preview has expired.* Nothing was changed. Run the command and upload the file again.",
      ),
    );
  } else if (summary.change === 0) {
    const why =
      summary.error > 0 && summary.skip === 0
        ? "every row has an error. Fix the file and upload it again."
        : summary.error > 0
          ? "the other rows are already in the desired state, and the rest have errors. Fix those and upload again."
          : "every row is already in the desired state.";
    blocks.push(section(`:information_source: *Nothing would change:* ${why}`));
  }
  if (plan.warnings.length > 0) blocks.push(section(warningsSection(plan.warnings)));

  const pageChanges = all
    ? all.changes.slice(start, start + PREVIEW_PAGE_SIZE)
    : (window?.changes ?? []).slice(0, PREVIEW_PAGE_SIZE);
  const pageErrors = all
    ? all.errors.slice(start, start + PREVIEW_PAGE_SIZE)
    : (window?.errors ?? []).slice(0, PREVIEW_PAGE_SIZE);
  if (changeTotal > 0) {
    blocks.push(divider());
    blocks.push(section(`*Changes* (${range(start, pageChanges.length, changeTotal)})`));
    for (const row of pageChanges) blocks.push(section(formatChangeRow(row), ROW_BLOCK_MAX));
  }
  if (errorTotal > 0) {
    blocks.push(divider());
    blocks.push(
      section(`*Errors*: these rows will not run (${range(start, pageErrors.length, errorTotal)})`),
    );
    for (const row of pageErrors) blocks.push(section(formatErrorRow(row), ROW_BLOCK_MAX));
  }
  if (skipTotal > 0) {
    const groups = all ? groupSkips(all.skips) : (window?.skipGroups ?? []);
    const groupCount = all ? groups.length : (window?.skipGroupCount ?? groups.length);
    blocks.push(divider());
    blocks.push(section(skippedSummary(skipTotal, groups, groupCount)));
  }

  blocks.push(divider());
  if (pages > 1) blocks.push(context(`Page ${formatNumber(page + 1)} of ${formatNumber(pages)}`));
  if (input.notice) blocks.push(context(input.notice));
  const buttons: Button[] = [];
  if (page > 0) buttons.push(button("◀ Previous", PREVIEW_PREV_ACTION_ID, String(page - 1)));
  if (page < pages - 1) buttons.push(button("Next ▶", PREVIEW_NEXT_ACTION_ID, String(page + 1)));
  buttons.push(button("Download full preview (CSV)", PREVIEW_CSV_ACTION_ID, planId));
  blocks.push({ type: "actions", block_id: PREVIEW_PAGING_BLOCK_ID, elements: buttons });

  if (canRun && summary.error > 0) {
    const option = confirmPartialOption(summary.change + summary.skip, summary.error);
    blocks.push({
      type: "input",
      block_id: CONFIRM_PARTIAL_BLOCK_ID,
      label: plainText("Rows with errors", 2000),
      hint: plainText(
        "The results CSV lists every failing row with its reason, ready to fix and upload again.",
        2000,
      ),
      element: { type: "checkboxes", action_id: CONFIRM_PARTIAL_ACTION_ID, options: [option] },
    });
  }

  const metadata: PreviewMetadata = { planId, page };
  const view: ModalView = {
    type: "modal",
    callback_id: PREVIEW_VIEW_CALLBACK_ID,
    title: plainText("Preview", 24),
    close: plainText(canRun ? "Cancel" : "Close", 24),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
  if (canRun) view.submit = plainText("Approve & run", 24);
  return view;
}

/** Parse the preview's private_metadata; null when it is not ours. */
export function readPreviewMetadata(privateMetadata: string | undefined): PreviewMetadata | null {
  try {
    const parsed: unknown = JSON.parse(privateMetadata ?? "");
    if (typeof parsed !== "object" || parsed === null) return null;
    const { planId, page } = parsed as Record<string, unknown>;
    if (typeof planId !== "string" || planId === "") return null;
    return { planId, page: typeof page === "number" && Number.isInteger(page) && page >= 0 ? page : 0 };
  } catch {
    return null;
  }
}

/** Whether the approver ticked "Run the N valid rows and report the M failing rows". */
export function readPartialConfirmation(values: ViewStateValues): boolean {
  const selected = values[CONFIRM_PARTIAL_BLOCK_ID]?.[CONFIRM_PARTIAL_ACTION_ID]?.selected_options ?? [];
  return selected.some((o) => o.value === CONFIRM_PARTIAL_VALUE);
}

/** The view_submission error to return when the plan has errors and the box is not ticked. */
export function partialConfirmationError(summary: Plan["summary"]): Record<string, string> {
  return {
    [CONFIRM_PARTIAL_BLOCK_ID]: `Tick the box to run the ${rowsLabel(summary.change + summary.skip)} and report the ${formatNumber(summary.error)} failing, or cancel and fix the file.`,
  };
}
