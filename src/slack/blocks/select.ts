// `/bulkusers select <filter>`: the users a filter matches, then the action to apply to them and its value.
// Submitting plans the selection exactly like an uploaded file, and the preview follows.
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { isOperation, OPERATIONS, type Operation } from "../../core/types.ts";
import {
  context,
  escapeAndTruncate,
  formatNumber,
  inlineCode,
  OPERATION_DESCRIPTIONS,
  OPERATION_TITLES,
  plainText,
  plural,
  section,
} from "./common.ts";
import {
  SELECT_FILTER_ACTION_ID,
  SELECT_FILTER_BLOCK_ID,
  SELECT_OPERATION_ACTION_ID,
  SELECT_OPERATION_BLOCK_ID,
  SELECT_VALUE_ACTION_ID,
  SELECT_VALUE_BLOCK_ID,
  SELECT_VIEW_CALLBACK_ID,
} from "./ids.ts";

/** Every operation except create (a selection is made of existing users). */
export const SELECT_OPERATIONS: readonly Operation[] = OPERATIONS.filter((op) => op !== "create");

/** What the value box means for each operation (none: no value). */
export type SelectValueKind = "none" | "license" | "group" | "field";

export function selectValueKind(operation: Operation): SelectValueKind {
  switch (operation) {
    case "assign-license":
    case "remove-license":
      return "license";
    case "add-to-group":
    case "remove-from-group":
      return "group";
    case "update":
    case "set-service-plans":
      return "field";
    default:
      return "none";
  }
}

export interface SelectModalInput {
  /** The filter as typed (pre-filled, editable). */
  filter: string;
  /** Users it matches now. */
  matched: number;
  /** BULKUSERS_MAX_ROWS: more matches than this cannot be changed at once. */
  maxRows: number;
  /** Known license SKUs and group names, shown as hints (cut to fit). */
  licenses: readonly string[];
  groups: readonly string[];
  /** Channel the command was run in (kept in private_metadata). */
  channelId?: string;
}

export interface SelectModalMetadata {
  channelId?: string;
}

function option(operation: Operation): PlainTextOption {
  return { text: plainText(OPERATION_TITLES[operation], 75), value: operation };
}

function known(label: string, items: readonly string[]): string {
  if (items.length === 0) return `${label}: none yet`;
  const shown = items.slice(0, 20).map((i) => inlineCode(i, 60));
  const more = items.length > shown.length ? ` and ${formatNumber(items.length - shown.length)} more` : "";
  return escapeAndTruncate(`${label}: `, 40) + shown.join(", ") + more;
}

export function buildSelectModal(input: SelectModalInput): ModalView {
  const over = input.matched > input.maxRows;
  const matched = over
    ? `more than ${formatNumber(input.maxRows)} users: narrow the filter (at most ${formatNumber(input.maxRows)} can be changed at once)`
    : plural(input.matched, "user");
  const operationLines = SELECT_OPERATIONS.map(
    (op) => `• *${OPERATION_TITLES[op]}*: ${OPERATION_DESCRIPTIONS[op]}`,
  );
  const blocks: KnownBlock[] = [
    section(`:mag: The filter ${inlineCode(input.filter, 500)} matches *${matched}*.`),
    {
      type: "input",
      block_id: SELECT_FILTER_BLOCK_ID,
      label: plainText("Filter", 2000),
      hint: plainText(
        "Change it if you like: it is applied again when you press Preview (e.g. department:Sales inactive:>90d).",
        2000,
      ),
      element: {
        type: "plain_text_input",
        action_id: SELECT_FILTER_ACTION_ID,
        initial_value: input.filter.slice(0, 3000),
        max_length: 3000,
      },
    },
    {
      type: "input",
      block_id: SELECT_OPERATION_BLOCK_ID,
      label: plainText("Action", 2000),
      element: {
        type: "static_select",
        action_id: SELECT_OPERATION_ACTION_ID,
        placeholder: plainText("Choose what to do with these users", 150),
        options: SELECT_OPERATIONS.map(option),
      },
    },
    {
      type: "input",
      block_id: SELECT_VALUE_BLOCK_ID,
      optional: true,
      label: plainText("Value", 2000),
      hint: plainText(
        "Licenses: a SKU (e.g. M365_E5). Groups: a group name. Update: Field=value (e.g. Department=Sales); several with ';' (Department=Sales; Office=Paris). Service plans: License=M365_E3; DisablePlans=TEAMS1, SWAY (or EnablePlans=…). Not needed for the other actions.",
        2000,
      ),
      element: {
        type: "plain_text_input",
        action_id: SELECT_VALUE_ACTION_ID,
        max_length: 500,
      },
    },
    context(known("Licenses", input.licenses), known("Groups", input.groups)),
    context(escapeAndTruncate(operationLines.join("\n"), 2900)),
  ];
  const metadata: SelectModalMetadata = {};
  if (input.channelId !== undefined) metadata.channelId = input.channelId;
  return {
    type: "modal",
    callback_id: SELECT_VIEW_CALLBACK_ID,
    title: plainText("Act on a selection", 24),
    submit: plainText("Preview", 24),
    close: plainText("Cancel", 24),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/** `view.state.values` as the select modal's submission carries it. */
export type SelectStateValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value?: string } | null }>
>;

export interface SelectModalSubmission {
  filter: string;
  operation: Operation | null;
  value: string;
}

export function readSelectModalState(values: SelectStateValues): SelectModalSubmission {
  const filter = values[SELECT_FILTER_BLOCK_ID]?.[SELECT_FILTER_ACTION_ID]?.value ?? "";
  const op = values[SELECT_OPERATION_BLOCK_ID]?.[SELECT_OPERATION_ACTION_ID]?.selected_option?.value ?? "";
  const value = values[SELECT_VALUE_BLOCK_ID]?.[SELECT_VALUE_ACTION_ID]?.value ?? "";
  return {
    filter: filter.trim(),
    operation: isOperation(op) && SELECT_OPERATIONS.includes(op) ? op : null,
    value: value.trim(),
  };
}

export function readSelectModalMetadata(privateMetadata: string | undefined): SelectModalMetadata {
  try {
    const parsed: unknown = JSON.parse(privateMetadata ?? "");
    if (typeof parsed === "object" && parsed !== null) {
      const channelId = (parsed as { channelId?: unknown }).channelId;
      if (typeof channelId === "string" && channelId !== "") return { channelId };
    }
  } catch {
    // not ours: no channel
  }
  return {};
}
