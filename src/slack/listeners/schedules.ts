// Inactive-user schedules in Slack, registered in one place. Each purpose has its own module:
// - schedule-command.ts: `/bulkusers schedule [name|id]` (the modal) and `/bulkusers schedules` (the list);
// - schedule-modal.ts: the schedule modal's submit and its group search;
// - schedule-list.ts: the list's Pause / Resume / Delete / Edit / New / Run now buttons;
// - inactivity-review.ts: a report's "Deactivate these N" / "Approve" (fresh plan → preview);
// - inactivity-reactivate.ts: a report's "Reactivate" (an `enable`, confirmed at once).
// Only admins (BULKUSERS_ADMINS) may use any of it; refusals are audited. The Slack reporter and notifier the
// scheduler uses are adapters next to the job reporter (../schedule-reporter.ts, ../notifier.ts).

import type { App } from "@slack/bolt";
import type { SlackCommandHandler } from "../deps.ts";
import { registerReactivateAction } from "./inactivity-reactivate.ts";
import { registerInactivityReviewActions } from "./inactivity-review.ts";
import { handleScheduleCommand, SCHEDULE_COMMAND_WORDS } from "./schedule-command.ts";
import { registerScheduleListActions } from "./schedule-list.ts";
import { registerScheduleModal } from "./schedule-modal.ts";
import type { ScheduleListenerDeps } from "./schedule-support.ts";

export type { ScheduleListenerDeps } from "./schedule-support.ts";
export type ScheduleCommandHandler = SlackCommandHandler;

/**
 * Registers the schedule modal, the list's buttons, the report's buttons and the group search; returns the
 * slash-command handler for the command router (`schedule`, `schedules`).
 */
export function registerScheduleListeners(app: App, deps: ScheduleListenerDeps): ScheduleCommandHandler {
  registerScheduleListActions(app, deps);
  registerScheduleModal(app, deps);
  registerInactivityReviewActions(app, deps);
  registerReactivateAction(app, deps);
  return {
    words: SCHEDULE_COMMAND_WORDS,
    handleCommand: (input) => handleScheduleCommand(deps, input),
  };
}
