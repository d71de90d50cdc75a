// Every Bolt listener of the app, registered in one place (thin: parse → engine → builders).
import type { App } from "@slack/bolt";
import type { SlackCommandHandler, SlackDeps } from "../deps.ts";
import { registerActions } from "./actions.ts";
import { registerApprovals } from "./approvals.ts";
import { registerCommands } from "./commands.ts";
import { registerEvents } from "./events.ts";
import { registerScheduled, scheduledCommandHandler } from "./scheduled.ts";
import { registerViews } from "./views.ts";

/** `commandHandlers` claim extra `/bulkusers` words (e.g. the scheduler's `schedule`, `schedules`). */
export function registerListeners(
  app: App,
  deps: SlackDeps,
  options: { commandHandlers?: readonly SlackCommandHandler[] } = {},
): void {
  registerCommands(app, deps, [...(options.commandHandlers ?? []), scheduledCommandHandler(deps)]);
  registerViews(app, deps);
  registerActions(app, deps);
  registerEvents(app, deps);
  registerApprovals(app, deps);
  registerScheduled(app, deps);
}
