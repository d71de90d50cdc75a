// Modal surfaces other than the preview: loading, operation, refusal/notice.
import type { FileInput, InputBlock, ModalView } from "@slack/types";
import { describe, expect, it } from "vitest";
import { validateView } from "../../../test/support/block-kit.ts";
import { OPERATIONS } from "../../core/types.ts";
import { hostile, markupInPlainText, unsafeMrkdwn, visibleText } from "./fixtures.ts";
import {
  CSV_FILE_ACTION_ID,
  CSV_FILE_BLOCK_ID,
  LOADING_VIEW_CALLBACK_ID,
  MUST_CHANGE_PASSWORD_ACTION_ID,
  MUST_CHANGE_PASSWORD_BLOCK_ID,
  MUST_CHANGE_PASSWORD_VALUE,
  NOTICE_VIEW_CALLBACK_ID,
  OPERATION_VIEW_CALLBACK_ID,
} from "./ids.ts";
import { buildLoadingView } from "./loading.ts";
import {
  buildOperationModal,
  csvFileBlockId,
  readOperationModalMetadata,
  readOperationModalState,
} from "./operation.ts";
import { buildFileRefusalView, buildNoticeView } from "./refusal.ts";

function expectClean(view: ModalView) {
  expect(validateView(view)).toEqual([]);
  expect(unsafeMrkdwn(view)).toEqual([]);
  expect(markupInPlainText(view)).toEqual([]);
}

function input(view: ModalView, blockId: string): InputBlock | undefined {
  return view.blocks.find((b): b is InputBlock => b.type === "input" && b.block_id === blockId);
}

describe("loading view", () => {
  it("says it is reading the file, with a stable callback_id and a short title", () => {
    const view = buildLoadingView();
    expectClean(view);
    expect(view.callback_id).toBe(LOADING_VIEW_CALLBACK_ID);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(visibleText(view)).toContain("Reading your file…");
    expect(view.submit).toBeUndefined();
    expectClean(buildLoadingView({ title: "A very long title that does not fit", message: "Validating…" }));
  });
});

describe("operation modal", () => {
  it.each(OPERATIONS)("%s: file input, template hint, submit Preview", (operation) => {
    const view = buildOperationModal({ operation, templateColumns: ["Email", "DisplayName"], maxRows: 5000 });
    expectClean(view);
    expect(view.callback_id).toBe(OPERATION_VIEW_CALLBACK_ID);
    expect(view.submit?.text).toBe("Preview");
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    const file = input(view, CSV_FILE_BLOCK_ID);
    const element = file?.element as FileInput | undefined;
    expect(element).toEqual({
      type: "file_input",
      action_id: CSV_FILE_ACTION_ID,
      max_files: 1,
      filetypes: ["csv", "txt"],
    });
    expect(visibleText(view)).toContain(`/bulkusers template ${operation}`);
    expect(visibleText(view)).toContain("Email, DisplayName");
    expect(readOperationModalMetadata(view.private_metadata)).toEqual({ operation });
  });

  it("offers 'require change at next sign-in' for reset-password, ticked by default", () => {
    const view = buildOperationModal({ operation: "reset-password" });
    const block = input(view, MUST_CHANGE_PASSWORD_BLOCK_ID);
    expect(block?.optional).toBe(true);
    expect(visibleText(block)).toContain("Require a password change at next sign-in");
    expect(block?.element).toMatchObject({ type: "checkboxes", action_id: MUST_CHANGE_PASSWORD_ACTION_ID });
    expect(input(buildOperationModal({ operation: "create" }), MUST_CHANGE_PASSWORD_BLOCK_ID)).toBeDefined();
    expect(
      input(buildOperationModal({ operation: "disable" }), MUST_CHANGE_PASSWORD_BLOCK_ID),
    ).toBeUndefined();
  });

  it("stays valid with a hostile template column list", () => {
    expectClean(
      buildOperationModal({
        operation: "update",
        templateColumns: Array.from({ length: 200 }, () => hostile(100)),
      }),
    );
  });

  it("reads the submission", () => {
    const values = {
      [CSV_FILE_BLOCK_ID]: { [CSV_FILE_ACTION_ID]: { files: [{ id: "F123", name: "a.csv" }] } },
      [MUST_CHANGE_PASSWORD_BLOCK_ID]: { [MUST_CHANGE_PASSWORD_ACTION_ID]: { selected_options: [] } },
    };
    expect(readOperationModalState("reset-password", values)).toEqual({
      fileIds: ["F123"],
      mustChangePassword: false,
    });
    values[MUST_CHANGE_PASSWORD_BLOCK_ID][MUST_CHANGE_PASSWORD_ACTION_ID].selected_options = [
      { value: MUST_CHANGE_PASSWORD_VALUE },
    ] as never;
    expect(readOperationModalState("create", values)).toEqual({
      fileIds: ["F123"],
      mustChangePassword: true,
    });
    expect(readOperationModalState("disable", {})).toEqual({ fileIds: [] });
    expect(readOperationModalMetadata('{"operation":"nuke"}')).toBeNull();
    expect(readOperationModalMetadata(undefined)).toBeNull();
  });

  it("after a refused file: the reason on top, an empty file input under a new block_id, the options kept", () => {
    const view = buildOperationModal({
      operation: "create",
      channelId: "C1",
      refusal: {
        refusal: { code: "csv.no_email_column", message: "No column holds e-mail addresses." },
        fileName: "hires <final>.csv",
      },
      attempt: 2,
      mustChangePassword: false,
    });
    expectClean(view);
    expect(view.callback_id).toBe(OPERATION_VIEW_CALLBACK_ID);
    expect(view.submit?.text).toBe("Preview");
    const first = visibleText(view.blocks[0]);
    expect(first).toContain("hires &lt;final&gt;.csv");
    expect(first).toContain("No column holds e-mail addresses.");
    expect(visibleText(view.blocks[1])).toContain("`csv.no_email_column`");
    expect(input(view, CSV_FILE_BLOCK_ID)).toBeUndefined();
    expect(input(view, csvFileBlockId(2))?.element).toMatchObject({
      type: "file_input",
      action_id: CSV_FILE_ACTION_ID,
    });
    expect(input(view, MUST_CHANGE_PASSWORD_BLOCK_ID)?.element).not.toHaveProperty("initial_options");
    const meta = readOperationModalMetadata(view.private_metadata);
    expect(meta).toEqual({ operation: "create", channelId: "C1", attempt: 2 });
    const values = { [csvFileBlockId(2)]: { [CSV_FILE_ACTION_ID]: { files: [{ id: "F9" }] } } };
    expect(readOperationModalState("disable", values, meta?.attempt)).toEqual({ fileIds: ["F9"] });
    expect(readOperationModalState("disable", values)).toEqual({ fileIds: [] });
    expectClean(
      buildOperationModal({
        operation: "update",
        refusal: { refusal: { code: hostile(300), message: hostile(3000) }, fileName: hostile(3000) },
        attempt: 1,
      }),
    );
  });
});

describe("refusal and notice views", () => {
  it("shows a file refusal in the modal without submit", () => {
    const view = buildFileRefusalView({
      refusal: { code: "csv.too_many_rows", message: "The file has 5,001 data rows; the limit is 5,000." },
      fileName: "big.csv",
      operation: "create",
    });
    expectClean(view);
    expect(view.callback_id).toBe(NOTICE_VIEW_CALLBACK_ID);
    expect(view.submit).toBeUndefined();
    expect(visibleText(view)).toContain("the limit is 5,000");
    expect(visibleText(view)).toContain("`csv.too_many_rows`");
    expectClean(
      buildFileRefusalView({
        refusal: { code: hostile(500), message: hostile(3000) },
        fileName: hostile(3000),
      }),
    );
  });

  it("shows a notice", () => {
    const view = buildNoticeView("Something went wrong, sorry", hostile(5000));
    expectClean(view);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
  });
});
