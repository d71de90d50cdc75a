import type { ActionsBlock, Button, InputBlock, KnownBlock, ModalView } from "@slack/types";
import { describe, expect, it } from "vitest";
import { validateView } from "../../../test/support/block-kit.ts";
import {
  bigCreatePlan,
  changeRow,
  errorRow,
  hostilePlan,
  planOf,
  skipRow,
  unsafeMrkdwn,
  visibleText,
} from "./fixtures.ts";
import {
  CONFIRM_PARTIAL_ACTION_ID,
  CONFIRM_PARTIAL_BLOCK_ID,
  CONFIRM_PARTIAL_VALUE,
  PREVIEW_CSV_ACTION_ID,
  PREVIEW_NEXT_ACTION_ID,
  PREVIEW_PREV_ACTION_ID,
  PREVIEW_VIEW_CALLBACK_ID,
} from "./ids.ts";
import {
  buildPreviewView,
  formatChangeRow,
  PREVIEW_PAGE_SIZE,
  partialConfirmationError,
  previewPageCount,
  readPartialConfirmation,
  readPreviewMetadata,
} from "./preview.ts";

const NOW = "2026-07-01T14:00:00.000Z";
const EXPIRES = "2026-07-01T14:30:00.000Z";

function render(
  plan: ReturnType<typeof planOf>,
  page = 0,
  extra: Partial<Parameters<typeof buildPreviewView>[0]> = {},
) {
  return buildPreviewView({
    plan,
    planId: "pl_123",
    page,
    expiresAt: EXPIRES,
    now: NOW,
    fileName: "hires.csv",
    ...extra,
  });
}

function buttons(view: ModalView): Button[] {
  return view.blocks
    .filter((b): b is ActionsBlock => b.type === "actions")
    .flatMap((b) => b.elements)
    .filter((e): e is Button => e.type === "button");
}

function inputBlock(view: ModalView, blockId: string): InputBlock | undefined {
  return view.blocks.find((b): b is InputBlock => b.type === "input" && b.block_id === blockId);
}

const small = planOf("update", [
  changeRow(1, "alice@example.com", [{ field: "department", from: "Sales", to: "Marketing" }]),
  skipRow(2, "bob@example.com", "values are current"),
  errorRow(3, "carol@example", "Invalid e-mail address"),
  changeRow(4, "dave@example.com", [
    { field: "jobTitle", from: null, to: "Engineer" },
    { field: "office", from: "Paris", to: null },
    { field: "password", from: null, to: "hunter2-secret" },
  ]),
]);

describe("buildPreviewView", () => {
  it("shows counts, changes as field: old → new, errors with row numbers and reasons, skips", () => {
    const view = render(small);
    expect(validateView(view)).toEqual([]);
    expect(view.callback_id).toBe(PREVIEW_VIEW_CALLBACK_ID);
    const text = visibleText(view);
    expect(text).toContain("Update users");
    expect(text).toContain("*Will change*\n2");
    expect(text).toContain("*Skipped*\n1");
    expect(text).toContain("*Errors*\n1");
    expect(text).toContain("*Row 1* · alice@example.com — department: Sales → Marketing");
    expect(text).toContain("*Row 4* · dave@example.com");
    expect(text).toContain("jobTitle: Engineer");
    expect(text).toContain("office: Paris → _(cleared)_");
    expect(text).toContain("*Row 3* · carol@example — Invalid e-mail address");
    expect(text).toContain("values are current: 1 row");
    expect(text).toContain("hires.csv");
    expect(text).toContain("pl_123");
    expect(text).toContain("in 30 min");
  });

  it("never shows a password value", () => {
    expect(visibleText(render(small))).not.toContain("hunter2");
  });

  it("requires ticking the partial-run checkbox when rows fail, and offers Approve & run", () => {
    const view = render(small);
    const input = inputBlock(view, CONFIRM_PARTIAL_BLOCK_ID);
    expect(input).toBeDefined();
    expect(input?.optional).not.toBe(true);
    expect(input?.element.type).toBe("checkboxes");
    expect(input?.element.action_id).toBe(CONFIRM_PARTIAL_ACTION_ID);
    expect(visibleText(input)).toContain("Run the 3 valid rows and report the 1 failing row");
    expect(view.submit?.text).toBe("Approve & run");
    expect(view.close?.text).toBe("Cancel");
  });

  it("has no checkbox when nothing fails", () => {
    const view = render(
      planOf("disable", [
        changeRow(1, "a@example.com", [{ field: "status", from: "active", to: "disabled" }]),
      ]),
    );
    expect(validateView(view)).toEqual([]);
    expect(inputBlock(view, CONFIRM_PARTIAL_BLOCK_ID)).toBeUndefined();
    expect(view.submit?.text).toBe("Approve & run");
  });

  it("offers no submit when nothing would change", () => {
    const allSkip = render(planOf("disable", [skipRow(1, "a@example.com", "already disabled")]));
    expect(validateView(allSkip)).toEqual([]);
    expect(allSkip.submit).toBeUndefined();
    expect(allSkip.close?.text).toBe("Close");
    expect(visibleText(allSkip)).toContain("Nothing would change");
    const allErrors = render(planOf("create", [errorRow(1, "", "Email is required")]));
    expect(validateView(allErrors)).toEqual([]);
    expect(allErrors.submit).toBeUndefined();
    expect(inputBlock(allErrors, CONFIRM_PARTIAL_BLOCK_ID)).toBeUndefined();
    expect(visibleText(allErrors)).toContain("*Row 1* · _(no e-mail)_ — Email is required");
  });

  it("offers no submit once the plan expired", () => {
    const view = render(small, 0, { now: "2026-07-01T15:00:00.000Z" });
    expect(validateView(view)).toEqual([]);
    expect(view.submit).toBeUndefined();
    expect(inputBlock(view, CONFIRM_PARTIAL_BLOCK_ID)).toBeUndefined();
    expect(visibleText(view)).toContain("expired");
  });

  it("keeps only ids in private_metadata", () => {
    const view = render(bigCreatePlan(), 3);
    const meta = JSON.parse(view.private_metadata ?? "");
    expect(meta).toEqual({ planId: "pl_123", page: 3 });
    expect(readPreviewMetadata(view.private_metadata)).toEqual({ planId: "pl_123", page: 3 });
    expect(readPreviewMetadata("not json")).toBeNull();
    expect(readPreviewMetadata(JSON.stringify({ page: 1 }))).toBeNull();
  });

  it("pages through a 5,000-row plan within every limit", () => {
    const plan = bigCreatePlan(5000);
    const changes = plan.rows.filter((r) => r.outcome === "change");
    const pages = previewPageCount(plan);
    expect(pages).toBe(Math.ceil(changes.length / PREVIEW_PAGE_SIZE));
    for (const page of [0, 1, Math.floor(pages / 2), pages - 1]) {
      const view = render(plan, page);
      expect(validateView(view), `page ${page}`).toEqual([]);
      expect(view.blocks.length).toBeLessThanOrEqual(100);
    }
    const first = render(plan, 0);
    const ids = buttons(first).map((b) => b.action_id);
    expect(ids).toEqual([PREVIEW_NEXT_ACTION_ID, PREVIEW_CSV_ACTION_ID]);
    expect(buttons(first).find((b) => b.action_id === PREVIEW_NEXT_ACTION_ID)?.value).toBe("1");
    expect(buttons(first).find((b) => b.action_id === PREVIEW_CSV_ACTION_ID)?.value).toBe("pl_123");
    const middle = render(plan, 5);
    const mid = buttons(middle);
    expect(mid.map((b) => b.action_id)).toEqual([
      PREVIEW_PREV_ACTION_ID,
      PREVIEW_NEXT_ACTION_ID,
      PREVIEW_CSV_ACTION_ID,
    ]);
    expect(mid[0]?.value).toBe("4");
    expect(mid[1]?.value).toBe("6");
    const last = render(plan, pages - 1);
    expect(buttons(last).map((b) => b.action_id)).toEqual([PREVIEW_PREV_ACTION_ID, PREVIEW_CSV_ACTION_ID]);
    expect(visibleText(last)).toContain(`Page ${pages} of ${pages}`);
  });

  it("shows the rows of the requested page", () => {
    const plan = bigCreatePlan(5000);
    const changes = plan.rows.filter((r) => r.outcome === "change");
    const errors = plan.rows.filter((r) => r.outcome === "error");
    const text = visibleText(render(plan, 2));
    const firstChange = changes[2 * PREVIEW_PAGE_SIZE];
    const beforePage = changes[2 * PREVIEW_PAGE_SIZE - 1];
    expect(text).toContain(`*Row ${firstChange?.row.toLocaleString("en-US")}* · ${firstChange?.key}`);
    expect(text).not.toContain(`*Row ${beforePage?.row.toLocaleString("en-US")}* ·`);
    expect(text).toContain(`*Row ${errors[2 * PREVIEW_PAGE_SIZE]?.row.toLocaleString("en-US")}* ·`);
    expect(text).toContain("was not found in the directory");
    expect(text).toContain(`(41–60 of ${changes.length.toLocaleString("en-US")})`);
    expect(text).toContain("Column 'Nickname' is not recognised");
  });

  it("clamps out-of-range pages", () => {
    const plan = bigCreatePlan(100);
    const view = render(plan, 999);
    expect(JSON.parse(view.private_metadata ?? "").page).toBe(previewPageCount(plan) - 1);
    expect(JSON.parse(render(plan, -3).private_metadata ?? "").page).toBe(0);
    expect(JSON.parse(render(plan, Number.NaN).private_metadata ?? "").page).toBe(0);
  });

  it("stays within limits and inert with hostile values (3,000-char values, mrkdwn, 50 warnings)", () => {
    const plan = hostilePlan(5000);
    for (const page of [0, 7, previewPageCount(plan) - 1]) {
      const view = render(plan, page, {
        fileName: "<!channel> evil.csv".repeat(100),
        planId: "pl_".padEnd(200, "x"),
      });
      expect(validateView(view), `page ${page}`).toEqual([]);
      expect(unsafeMrkdwn(view)).toEqual([]);
      expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThan(250_000);
    }
    const text = visibleText(render(plan));
    expect(text).toContain("…and 40 more warnings");
    expect(text).toContain("&lt;!channel&gt;");
  });

  it("handles a 150,000-row plan (BULKUSERS_MAX_ROWS raised)", () => {
    const plan = bigCreatePlan(150_000, 1);
    const view = render(plan, previewPageCount(plan) - 1);
    expect(validateView(view)).toEqual([]);
    expect(visibleText(view)).toContain("Run the 135,000 valid rows and report the 15,000 failing rows");
  });
});

describe("formatChangeRow", () => {
  it("caps the number of fields shown", () => {
    const row = changeRow(
      7,
      "a@example.com",
      Array.from({ length: 20 }, (_, i) => ({ field: `f${i}`, from: "x", to: "y" })),
    );
    const text = formatChangeRow(row);
    expect(text).toContain("f4: x → y");
    expect(text).not.toContain("f5:");
    expect(text).toContain("…and 15 more fields");
  });

  it("uses the reason when a change row lists no field changes", () => {
    expect(formatChangeRow(changeRow(2, "a@example.com", [], "assign license E5"))).toBe(
      "*Row 2* · a@example.com — assign license E5",
    );
  });
});

describe("reading the submission", () => {
  it("reads the partial-run checkbox", () => {
    expect(readPartialConfirmation({})).toBe(false);
    expect(
      readPartialConfirmation({
        [CONFIRM_PARTIAL_BLOCK_ID]: { [CONFIRM_PARTIAL_ACTION_ID]: { selected_options: [] } },
      }),
    ).toBe(false);
    expect(
      readPartialConfirmation({
        [CONFIRM_PARTIAL_BLOCK_ID]: {
          [CONFIRM_PARTIAL_ACTION_ID]: { selected_options: [{ value: CONFIRM_PARTIAL_VALUE }] },
        },
      }),
    ).toBe(true);
  });

  it("builds the view_submission error for the checkbox block", () => {
    const errors = partialConfirmationError({ change: 4, skip: 1, error: 2 });
    expect(Object.keys(errors)).toEqual([CONFIRM_PARTIAL_BLOCK_ID]);
    expect(errors[CONFIRM_PARTIAL_BLOCK_ID]).toContain("5 valid rows");
  });
});

// Type-level check that builders return Block Kit types.
const _typed: KnownBlock[] = render(small).blocks as KnownBlock[];
void _typed;
