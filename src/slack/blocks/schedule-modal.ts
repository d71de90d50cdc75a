// `/bulkusers schedule`: the modal that creates or edits an inactive-user policy, reading its submission
// back, its field errors and the group picker's options. Pure: no I/O, no clock.
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { context, mentionChannel, plainText, section, truncate } from "./common.ts";
import {
  ACTION_OPTIONS,
  MODE_OPTIONS,
  SCHEDULE_BLOCKS,
  SCHEDULE_GROUPS_ACTION_ID,
  SCHEDULE_VIEW_CALLBACK_ID,
  type ScheduleActionKind,
  type ScheduleFormField,
  type ScheduleMode,
  STATIC_GROUPS_MAX,
  scheduleActionId,
} from "./schedule-ids.ts";

export interface ScheduleGroupOption {
  id: string;
  name: string;
}

/** Values shown in the modal (an existing policy, or what was typed). */
export interface ScheduleFormValues {
  name: string;
  inactiveDays: number;
  cron: string;
  timezone: string;
  /** Excluded groups (as stored: names). */
  excludeGroups: readonly ScheduleGroupOption[];
  mode: ScheduleMode;
  warnDays: number;
  capCount: number | null;
  capPercent: number | null;
  reportChannel: string | null;
  /** deactivate, or remove-access with the SKUs (null = every license) and group names it removes. */
  action: ScheduleActionKind;
  removeSkus: readonly string[] | null;
  removeGroups: readonly string[];
}

export interface ScheduleModalInput {
  /** Editing this policy; absent when creating. */
  scheduleId?: string;
  values?: Partial<ScheduleFormValues>;
  /** Directory groups for a static menu; pass at most STATIC_GROUPS_MAX + 1 to learn there are more. */
  groups: readonly ScheduleGroupOption[];
  /** More groups than fit a static menu: the modal searches them instead. */
  manyGroups?: boolean;
  /** Where the command was typed (for the confirmation after saving). */
  channelId?: string;
  /** BULKUSERS_REPORT_CHANNEL, mentioned as the default. */
  defaultReportChannel?: string;
}

export interface ScheduleModalMetadata {
  scheduleId?: string;
  channelId?: string;
}

function option(text: string, value: string, description?: string): PlainTextOption {
  return {
    text: plainText(text, 75),
    value: value.slice(0, 150),
    ...(description ? { description: plainText(description, 75) } : {}),
  };
}

function numberInput(
  field: ScheduleFormField,
  label: string,
  hint: string,
  value: number | null | undefined,
  limits: { min: number; max: number },
  optional: boolean,
): KnownBlock {
  return {
    type: "input",
    block_id: SCHEDULE_BLOCKS[field],
    optional,
    label: plainText(label, 2000),
    hint: plainText(hint, 2000),
    element: {
      type: "number_input",
      action_id: scheduleActionId(field),
      is_decimal_allowed: false,
      min_value: String(limits.min),
      max_value: String(limits.max),
      ...(value !== null && value !== undefined ? { initial_value: String(value) } : {}),
    },
  };
}

function textInput(
  field: ScheduleFormField,
  label: string,
  hint: string,
  value: string | undefined,
  placeholder: string,
  maxLength: number,
): KnownBlock {
  return {
    type: "input",
    block_id: SCHEDULE_BLOCKS[field],
    label: plainText(label, 2000),
    hint: plainText(hint, 2000),
    element: {
      type: "plain_text_input",
      action_id: scheduleActionId(field),
      max_length: maxLength,
      placeholder: plainText(placeholder, 150),
      ...(value ? { initial_value: truncate(value, maxLength) } : {}),
    },
  };
}

function optionalText(
  field: ScheduleFormField,
  label: string,
  hint: string,
  value: string,
  placeholder: string,
): KnownBlock {
  return {
    type: "input",
    block_id: SCHEDULE_BLOCKS[field],
    optional: true,
    label: plainText(label, 2000),
    hint: plainText(hint, 2000),
    element: {
      type: "plain_text_input",
      action_id: scheduleActionId(field),
      max_length: 1000,
      placeholder: plainText(placeholder, 150),
      ...(value ? { initial_value: truncate(value, 1000) } : {}),
    },
  };
}

function groupsBlock(input: ScheduleModalInput, selected: readonly ScheduleGroupOption[]): KnownBlock {
  const label = plainText("Never deactivate members of", 2000);
  const hint = plainText(
    "Admins and service accounts are always excluded. Pick groups whose members must never be deactivated (e.g. executives, break-glass accounts).",
    2000,
  );
  const initial = selected.slice(0, 100).map((g) => option(g.name, g.id));
  const initialOptions = initial.length ? { initial_options: initial } : {};
  return {
    type: "input",
    block_id: SCHEDULE_BLOCKS.excludeGroups,
    optional: true,
    label,
    hint,
    element:
      input.manyGroups || input.groups.length > STATIC_GROUPS_MAX
        ? {
            // Too many groups for a static list: Slack asks the options loader as the user types.
            type: "multi_external_select",
            action_id: SCHEDULE_GROUPS_ACTION_ID,
            min_query_length: 1,
            placeholder: plainText("Type to search groups", 150),
            ...initialOptions,
          }
        : {
            type: "multi_static_select",
            action_id: SCHEDULE_GROUPS_ACTION_ID,
            placeholder: plainText("Choose groups", 150),
            options: staticGroupOptions(input.groups, initial),
            ...initialOptions,
          },
  };
}

/** The groups as static options; selected groups always among them (Slack rejects initial options that are not). */
function staticGroupOptions(
  groups: ScheduleModalInput["groups"],
  initial: ReturnType<typeof option>[],
): ReturnType<typeof option>[] {
  const options = groups.map((g) => option(g.name, g.id));
  for (const g of initial) if (!options.some((o) => o.value === g.value)) options.push(g);
  return options.slice(0, STATIC_GROUPS_MAX);
}

export function buildScheduleModal(input: ScheduleModalInput): ModalView {
  const v = input.values ?? {};
  const mode = v.mode ?? "report";
  const modeOptions = MODE_OPTIONS.map((m) => option(m.text, m.value, m.description));
  const selectedGroups = v.excludeGroups ?? [];
  const blocks: KnownBlock[] = [
    section(
      "Find users who have not signed in for a while and report them, warn them, or deactivate them on a schedule. Users who never signed in count from their creation date. Every run is audited as `schedule`; deactivations are ordinary jobs you can undo.",
    ),
    textInput("name", "Name", "Shown in reports and in the list.", v.name, "Quarterly clean-up", 80),
    numberInput(
      "inactiveDays",
      "Inactive after (days without sign-in)",
      "A user is inactive after more than this many days without signing in.",
      v.inactiveDays ?? 90,
      { min: 1, max: 3650 },
      false,
    ),
    textInput(
      "cron",
      "When (cron expression)",
      // plain_text (an input hint): no mrkdwn, so the examples are quoted, not in backticks.
      "Five fields: minute hour day-of-month month day-of-week. “0 9 * * 1” = Mondays 09:00; “30 6 1 * *” = the 1st of each month, 06:30.",
      v.cron ?? "0 9 * * 1",
      "0 9 * * 1",
      100,
    ),
    textInput(
      "timezone",
      "Time zone",
      "An IANA time zone such as Europe/Berlin, America/New_York or UTC.",
      v.timezone ?? "UTC",
      "UTC",
      64,
    ),
  ];
  if (input.groups.length > 0 || selectedGroups.length > 0 || input.manyGroups) {
    blocks.push(groupsBlock(input, selectedGroups));
  } else {
    blocks.push(
      context("No groups in the directory yet: admins and service accounts are excluded all the same."),
    );
  }
  const actionOptions = ACTION_OPTIONS.map((a) => option(a.text, a.value, a.description));
  const initialMode = modeOptions.find((o) => o.value === mode) ?? modeOptions[0]!;
  blocks.push(
    {
      type: "input",
      block_id: SCHEDULE_BLOCKS.mode,
      label: plainText("What a run does", 2000),
      element: {
        type: "radio_buttons",
        action_id: scheduleActionId("mode"),
        options: modeOptions,
        initial_option: initialMode,
      },
    },
    {
      type: "input",
      block_id: SCHEDULE_BLOCKS.action,
      label: plainText("Deactivating means", 2000),
      element: {
        type: "radio_buttons",
        action_id: scheduleActionId("action"),
        options: actionOptions,
        initial_option:
          actionOptions.find((o) => o.value === (v.action ?? "deactivate")) ?? actionOptions[0]!,
      },
    },
    optionalText(
      "removeSkus",
      "Remove access: licenses",
      "SKUs separated by ; (e.g. M365_E3; VISIO), or “all” for every license the user holds. Empty with no groups: all licenses.",
      v.action === "remove-access" ? (v.removeSkus === null ? "all" : (v.removeSkus ?? []).join("; ")) : "",
      "all",
    ),
    optionalText(
      "removeGroups",
      "Remove access: groups",
      "App groups to remove the users from, separated by ; (e.g. Figma Users; Salesforce).",
      (v.removeGroups ?? []).join("; "),
      "Figma Users; Salesforce",
    ),
    numberInput(
      "warnDays",
      "Warning lead time (days)",
      "Warn-then-deactivate: users are deactivated this many days after their warning DM unless they sign in.",
      v.warnDays ?? 7,
      { min: 0, max: 365 },
      true,
    ),
    numberInput(
      "capCount",
      "Cap: at most this many users per run",
      "Above this, a run deactivates nobody and asks an admin to approve. Leave empty for no count cap.",
      v.capCount,
      { min: 0, max: 10_000_000 },
      true,
    ),
    numberInput(
      "capPercent",
      "Cap: at most this % of active users per run",
      "Above this share of the active users, a run only asks for approval. Leave empty for no share cap.",
      v.capPercent,
      { min: 0, max: 100 },
      true,
    ),
    {
      type: "input",
      block_id: SCHEDULE_BLOCKS.reportChannel,
      optional: true,
      label: plainText("Report channel", 2000),
      hint: plainText(
        input.defaultReportChannel
          ? "Where each run posts its report (invite the bot there). Empty: the default report channel."
          : "Where each run posts its report (invite the bot there).",
        2000,
      ),
      element: {
        type: "conversations_select",
        action_id: scheduleActionId("reportChannel"),
        placeholder: plainText("Choose a channel", 150),
        filter: { include: ["public", "private"], exclude_bot_users: true },
        ...(v.reportChannel ? { initial_conversation: v.reportChannel } : {}),
      },
    },
  );
  if (input.defaultReportChannel) {
    blocks.push(context(`Default report channel: ${mentionChannel(input.defaultReportChannel)}`));
  }
  const metadata: ScheduleModalMetadata = {
    ...(input.scheduleId ? { scheduleId: input.scheduleId } : {}),
    ...(input.channelId ? { channelId: input.channelId } : {}),
  };
  return {
    type: "modal",
    callback_id: SCHEDULE_VIEW_CALLBACK_ID,
    title: plainText(input.scheduleId ? "Edit schedule" : "New schedule", 24),
    submit: plainText("Save", 24),
    close: plainText("Cancel", 24),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/** The subset of view.state.values the schedule modal reads. */
export type ScheduleStateValues = Record<
  string,
  Record<
    string,
    {
      value?: string | null;
      selected_options?: Array<{ value?: string }> | null;
      selected_option?: { value?: string } | null;
      selected_conversation?: string | null;
    }
  >
>;

/** What the modal submitted: numbers as text (validated by the scheduler), group ids, a channel id. */
export interface ScheduleModalSubmission {
  name: string;
  inactiveDays: string;
  cron: string;
  timezone: string;
  excludeGroupIds: string[];
  mode: string;
  warnDays: string;
  capCount: string;
  capPercent: string;
  reportChannel: string | null;
  action: string;
  /** As typed: names separated by `;` (the scheduler splits and checks them). */
  removeSkus: string;
  removeGroups: string;
}

export function readScheduleModalState(values: ScheduleStateValues): ScheduleModalSubmission {
  const get = (field: ScheduleFormField) => values[SCHEDULE_BLOCKS[field]]?.[scheduleActionId(field)];
  const text = (field: ScheduleFormField) => (get(field)?.value ?? "").trim();
  return {
    name: text("name"),
    inactiveDays: text("inactiveDays"),
    cron: text("cron"),
    timezone: text("timezone"),
    excludeGroupIds: (get("excludeGroups")?.selected_options ?? [])
      .map((o) => o.value ?? "")
      .filter((id) => id !== ""),
    mode: get("mode")?.selected_option?.value ?? "report",
    warnDays: text("warnDays"),
    capCount: text("capCount"),
    capPercent: text("capPercent"),
    reportChannel: get("reportChannel")?.selected_conversation ?? null,
    action: get("action")?.selected_option?.value ?? "deactivate",
    removeSkus: text("removeSkus"),
    removeGroups: text("removeGroups"),
  };
}

export function readScheduleModalMetadata(privateMetadata: string | undefined): ScheduleModalMetadata {
  try {
    const parsed = JSON.parse(privateMetadata ?? "") as Record<string, unknown>;
    return {
      ...(typeof parsed.scheduleId === "string" ? { scheduleId: parsed.scheduleId } : {}),
      ...(typeof parsed.channelId === "string" ? { channelId: parsed.channelId } : {}),
    };
  } catch {
    return {};
  }
}

/** Validation errors (by form field) as Slack's `response_action: errors` map (by block id). */
export function scheduleModalErrors(errors: Partial<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    if (!message) continue;
    const block = SCHEDULE_BLOCKS[field as ScheduleFormField] ?? SCHEDULE_BLOCKS.name;
    out[block] = out[block] ? out[block] : truncate(message, 2000);
  }
  return out;
}

/** Group options for the external select (≤100, as Slack requires). */
export function groupOptions(groups: readonly ScheduleGroupOption[]): PlainTextOption[] {
  return groups.slice(0, 100).map((g) => option(g.name, g.id));
}
