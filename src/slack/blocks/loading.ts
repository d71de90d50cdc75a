// The modal opened at once with the trigger_id (it lives ~3 s); views.update replaces it with the preview.
import type { ModalView } from "@slack/types";
import { context, plainText, section } from "./common.ts";
import { LOADING_VIEW_CALLBACK_ID } from "./ids.ts";

export const LOADING_VIEW_TITLE = "Bulk Users";

export interface LoadingViewOptions {
  /** Defaults to "Reading your file…". */
  message?: string;
  /** Modal title (≤ 24 characters; cut when longer). */
  title?: string;
}

export function buildLoadingView(options: LoadingViewOptions = {}): ModalView {
  return {
    type: "modal",
    callback_id: LOADING_VIEW_CALLBACK_ID,
    title: plainText(options.title ?? LOADING_VIEW_TITLE, 24),
    close: plainText("Cancel", 24),
    blocks: [
      section(`:hourglass_flowing_sand: *${options.message ?? "Reading your file…"}*`),
      context("Checking every row against the directory. Nothing changes until you approve the preview."),
    ],
  };
}
