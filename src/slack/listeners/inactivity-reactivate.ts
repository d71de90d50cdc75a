// The inactivity report's "Reactivate" button: plans an `enable` of that one user and confirms it at once
// (the click is the approval; audited, undoable like any job). Admins only; refusals are audited.
import type { App, BlockAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { loadUsersWithChains } from "../../directory/view.ts";
import { planSelection } from "../../jobs/service.ts";
import { slackActor } from "../auth.ts";
import { INACTIVITY_REACTIVATE_ACTION_ID, readReactivateValue } from "../blocks/inactivity-report.ts";
import { buildErrorMessage, buildNoticeMessage, escapeAndTruncate, inlineCode } from "../blocks/index.ts";
import {
  buttonValue,
  messageHome,
  mustBeAdmin,
  type ScheduleListenerDeps,
  tell,
} from "./schedule-support.ts";
import { approve } from "./views.ts";

/** "Reactivate": an `enable` of one user, planned and confirmed at once (the click is the approval). */
async function reactivate(
  deps: ScheduleListenerDeps,
  client: WebClient,
  body: BlockAction,
  value: string,
): Promise<void> {
  const userId = body.user.id;
  const target = readReactivateValue(value);
  const home = messageHome(body);
  const where = home.channel ? { channelId: home.channel } : {};
  if (!target) {
    await tell(deps, client, userId, buildErrorMessage("This button is out of date."), where);
    return;
  }
  const users = await loadUsersWithChains(deps.engine.db, [target.email.toLowerCase()]);
  const user = users.get(target.email.toLowerCase());
  if (!user) {
    await tell(
      deps,
      client,
      userId,
      buildNoticeMessage(`${inlineCode(target.email, 120)} no longer exists.`),
      where,
    );
    return;
  }
  const planned = await planSelection(deps.engine, {
    operation: "enable",
    users: [user],
    values: {},
    source: "slack",
    actor: slackActor(userId),
    fileName: "reactivate.csv",
    context: { ...home, userId, reactivateOf: target.jobId },
  });
  if (!planned.ok) {
    await tell(deps, client, userId, buildErrorMessage(planned.refusal.message, planned.refusal.code), where);
    return;
  }
  const row = planned.stored.plan.rows[0];
  if (row?.outcome !== "change") {
    await tell(
      deps,
      client,
      userId,
      buildNoticeMessage(
        `${inlineCode(user.email, 120)}: ${escapeAndTruncate(row?.reason ?? "nothing to do", 300)}. Nothing was changed.`,
      ),
      where,
    );
    return;
  }
  await approve(deps, client, userId, planned.stored.id, planned.stored.context, false);
  await tell(
    deps,
    client,
    userId,
    buildNoticeMessage(
      `:arrows_counterclockwise: Reactivating ${inlineCode(user.email, 120)}: the job reports in the thread.`,
    ),
    where,
  );
}

/** "Reactivate" on an inactivity report. */
export function registerReactivateAction(app: App, deps: ScheduleListenerDeps): void {
  app.action(INACTIVITY_REACTIVATE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const b = body as BlockAction;
    const home = messageHome(b);
    const value = buttonValue(action);
    if (
      !(await mustBeAdmin(
        deps,
        client,
        b.user.id,
        "reactivate users",
        { action: INACTIVITY_REACTIVATE_ACTION_ID, value },
        home.channel ? { channelId: home.channel } : {},
      ))
    )
      return;
    try {
      await reactivate(deps, client, b, value);
    } catch (error) {
      deps.logger.error({ err: error }, "reactivate failed");
      await tell(deps, client, b.user.id, buildErrorMessage("Reactivating failed on my side. Try again."));
    }
  });
}
