// The builders added with the Slack app: App Home, the select modal, notices, the preview rendered from a
// page window (what the app does for big plans) and the final progress state. Every surface must pass the
// limits validator and keep user data inert, whatever the input.
import { describe, expect, it } from "vitest";
import { validateMessage, validateView } from "../../../test/support/block-kit.ts";
import type { Operation, PlanRow } from "../../core/types.ts";
import { bigCreatePlan, hostile, hostilePlan, unsafeMrkdwn, visibleText } from "./fixtures.ts";
import { buildHomeView, HOME_JOBS_MAX, type HomeJob } from "./home.ts";
import { buildErrorMessage, buildMessageView, buildNoticeMessage } from "./notice.ts";
import {
  buildPreviewView,
  groupSkips,
  PREVIEW_PAGE_SIZE,
  type PreviewWindow,
  SKIP_GROUPS_NEEDED,
} from "./preview.ts";
import { buildProgressMessage } from "./progress.ts";
import { buildNotAuthorisedMessage } from "./refusal.ts";
import {
  buildSelectModal,
  readSelectModalMetadata,
  readSelectModalState,
  SELECT_OPERATIONS,
} from "./select.ts";

const NOW = "2026-07-01T14:00:00.000Z";

function job(i: number, overrides: Partial<HomeJob> = {}): HomeJob {
  return {
    id: `job_${String(i).padStart(12, "x")}`,
    operation: "create",
    status: ["queued", "running", "succeeded", "completed_with_errors", "failed"][i % 5] ?? "queued",
    total: 1000 + i,
    counts: { succeeded: i, failed: i % 3, skipped: 2 },
    requestedBy: i % 2 ? "U0ADMIN" : hostile(300),
    createdAt: "2026-07-01T13:00:00.000Z",
    channelId: i % 2 ? "C0GENERAL" : null,
    ...overrides,
  };
}

describe("App Home", () => {
  it("admins see recent jobs (capped), schedules and quick actions, within limits", () => {
    const view = buildHomeView({
      role: "admin",
      jobs: Array.from({ length: 40 }, (_, i) => job(i)),
      schedules: Array.from({ length: 30 }, (_, i) => ({
        id: `s${i}`,
        name: hostile(500),
        enabled: i % 2 === 0,
        cron: "0 6 * * 1",
        timezone: "Europe/Paris",
        mode: "report",
        inactiveDays: 90,
      })),
      now: NOW,
      adminIds: ["U0ADMIN"],
      hrChannelId: "C0HR",
    });
    expect(validateView(view)).toEqual([]);
    expect(unsafeMrkdwn(view)).toEqual([]);
    const text = visibleText(view);
    expect(text).toContain("Recent jobs");
    expect(text).toContain("Download create template");
    expect(text).toContain(job(1).id);
    expect(text).toContain("Inactive-user schedules");
    expect(text).toContain(`${40 - HOME_JOBS_MAX} older jobs`);
    expect(text).toContain("finished with errors");
  });

  it("HR sees the HR channel flow; others only an explanation", () => {
    const hr = buildHomeView({
      role: "hr",
      jobs: [],
      schedules: [],
      now: NOW,
      adminIds: [],
      hrChannelId: "C0HR",
    });
    expect(validateView(hr)).toEqual([]);
    expect(visibleText(hr)).toContain("<#C0HR>");
    const none = buildHomeView({
      role: "none",
      jobs: [job(1)],
      schedules: [],
      now: NOW,
      adminIds: ["U0ADMIN"],
    });
    expect(validateView(none)).toEqual([]);
    expect(visibleText(none)).toContain("don't have access");
    expect(visibleText(none)).not.toContain("job_");
  });
});

describe("select modal", () => {
  it("stays within limits with a hostile filter and many licenses and groups", () => {
    const view = buildSelectModal({
      filter: hostile(3000),
      matched: 123_456,
      maxRows: 5000,
      licenses: Array.from({ length: 200 }, (_, i) => `SKU_${i}_${hostile(100)}`),
      groups: Array.from({ length: 200 }, (_, i) => hostile(200 + i)),
      channelId: "C0GENERAL",
    });
    expect(validateView(view)).toEqual([]);
    expect(unsafeMrkdwn(view)).toEqual([]);
    expect(visibleText(view)).toContain("more than 5,000 users");
    expect(readSelectModalMetadata(view.private_metadata)).toEqual({ channelId: "C0GENERAL" });
    expect(SELECT_OPERATIONS).not.toContain("create");
  });

  it("reads the submission; an unknown or missing action is null", () => {
    const values = (op: string) => ({
      select_filter: { select_filter_input: { value: " department:Sales " } },
      select_operation: { select_operation_input: { selected_option: { value: op } } },
      select_value: { select_value_input: { value: " M365_E5 " } },
    });
    expect(readSelectModalState(values("assign-license"))).toEqual({
      filter: "department:Sales",
      operation: "assign-license",
      value: "M365_E5",
    });
    expect(readSelectModalState(values("create")).operation).toBeNull();
    expect(readSelectModalState(values("nuke")).operation).toBeNull();
    expect(readSelectModalState({})).toEqual({ filter: "", operation: null, value: "" });
  });
});

describe("notices", () => {
  it("notice, error and message-as-modal are valid and inert", () => {
    const notice = buildNoticeMessage(`:outbox_tray: sent *${hostile(10)}*`, "a note");
    expect(validateMessage(notice)).toEqual([]);
    expect(notice.text).not.toContain(":outbox_tray:");
    const error = buildErrorMessage(hostile(5000), hostile(300));
    expect(validateMessage(error)).toEqual([]);
    expect(unsafeMrkdwn(error)).toEqual([]);
    const refusal = buildNotAuthorisedMessage({ attempted: "run delete", adminIds: ["U0ADMIN"] });
    expect(validateView(buildMessageView(hostile(100), refusal))).toEqual([]);
  });
});

function windowOf(rows: PlanRow[], page: number): PreviewWindow {
  const start = page * PREVIEW_PAGE_SIZE;
  const changes = rows.filter((r) => r.outcome === "change").slice(start, start + PREVIEW_PAGE_SIZE);
  const errors = rows.filter((r) => r.outcome === "error").slice(start, start + PREVIEW_PAGE_SIZE);
  const groups = groupSkips(rows.filter((r) => r.outcome === "skip"));
  return { changes, errors, skipGroups: groups.slice(0, SKIP_GROUPS_NEEDED), skipGroupCount: groups.length };
}

describe("preview from a page window", () => {
  it("renders exactly like the whole plan, on every page tried", () => {
    for (const plan of [bigCreatePlan(5000), hostilePlan(600)]) {
      for (const page of [0, 1, 7, 10_000]) {
        const whole = buildPreviewView({
          plan,
          planId: "plan_1",
          page,
          expiresAt: "2026-07-02T00:00:00Z",
          now: NOW,
        });
        const pages = Math.ceil(Math.max(plan.summary.change, plan.summary.error) / PREVIEW_PAGE_SIZE);
        const shown = Math.min(page, pages - 1);
        const windowed = buildPreviewView({
          plan: { ...plan, rows: [] },
          planId: "plan_1",
          page,
          expiresAt: "2026-07-02T00:00:00Z",
          now: NOW,
          window: windowOf(plan.rows, shown),
        });
        expect(windowed).toEqual(whole);
        expect(validateView(windowed)).toEqual([]);
      }
    }
  });
});

describe("final progress state", () => {
  it("shows the end state instead of 'running'", () => {
    const base = {
      jobId: "job_1",
      operation: "create" as Operation,
      total: 10,
      processed: 10,
      counts: { succeeded: 8, failed: 2, skipped: 0 },
      startedAt: "2026-07-01T13:59:00.000Z",
      now: "2026-07-01T14:00:00.000Z",
    };
    const running = buildProgressMessage({ ...base, processed: 5 });
    expect(running.text).toContain("5 of 10 rows");
    for (const final of ["succeeded", "completed_with_errors", "failed"] as const) {
      const message = buildProgressMessage({ ...base, final });
      expect(validateMessage(message)).toEqual([]);
      expect(visibleText(message)).not.toContain("running");
      expect(visibleText(message)).toContain("100%");
      expect(visibleText(message)).toContain("took 1 min");
    }
  });
});
