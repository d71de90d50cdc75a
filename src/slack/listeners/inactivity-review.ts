// The inactivity report's "Deactivate these N" / "Approve" buttons: re-check who is still inactive, plan a
// fresh `disable` of those users (the report's users only, never new ones) and open the normal preview; its
// submit (the preview listener) confirms it like any plan, and the job reports in the report's thread.
import type { App, BlockAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { loadPlan, loadPlanRows } from "../../jobs/plan-store.ts";
import { planSelection } from "../../jobs/service.ts";
import { evaluatePolicy } from "../../scheduler/policy-users.ts";
import { getSchedule, policyOf } from "../../scheduler/schedules.ts";
import { slackActor } from "../auth.ts";
import {
  INACTIVITY_APPROVE_ACTION_ID,
  INACTIVITY_DEACTIVATE_ACTION_ID,
} from "../blocks/inactivity-report.ts";
import { buildLoadingView, buildNoticeView } from "../blocks/index.ts";
import { originOfClick, rememberOrigin } from "../button-messages.ts";
import { renderPreview } from "../preview.ts";
import { buttonValue, messageHome, mustBeAdmin, type ScheduleListenerDeps } from "./schedule-support.ts";

/** "Deactivate these N" / "Approve": a fresh plan of the report's users still inactive, then the preview. */
async function reviewReport(
  deps: ScheduleListenerDeps,
  client: WebClient,
  body: BlockAction,
  planId: string,
): Promise<void> {
  const userId = body.user.id;
  const opened = await client.views.open({
    trigger_id: body.trigger_id,
    view: buildLoadingView({ title: "Deactivate users", message: "Checking who is still inactive…" }),
  });
  const viewId = opened.view?.id;
  const show = async (view: Parameters<WebClient["views"]["update"]>[0]["view"]) => {
    if (!viewId) return;
    try {
      await client.views.update({ view_id: viewId, view });
    } catch (error) {
      deps.logger.error({ err: error }, "views.update failed");
    }
  };
  try {
    const { engine } = deps;
    const report = await loadPlan(engine.db, planId, { rows: false });
    const scheduleId = typeof report?.context.scheduleId === "string" ? report.context.scheduleId : null;
    const schedule = scheduleId ? await getSchedule(engine.db, scheduleId) : null;
    if (!report || !schedule) {
      await show(
        buildNoticeView(
          "Report out of date",
          report
            ? "The schedule behind this report was deleted. Nothing was changed; use /bulkusers disable with the report's CSV instead."
            : "This report's plan no longer exists. Nothing was changed; wait for the next run or run the schedule now.",
        ),
      );
      return;
    }
    const proposed = new Set(
      (await loadPlanRows(engine.db, planId, { outcome: "change" })).map((r) => r.key),
    );
    const evaluation = await evaluatePolicy(engine.db, policyOf(schedule), {
      now: engine.clock(),
      scheduleId: schedule.id,
    });
    // Still inactive and still eligible: anyone who signed in, was excluded or disabled since drops out.
    const users = evaluation.candidates.map((c) => c.user).filter((u) => proposed.has(u.email));
    if (users.length === 0) {
      await show(
        buildNoticeView(
          "Nothing to deactivate",
          "Everyone in this report has signed in since, been excluded, or is already disabled. Nothing was changed.",
        ),
      );
      return;
    }
    const home = messageHome(body);
    const planned = await planSelection(engine, {
      operation: "disable",
      users,
      values: {},
      source: "slack",
      actor: slackActor(userId),
      fileName: `inactive-users-${schedule.name}.csv`.slice(0, 200),
      context: { ...home, userId, scheduleId: schedule.id, reportPlanId: planId },
    });
    if (!planned.ok) {
      await show(buildNoticeView("Cannot prepare", planned.refusal.message));
      return;
    }
    const preview = await renderPreview(engine, planned.stored.id, 0);
    await show(preview?.view ?? buildNoticeView("Bulk Users", "The preview could not be read back."));
  } catch (error) {
    deps.logger.error({ err: error, planId }, "preparing the inactivity preview failed");
    await show(
      buildNoticeView(
        "Something went wrong",
        "I couldn't prepare the preview; nothing was changed. Try again.",
      ),
    );
  }
}

/** "Deactivate these N" and "Approve" on an inactivity report (admins only; refusals audited). */
export function registerInactivityReviewActions(app: App, deps: ScheduleListenerDeps): void {
  for (const [actionId, attempted] of [
    [INACTIVITY_DEACTIVATE_ACTION_ID, "deactivate inactive users"],
    [INACTIVITY_APPROVE_ACTION_ID, "approve deactivating inactive users"],
  ] as const) {
    app.action(actionId, async ({ ack, body, action, client }) => {
      await ack();
      const b = body as BlockAction;
      const planId = buttonValue(action);
      const home = messageHome(b);
      if (
        !(await mustBeAdmin(
          deps,
          client,
          b.user.id,
          attempted,
          { action: actionId, planId },
          home.channel ? { channelId: home.channel } : {},
        ))
      )
        return;
      // The report's buttons must tell the truth once its users are deactivated: remember the message.
      const origin = originOfClick(b);
      if (origin) await rememberOrigin(deps.engine, planId, origin).catch(() => undefined);
      await reviewReport(deps, client, b, planId);
    });
  }
}
