import type { InputBlock, ModalView } from "@slack/types";
import { describe, expect, it } from "vitest";
import { validateMessage, validateView } from "../../../test/support/block-kit.ts";
import { hostile, markupInPlainText, unsafeMrkdwn, visibleText } from "./fixtures.ts";
import {
  buildScheduleModal,
  buildSchedulesListMessage,
  groupOptions,
  readScheduleModalMetadata,
  readScheduleModalState,
  SCHEDULE_BLOCKS,
  SCHEDULE_DELETE_ACTION_ID,
  SCHEDULE_PAUSE_ACTION_ID,
  SCHEDULE_RESUME_ACTION_ID,
  SCHEDULE_RUN_NOW_ACTION_ID,
  SCHEDULE_VIEW_CALLBACK_ID,
  SCHEDULES_LIST_MAX,
  type ScheduleListItem,
  scheduleActionId,
  scheduleModalErrors,
} from "./schedules.ts";

const NOW = "2026-11-02T09:00:00.000Z";

function block(view: ModalView, id: string): InputBlock | undefined {
  return view.blocks.find((b): b is InputBlock => b.type === "input" && b.block_id === id);
}

const groups = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
    name: `Group ${i}`,
  }));

describe("schedule modal", () => {
  it("creates: defaults, every field, groups as a static menu, valid for Slack", () => {
    const view = buildScheduleModal({
      groups: groups(3),
      channelId: "C0GENERAL",
      defaultReportChannel: "C0REPORT",
    });
    expect(validateView(view)).toEqual([]);
    expect(unsafeMrkdwn(view)).toEqual([]);
    // Hints are plain_text: backticks would show as backticks.
    expect(markupInPlainText(view)).toEqual([]);
    expect(visibleText(view)).toContain("“0 9 * * 1” = Mondays 09:00");
    expect(view.callback_id).toBe(SCHEDULE_VIEW_CALLBACK_ID);
    expect(view.title.text).toBe("New schedule");
    expect(readScheduleModalMetadata(view.private_metadata)).toEqual({ channelId: "C0GENERAL" });
    for (const id of Object.values(SCHEDULE_BLOCKS)) expect(block(view, id), id).toBeDefined();
    expect(block(view, SCHEDULE_BLOCKS.excludeGroups)?.element.type).toBe("multi_static_select");
    expect(block(view, SCHEDULE_BLOCKS.cron)?.element).toMatchObject({ initial_value: "0 9 * * 1" });
    expect(block(view, SCHEDULE_BLOCKS.inactiveDays)?.element).toMatchObject({
      type: "number_input",
      initial_value: "90",
    });
    expect(block(view, SCHEDULE_BLOCKS.mode)?.element).toMatchObject({ initial_option: { value: "report" } });
    expect(visibleText(view)).toContain("Default report channel: <#C0REPORT>");
  });

  it("edits: values filled in; more than 100 groups → a searched menu; no groups → a note", () => {
    const selected = [{ id: "g1", name: "Executives" }];
    const view = buildScheduleModal({
      scheduleId: "sch_1",
      groups: [],
      manyGroups: true,
      values: {
        name: "Weekly",
        inactiveDays: 60,
        cron: "30 6 1 * *",
        timezone: "Europe/Berlin",
        excludeGroups: selected,
        mode: "warn-then-deactivate",
        warnDays: 5,
        capCount: 10,
        capPercent: null,
        reportChannel: "C0SECOPS",
      },
    });
    expect(validateView(view)).toEqual([]);
    expect(view.title.text).toBe("Edit schedule");
    expect(readScheduleModalMetadata(view.private_metadata)).toEqual({ scheduleId: "sch_1" });
    expect(block(view, SCHEDULE_BLOCKS.excludeGroups)?.element).toMatchObject({
      type: "multi_external_select",
      initial_options: [{ value: "g1" }],
    });
    expect(block(view, SCHEDULE_BLOCKS.reportChannel)?.element).toMatchObject({
      initial_conversation: "C0SECOPS",
    });
    expect(block(view, SCHEDULE_BLOCKS.capPercent)?.element).not.toHaveProperty("initial_value");
    expect(validateView(buildScheduleModal({ groups: groups(101) }))).toEqual([]);
    expect(
      block(buildScheduleModal({ groups: groups(101) }), SCHEDULE_BLOCKS.excludeGroups)?.element.type,
    ).toBe("multi_external_select");
    const empty = buildScheduleModal({ groups: [] });
    expect(validateView(empty)).toEqual([]);
    expect(block(empty, SCHEDULE_BLOCKS.excludeGroups)).toBeUndefined();
    expect(
      validateView(
        buildScheduleModal({ groups: [{ id: "x", name: hostile(300) }], values: { name: hostile(200) } }),
      ),
    ).toEqual([]);
    expect(groupOptions(groups(150))).toHaveLength(100);
  });

  it("reads the submission and maps errors onto blocks", () => {
    const state = readScheduleModalState({
      [SCHEDULE_BLOCKS.name]: { [scheduleActionId("name")]: { value: " Weekly " } },
      [SCHEDULE_BLOCKS.inactiveDays]: { [scheduleActionId("inactiveDays")]: { value: "60" } },
      [SCHEDULE_BLOCKS.excludeGroups]: {
        [scheduleActionId("excludeGroups")]: { selected_options: [{ value: "g1" }] },
      },
      [SCHEDULE_BLOCKS.mode]: { [scheduleActionId("mode")]: { selected_option: { value: "deactivate" } } },
      [SCHEDULE_BLOCKS.reportChannel]: {
        [scheduleActionId("reportChannel")]: { selected_conversation: "C1" },
      },
    });
    expect(state).toEqual({
      name: "Weekly",
      inactiveDays: "60",
      cron: "",
      timezone: "",
      excludeGroupIds: ["g1"],
      mode: "deactivate",
      warnDays: "",
      capCount: "",
      capPercent: "",
      reportChannel: "C1",
      action: "deactivate",
      removeSkus: "",
      removeGroups: "",
    });
    expect(
      readScheduleModalState({
        [SCHEDULE_BLOCKS.action]: {
          [scheduleActionId("action")]: { selected_option: { value: "remove-access" } },
        },
        [SCHEDULE_BLOCKS.removeSkus]: { [scheduleActionId("removeSkus")]: { value: " M365_E3; VISIO " } },
        [SCHEDULE_BLOCKS.removeGroups]: { [scheduleActionId("removeGroups")]: { value: "Figma Users" } },
      }),
    ).toMatchObject({ action: "remove-access", removeSkus: "M365_E3; VISIO", removeGroups: "Figma Users" });
    expect(scheduleModalErrors({ cron: "bad", timezone: "bad zone", enabled: "x" })).toEqual({
      [SCHEDULE_BLOCKS.cron]: "bad",
      [SCHEDULE_BLOCKS.timezone]: "bad zone",
      [SCHEDULE_BLOCKS.name]: "x",
    });
    expect(readScheduleModalMetadata("not json")).toEqual({});
  });
});

function item(i: number, overrides: Partial<ScheduleListItem> = {}): ScheduleListItem {
  return {
    id: `sch_${i}`,
    name: `Policy ${i}`,
    enabled: i % 2 === 0,
    mode: "report",
    cron: "0 9 * * 1",
    timezone: "UTC",
    inactiveDays: 90,
    excludeGroups: [],
    warnDays: 7,
    capCount: null,
    capPercent: null,
    reportChannel: null,
    nextRun: "2026-11-09T09:00:00.000Z",
    lastRun: null,
    ...overrides,
  };
}

describe("schedules list", () => {
  it("one section and one row of buttons per schedule, delete behind a confirmation", () => {
    const message = buildSchedulesListMessage({
      schedules: [
        item(0, { lastRun: { slot: NOW, status: "succeeded", summary: "report: 3 to deactivate" } }),
        item(1),
      ],
      now: NOW,
      defaultReportChannel: "C0REPORT",
    });
    expect(validateMessage(message)).toEqual([]);
    expect(unsafeMrkdwn(message.blocks)).toEqual([]);
    const text = visibleText(message.blocks);
    expect(text).toContain("*Policy 0* · :large_green_circle: active · report only");
    expect(text).toContain("report to <#C0REPORT>");
    expect(text).toContain("report: 3 to deactivate");
    expect(text).toContain(":double_vertical_bar: paused");
    const actions = message.blocks.filter((b) => b.type === "actions") as unknown as Array<{
      elements: Array<Record<string, unknown>>;
    }>;
    expect(actions[0]?.elements.map((e) => e.action_id)).toEqual([
      SCHEDULE_PAUSE_ACTION_ID,
      SCHEDULE_RUN_NOW_ACTION_ID,
      "schedule_edit",
      SCHEDULE_DELETE_ACTION_ID,
    ]);
    expect(actions[1]?.elements[0]?.action_id).toBe(SCHEDULE_RESUME_ACTION_ID);
    expect(actions[0]?.elements[3]?.confirm).toBeDefined();
  });

  it("empty: says the policy is off until configured; many: capped, within limits", () => {
    const empty = buildSchedulesListMessage({ schedules: [], now: NOW });
    expect(validateMessage(empty)).toEqual([]);
    expect(visibleText(empty.blocks)).toContain("inactive-user deactivation is off until one is configured");
    const many = buildSchedulesListMessage({
      schedules: Array.from({ length: 45 }, (_, i) =>
        item(i, {
          name: hostile(200),
          excludeGroups: Array.from({ length: 20 }, () => hostile(100)),
          lastRun: { slot: NOW, status: "failed", summary: hostile(500) },
        }),
      ),
      now: NOW,
    });
    expect(validateMessage(many)).toEqual([]);
    expect(unsafeMrkdwn(many.blocks)).toEqual([]);
    expect(visibleText(many.blocks)).toContain(`…and ${45 - SCHEDULES_LIST_MAX} more schedules not shown`);
  });
});
