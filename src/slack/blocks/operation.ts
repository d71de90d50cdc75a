// The modal opened by `/bulkusers <operation>`: one CSV file, operation options, submit "Preview". A refused
// file brings the same modal back with the reason on top and an empty file input.
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { isOperation, type Operation } from "../../core/types.ts";
import {
  context,
  escapeAndTruncate,
  formatNumber,
  OPERATION_DESCRIPTIONS,
  OPERATION_TITLES,
  plainText,
  section,
} from "./common.ts";
import {
  CSV_FILE_ACTION_ID,
  CSV_FILE_BLOCK_ID,
  MUST_CHANGE_PASSWORD_ACTION_ID,
  MUST_CHANGE_PASSWORD_BLOCK_ID,
  MUST_CHANGE_PASSWORD_VALUE,
  OPERATION_VIEW_CALLBACK_ID,
} from "./ids.ts";
import { type FileRefusalInput, fileRefusalBlocks } from "./refusal.ts";

export const EFFECTIVE_AT_BLOCK_ID = "effective_at";
export const EFFECTIVE_AT_ACTION_ID = "effective_at_input";

export interface OperationModalOptions {
  operation: Operation;
  /** Template column names to mention in the hint (from the operation's template). */
  templateColumns?: readonly string[];
  /** BULKUSERS_MAX_ROWS, for the hint. */
  maxRows?: number;
  /** The slash command as registered (default `/bulkusers`). */
  command?: string;
  /** Where the command was run (kept in private_metadata: the job reports back there). */
  channelId?: string;
  /**
   * The file just submitted was refused: shown above a fresh file input, so the person can pick another file
   * without starting over.
   */
  refusal?: FileRefusalInput;
  /** How many files were refused so far in this modal (names the file input block: a new id shows it empty). */
  attempt?: number;
  /** create / reset-password: the password tick as last submitted (default: ticked). */
  mustChangePassword?: boolean;
}

/** What the operation modal's private_metadata holds: ids only. */
export interface OperationModalMetadata {
  operation: Operation;
  /** The channel the command was run in, when known. */
  channelId?: string;
  /** Files refused so far (see OperationModalOptions.attempt). */
  attempt?: number;
}

/**
 * The file input's block_id. Slack keeps what an input holds across views.update while its block_id stays the
 * same; after a refusal the input must come back empty, so each attempt gets its own id.
 */
export function csvFileBlockId(attempt = 0): string {
  return attempt > 0 ? `${CSV_FILE_BLOCK_ID}_${attempt}` : CSV_FILE_BLOCK_ID;
}

/** Operation-specific notes shown under the file input. */
const NOTES: Partial<Record<Operation, string>> = {
  update: "Only the columns in the file are changed. A blank cell leaves the value as it is.",
  disable: "Disabled users cannot sign in. Re-enable them with `enable`.",
  delete: "Deleted users are kept for 30 days and can be brought back with `restore`; then they are purged.",
  restore: "Only users deleted in the last 30 days can be restored.",
  "reset-password": "New temporary passwords are generated and sent to you, the approver, by DM as a CSV.",
  "assign-license": "Needs free seats: rows beyond the free seats fail, in file order.",
  "add-to-group": "Rows for users who are already members are skipped.",
  "set-service-plans":
    "One license per row. DisabledPlans sets the whole disabled list; EnablePlans / DisablePlans switch only the plans named.",
};

function mustChangeOption(operation: Operation): PlainTextOption {
  const when = operation === "create" ? "first" : "next";
  return {
    text: plainText(`Require a password change at ${when} sign-in`, 75),
    value: MUST_CHANGE_PASSWORD_VALUE,
  };
}

function optionBlocks(operation: Operation, mustChange: boolean): KnownBlock[] {
  if (operation !== "create" && operation !== "reset-password") return [];
  const option = mustChangeOption(operation);
  return [
    {
      type: "input",
      block_id: MUST_CHANGE_PASSWORD_BLOCK_ID,
      optional: true,
      label: plainText("Passwords", 2000),
      hint: plainText(
        operation === "create"
          ? "A ForceChangePassword column in the file wins over this for its rows."
          : "Users sign in with the temporary password and must pick their own.",
        2000,
      ),
      element: {
        type: "checkboxes",
        action_id: MUST_CHANGE_PASSWORD_ACTION_ID,
        options: [option],
        ...(mustChange ? { initial_options: [option] } : {}),
      },
    },
  ];
}

export function buildOperationModal(options: OperationModalOptions): ModalView {
  const { operation } = options;
  const command = options.command ?? "/bulkusers";
  const maxRows = options.maxRows ?? 5000;
  const note = NOTES[operation];
  const attempt = options.attempt ?? 0;
  const refused = options.refusal ? fileRefusalBlocks({ command, operation, ...options.refusal }) : [];
  const blocks: KnownBlock[] = [
    ...refused,
    section(
      `*${OPERATION_TITLES[operation]}*: ${OPERATION_DESCRIPTIONS[operation]}.\nUpload a CSV; you get a preview of every row before anything changes.`,
    ),
    {
      type: "input",
      block_id: csvFileBlockId(attempt),
      label: plainText(options.refusal ? "Another CSV file" : "CSV file", 2000),
      hint: plainText(
        `One file, up to ${formatNumber(maxRows)} rows. Comma, semicolon or tab separated; UTF-8, UTF-16 or Windows-1252. Exports from Microsoft 365, Entra, Google Workspace, Okta and Outlook work as they are.`,
        2000,
      ),
      element: {
        type: "file_input",
        action_id: CSV_FILE_ACTION_ID,
        max_files: 1,
        filetypes: ["csv", "txt"],
      },
    },
    ...optionBlocks(operation, options.mustChangePassword ?? true),
    // Dated operations: one time for every row without its own date column (blocks/scheduled.ts).
    {
      type: "input",
      block_id: EFFECTIVE_AT_BLOCK_ID,
      optional: true,
      label: plainText("Run at (optional)", 2000),
      hint: plainText(
        "Leave empty to run when you confirm. Per-row dates (EffectiveDate, LastDay, StartDate columns) win over this.",
        2000,
      ),
      element: { type: "datetimepicker", action_id: EFFECTIVE_AT_ACTION_ID },
    },
  ];
  if (note !== undefined) blocks.push(context(note));
  const columns = options.templateColumns ?? [];
  const columnText = columns.length > 0 ? ` Columns: ${escapeAndTruncate(columns.join(", "), 1500)}.` : "";
  blocks.push(
    context(`:page_facing_up: Need a template? Run \`${command} template ${operation}\`.${columnText}`),
  );
  const metadata: OperationModalMetadata = { operation };
  if (options.channelId !== undefined) metadata.channelId = options.channelId;
  if (attempt > 0) metadata.attempt = attempt;
  return {
    type: "modal",
    callback_id: OPERATION_VIEW_CALLBACK_ID,
    title: plainText(OPERATION_TITLES[operation], 24),
    submit: plainText("Preview", 24),
    close: plainText("Cancel", 24),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

// --- reading the submission (pure helpers for the view_submission listener) -------------------------

/** The subset of `view.state.values` we read; Bolt's typings are wider. */
export type ViewStateValues = Record<
  string,
  Record<
    string,
    {
      files?: Array<{ id: string; name?: string }>;
      selected_options?: Array<{ value?: string }> | null;
      /** datetimepicker: Unix seconds (the picker's user's time zone already applied). */
      selected_date_time?: number | null;
    }
  >
>;

export interface OperationModalSubmission {
  /** File ids from the file_input (0 or 1). */
  fileIds: string[];
  /** create / reset-password only: the checkbox state; undefined for other operations. */
  mustChangePassword?: boolean;
  /** Dated operations: the "Run at" picker, when set. */
  at?: Date;
}

export function readOperationModalState(
  operation: Operation,
  values: ViewStateValues,
  attempt = 0,
): OperationModalSubmission {
  const files = values[csvFileBlockId(attempt)]?.[CSV_FILE_ACTION_ID]?.files ?? [];
  const result: OperationModalSubmission = { fileIds: files.map((f) => f.id) };
  const at = values[EFFECTIVE_AT_BLOCK_ID]?.[EFFECTIVE_AT_ACTION_ID]?.selected_date_time;
  if (typeof at === "number" && Number.isFinite(at)) result.at = new Date(at * 1000);
  if (operation === "create" || operation === "reset-password") {
    const selected =
      values[MUST_CHANGE_PASSWORD_BLOCK_ID]?.[MUST_CHANGE_PASSWORD_ACTION_ID]?.selected_options;
    // Absent block state (older view) keeps the safe default: require the change.
    result.mustChangePassword =
      selected === undefined ? true : (selected ?? []).some((o) => o.value === MUST_CHANGE_PASSWORD_VALUE);
  }
  return result;
}

export function readOperationModalMetadata(
  privateMetadata: string | undefined,
): OperationModalMetadata | null {
  try {
    const parsed: unknown = JSON.parse(privateMetadata ?? "");
    if (typeof parsed === "object" && parsed !== null && "operation" in parsed) {
      const {
        operation: op,
        channelId,
        attempt,
      } = parsed as {
        operation: unknown;
        channelId?: unknown;
        attempt?: unknown;
      };
      if (typeof op === "string" && isOperation(op)) {
        const meta: OperationModalMetadata = { operation: op };
        if (typeof channelId === "string" && channelId !== "") meta.channelId = channelId;
        if (typeof attempt === "number" && Number.isInteger(attempt) && attempt > 0) meta.attempt = attempt;
        return meta;
      }
    }
  } catch {
    // fall through
  }
  return null;
}
