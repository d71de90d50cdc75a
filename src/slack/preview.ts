// A stored plan rendered one preview page at a time, straight from plan_rows (never the whole plan in
// memory), and the full preview as CSV.
import type { ModalView } from "@slack/types";
import { eq, sql } from "drizzle-orm";
import { writeCsv } from "../core/csv/index.ts";
import { type FieldChange, isOperation, type Operation, type Plan } from "../core/types.ts";
import { type Executor, queryRows } from "../directory/client.ts";
import { type JobRecord, plans } from "../directory/schema.ts";
import { loadPlanRows } from "../jobs/plan-store.ts";
import type { Engine } from "../jobs/service.ts";
import { slackUserOf } from "./auth.ts";
import {
  buildNoticeMessage,
  buildPreviewView,
  clampPage,
  escapeAndTruncate,
  inlineCode,
  mentionUser,
  PREVIEW_PAGE_SIZE,
  pageCountOf,
  SKIP_GROUPS_NEEDED,
  type SkipGroup,
  type SlackMessage,
  slackDate,
} from "./blocks/index.ts";
import { buildScheduleSummary } from "./blocks/scheduled.ts";

/** A stored plan without its rows and without the uploaded bytes: what previews and approvals need. */
export interface PlanMeta {
  id: string;
  operation: Operation;
  plan: Plan;
  actor: string;
  fileName: string | null;
  context: Record<string, unknown>;
  status: "pending" | "confirmed" | "expired" | "cancelled";
  expiresAt: string;
}

/** Reads one plan's metadata (never its file, which can be megabytes); null when it does not exist. */
export async function loadPlanMeta(db: Executor, id: string): Promise<PlanMeta | null> {
  const [row] = await db
    .select({
      id: plans.id,
      operation: plans.operation,
      summary: plans.summary,
      warnings: plans.warnings,
      header: plans.header,
      actor: plans.actor,
      fileName: plans.fileName,
      context: plans.context,
      status: plans.status,
      expiresAt: plans.expiresAt,
    })
    .from(plans)
    .where(eq(plans.id, id));
  if (!row || !isOperation(row.operation)) return null;
  return {
    id: row.id,
    operation: row.operation,
    plan: {
      operation: row.operation,
      summary: row.summary,
      rows: [],
      executionOrder: [],
      warnings: row.warnings,
      header: row.header,
    },
    actor: row.actor,
    fileName: row.fileName,
    context: row.context,
    status: row.status,
    expiresAt: new Date(row.expiresAt).toISOString(),
  };
}

/**
 * What a click on a plan that cannot be approved any more answers: who approved it and when, with the job;
 * or that it expired or was rejected. Nothing is changed by the click.
 */
export function staleNotice(
  stored: PlanMeta,
  job: Pick<JobRecord, "id" | "approvedBy" | "queuedAt" | "status"> | null,
  command = "/bulkusers",
): SlackMessage {
  if (stored.status === "confirmed" && job) {
    const by = slackUserOf(job.approvedBy);
    return buildNoticeMessage(
      `:white_check_mark: This plan was already approved${by ? ` by ${mentionUser(by)}` : ""} ${slackDate(new Date(job.queuedAt).toISOString())}: job ${inlineCode(job.id, 80)} is ${escapeAndTruncate(job.status, 30)}. Nothing more was started.`,
      `Details: \`${command} status ${job.id}\``,
    );
  }
  if (stored.status === "cancelled") {
    return buildNoticeMessage(
      ":no_entry_sign: This plan was rejected; nothing was changed. Post the file again for a fresh one.",
    );
  }
  return buildNoticeMessage(
    `:hourglass: This plan expired ${slackDate(stored.expiresAt)} without approval; nothing was changed. Post the file again for a fresh one.`,
  );
}

/** True when the plan can no longer be approved (ran, rejected, or past its expiry). */
export function isStale(stored: PlanMeta, now: Date): boolean {
  return stored.status !== "pending" || Date.parse(stored.expiresAt) <= now.getTime();
}

export interface RenderedPreview {
  view: ModalView;
  stored: PlanMeta;
  page: number;
}

/** The preview modal for page `page` of a stored plan; null when the plan does not exist. */
export async function renderPreview(
  engine: Engine,
  planId: string,
  page: number,
  options: { notice?: string } = {},
): Promise<RenderedPreview | null> {
  const stored = await loadPlanMeta(engine.db, planId);
  if (!stored) return null;
  const { summary } = stored.plan;
  const shown = clampPage(page, pageCountOf(summary.change, summary.error));
  const offset = shown * PREVIEW_PAGE_SIZE;
  const changes =
    summary.change > offset
      ? await loadPlanRows(engine.db, planId, { outcome: "change", offset, limit: PREVIEW_PAGE_SIZE })
      : [];
  const errors =
    summary.error > offset
      ? await loadPlanRows(engine.db, planId, { outcome: "error", offset, limit: PREVIEW_PAGE_SIZE })
      : [];
  const groups = summary.skip > 0 ? await skipGroups(engine, planId) : { groups: [], count: 0 };
  const view = buildPreviewView({
    plan: stored.plan,
    planId,
    page: shown,
    expiresAt: stored.expiresAt,
    now: engine.clock().toISOString(),
    ...(stored.fileName ? { fileName: stored.fileName } : {}),
    // A selection's "file" is generated: the filter says what it is.
    ...(typeof stored.context.filter === "string" ? { filter: stored.context.filter } : {}),
    ...(options.notice ? { notice: options.notice } : {}),
    window: { changes, errors, skipGroups: groups.groups, skipGroupCount: groups.count },
  });
  // Dated operations: what runs on which date, right under the counts (blocks/scheduled.ts).
  const [dated] = await queryRows<{ schedule: unknown; zone: string | null }>(
    engine.db,
    sql`select options->'schedule' as schedule, options->>'timeZone' as zone from plans where id = ${planId}`,
  );
  const schedule = typeof dated?.schedule === "string" ? JSON.parse(dated.schedule) : dated?.schedule;
  if (Array.isArray(schedule) && schedule.length > 0) {
    view.blocks.splice(3, 0, ...buildScheduleSummary(schedule, dated?.zone ?? engine.timeZone ?? "UTC"));
  }
  return { view, stored, page: shown };
}

async function skipGroups(engine: Engine, planId: string): Promise<{ groups: SkipGroup[]; count: number }> {
  const rows = await queryRows<{ reason: string; count: number; first_row: number; groups: number }>(
    engine.db,
    sql`select coalesce(nullif(btrim(reason), ''), 'already in the desired state') as reason,
          count(*)::int as count, min(row)::int as first_row, (count(*) over ())::int as groups
        from plan_rows where plan_id = ${planId} and outcome = 'skip'
        group by 1 order by count(*) desc, min(row) limit ${SKIP_GROUPS_NEEDED}`,
  );
  return {
    groups: rows.map((r) => ({ reason: r.reason, count: Number(r.count), firstRow: Number(r.first_row) })),
    count: Number(rows[0]?.groups ?? 0),
  };
}

const OUTCOME_LABEL = { change: "Change", skip: "Skip", error: "Error" } as const;
const SECRET_FIELD = /pass(word)?|secret/i;

function describeChange(c: FieldChange): string {
  const hide = SECRET_FIELD.test(c.field);
  const show = (v: string | null) => (hide ? "••••••" : v === null || v === "" ? "(empty)" : v);
  return c.from === null || c.from === ""
    ? `${c.field}: ${show(c.to)}`
    : `${c.field}: ${show(c.from)} → ${show(c.to)}`;
}

/** Every row of the plan: Row, Line, UserPrincipalName, Outcome, Reason, Changes. Null when no plan. */
export async function previewCsv(engine: Engine, planId: string): Promise<Uint8Array | null> {
  if (!(await loadPlanMeta(engine.db, planId))) return null;
  const rows = await loadPlanRows(engine.db, planId);
  return writeCsv(
    ["Row", "Line", "UserPrincipalName", "Outcome", "Reason", "Changes"],
    rows.map((r) => [
      String(r.row),
      String(r.line),
      r.key,
      OUTCOME_LABEL[r.outcome],
      r.reason,
      r.changes.map(describeChange).join("; "),
    ]),
  );
}
