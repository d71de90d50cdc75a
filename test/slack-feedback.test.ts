// Small things people notice: a status without an id, what a selection's preview calls itself, where Home says
// a DM job reports, and buttons that answer where they were clicked.
import { afterEach, expect, it } from "vitest";
import { users } from "../src/directory/schema.ts";
import { confirm, planFile } from "../src/jobs/service.ts";
import {
  HOME_TEMPLATE_ACTION_ID,
  PREVIEW_CSV_ACTION_ID,
  PREVIEW_VIEW_CALLBACK_ID,
  SELECT_FILTER_ACTION_ID,
  SELECT_FILTER_BLOCK_ID,
  SELECT_OPERATION_ACTION_ID,
  SELECT_OPERATION_BLOCK_ID,
  SELECT_VALUE_ACTION_ID,
  SELECT_VALUE_BLOCK_ID,
  SELECT_VIEW_CALLBACK_ID,
} from "../src/slack/blocks/ids.ts";
import { readPreviewMetadata } from "../src/slack/blocks/index.ts";
import { describeEachDatabase } from "./support/db.ts";
import { ADMIN, type SlackHarness, startSlackHarness, textOf, until, viewWith } from "./support/slack-app.ts";

const OTHER_ADMIN = "U0ADMIN2";

describeEachDatabase("slack feedback", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("/bulkusers status without an id asks which job instead of looking for '(none)'", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    await h.command("status");
    const answer = textOf((await until(() => h!.fake.responses[0], 30_000, "the answer")).body);
    expect(answer).toContain("Which job?");
    expect(answer).toContain("/bulkusers jobs");
    expect(answer).not.toContain("(none)");
    expect(answer).not.toContain("can't find");
    expect(h.fake.violations).toEqual([]);
  });

  it("a selection's preview names its filter, counts users, and the CSV button answers in the modal", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const { fake } = h;
    await ctx.handle.db.insert(users).values([
      { email: "a@example.com", displayName: "A", department: "Sales" },
      { email: "b@example.com", displayName: "B", department: "Sales" },
    ]);
    await h.command("select department:Sales");
    const modal = await until(() => viewWith(fake, SELECT_VIEW_CALLBACK_ID), 30_000, "the select modal");
    await h.submitView(modal, {
      [SELECT_FILTER_BLOCK_ID]: {
        [SELECT_FILTER_ACTION_ID]: { type: "plain_text_input", value: "department:Sales" },
      },
      [SELECT_OPERATION_BLOCK_ID]: {
        [SELECT_OPERATION_ACTION_ID]: { type: "static_select", selected_option: { value: "disable" } },
      },
      [SELECT_VALUE_BLOCK_ID]: { [SELECT_VALUE_ACTION_ID]: { type: "plain_text_input", value: "" } },
    });
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    const preview = textOf(modal.view);
    expect(preview).toContain("users matching `department:Sales`");
    expect(preview).toContain("*Users selected*\n2");
    expect(preview).not.toContain("selection.csv");
    expect(preview).not.toContain("Rows in file");

    const planId = readPreviewMetadata(String(modal.view.private_metadata))?.planId ?? "";
    const versions = modal.history.length;
    await h.clickInView(modal, PREVIEW_CSV_ACTION_ID, planId);
    await until(() => fake.files.find((f) => f.name === `preview-${planId}.csv`), 30_000, "the CSV by DM");
    await until(() => modal.history.length > versions, 30_000, "the modal's answer");
    expect(textOf(modal.view)).toContain("Sent the full preview (every row, as CSV) to your DMs");
    // Still the same preview, still approvable.
    expect(modal.view.callback_id).toBe(PREVIEW_VIEW_CALLBACK_ID);
    expect(modal.view.submit).toMatchObject({ text: "Approve & run" });
    expect(fake.violations).toEqual([]);
  });

  it("App Home: a job reporting in a DM is 'in your DM' for its approver, never a link to a D… id; template buttons answer on the tab", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true, admins: [ADMIN, OTHER_ADMIN] });
    const { fake } = h;
    const planned = await planFile(h.engine, {
      operation: "create",
      bytes: new TextEncoder().encode("UserPrincipalName,DisplayName\nx@example.com,X\n"),
      source: "slack",
      actor: `slack:${ADMIN}`,
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    await confirm(h.engine, {
      planId: planned.stored.id,
      approvedBy: `slack:${ADMIN}`,
      source: "slack",
      allowPartial: true,
      slack: { channel: "D0ADMIN" },
    });

    await h.event({ type: "app_home_opened", user: ADMIN, channel: "D0ADMIN", tab: "home" });
    await h.event({ type: "app_home_opened", user: OTHER_ADMIN, channel: "D0ADMIN2", tab: "home" });
    const mine = await until(() => fake.views.find((v) => v.user_id === ADMIN), 30_000, "my Home");
    const theirs = await until(() => fake.views.find((v) => v.user_id === OTHER_ADMIN), 30_000, "their Home");
    expect(textOf(mine.view)).toContain("· in your DM");
    expect(textOf(theirs.view)).toContain(`· in <@${ADMIN}>'s DM`);
    for (const v of [mine, theirs]) expect(textOf(v.view)).not.toContain("<#D");

    const versions = mine.history.length;
    await h.clickInMessage({
      actionId: HOME_TEMPLATE_ACTION_ID,
      value: "create",
      channelId: "D0ADMIN",
      messageTs: "1",
    });
    await until(() => fake.files.find((f) => f.name === "template-create.csv"), 30_000, "the template");
    await until(() => mine.history.length > versions, 30_000, "the tab's answer");
    expect(textOf(mine.view)).toContain("Sent the *create* template to your DMs");
    expect(fake.violations).toEqual([]);
  });
});
