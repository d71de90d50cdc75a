// `/bulkusers select <filter>` (filter → action and value → preview → job), `/bulkusers undo <job>`, and the
// fallback when a response_url has expired.
import { eq, sql } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { jobs, licenses, users } from "../src/directory/schema.ts";
import { getJob } from "../src/jobs/job-store.ts";
import { confirm, planFile } from "../src/jobs/service.ts";
import {
  LOADING_VIEW_CALLBACK_ID,
  PREVIEW_VIEW_CALLBACK_ID,
  SELECT_FILTER_ACTION_ID,
  SELECT_FILTER_BLOCK_ID,
  SELECT_OPERATION_ACTION_ID,
  SELECT_OPERATION_BLOCK_ID,
  SELECT_VALUE_ACTION_ID,
  SELECT_VALUE_BLOCK_ID,
  SELECT_VIEW_CALLBACK_ID,
} from "../src/slack/blocks/ids.ts";
import { describeEachDatabase } from "./support/db.ts";
import {
  ADMIN,
  GENERAL,
  type SlackHarness,
  startSlackHarness,
  textOf,
  until,
  viewWith,
} from "./support/slack-app.ts";

function selectValues(filter: string, operation: string, value: string) {
  return {
    [SELECT_FILTER_BLOCK_ID]: { [SELECT_FILTER_ACTION_ID]: { type: "plain_text_input", value: filter } },
    [SELECT_OPERATION_BLOCK_ID]: {
      [SELECT_OPERATION_ACTION_ID]: { type: "static_select", selected_option: { value: operation } },
    },
    [SELECT_VALUE_BLOCK_ID]: { [SELECT_VALUE_ACTION_ID]: { type: "plain_text_input", value } },
  };
}

describeEachDatabase("slack selection and undo", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function reported(jobId?: string) {
    return until(
      async () => {
        const rows = await ctx.handle.db.select().from(jobs);
        const job = jobId ? rows.find((j) => j.id === jobId) : rows.find((j) => j.slackChannel);
        return job?.reportedAt ? job : null;
      },
      30_000,
      "a reported job",
    );
  }

  it("select <filter>: the matches, the action and its value, the preview, the job", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    const { fake } = h;
    await ctx.handle.db.insert(licenses).values({ sku: "M365_E5", name: "E5", totalSeats: 10 });
    await ctx.handle.db.insert(users).values([
      { email: "a@example.com", displayName: "A", department: "Sales" },
      { email: "b@example.com", displayName: "B", department: "Sales" },
      { email: "c@example.com", displayName: "C", department: "sales" },
      { email: "d@example.com", displayName: "D", department: "Finance" },
    ]);
    await h.command("select department:Sales");
    const modal = await until(() => viewWith(fake, SELECT_VIEW_CALLBACK_ID), 30_000, "the select modal");
    expect(modal.history[0]?.callback_id).toBe(LOADING_VIEW_CALLBACK_ID);
    expect(textOf(modal.view)).toContain("matches *3 users*");
    expect(textOf(modal.view)).toContain("M365_E5");

    // A license action needs its value.
    const missing = await h.submitView(modal, selectValues("department:Sales", "assign-license", ""));
    expect(missing.body).toMatchObject({ response_action: "errors" });
    expect(Object.keys(missing.body?.errors as object)).toEqual([SELECT_VALUE_BLOCK_ID]);
    const badFilter = await h.submitView(modal, selectValues("department", "assign-license", "M365_E5"));
    expect(Object.keys(badFilter.body?.errors as object)).toEqual([SELECT_FILTER_BLOCK_ID]);

    const ok = await h.submitView(modal, selectValues("department:Sales", "assign-license", "M365_E5"));
    expect(ok.body?.response_action).toBe("update");
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    const preview = textOf(modal.view);
    expect(preview).toContain("Assign licenses: preview");
    expect(preview).toContain("*Will change*\n3");
    expect(preview).not.toContain("d@example.com");

    await h.submitView(modal, {});
    const job = await reported();
    expect(job).toMatchObject({ operation: "assign-license", status: "succeeded", succeeded: 3 });
    const assigned = await queryRows<{ email: string }>(
      ctx.handle.db,
      sql`select u.email from license_assignments la join users u on u.id = la.user_id order by 1`,
    );
    expect(assigned.map((r) => r.email)).toEqual(["a@example.com", "b@example.com", "c@example.com"]);
    expect(fake.files.some((f) => f.name === `results-${job.id}.csv` && f.channel === GENERAL)).toBe(true);

    // Update by selection: Field=value pairs.
    await h.command("select department:Finance");
    const second = await until(
      () => {
        const v = viewWith(fake, SELECT_VIEW_CALLBACK_ID);
        return v && v.id !== modal.id ? v : undefined;
      },
      30_000,
      "the second select modal",
    );
    const wrongField = await h.submitView(
      second,
      selectValues("department:Finance", "update", "Shoe size=42"),
    );
    expect(Object.keys(wrongField.body?.errors as object)).toEqual([SELECT_VALUE_BLOCK_ID]);
    await h.submitView(
      second,
      selectValues("department:Finance", "update", "Office=Paris; JobTitle=Controller"),
    );
    await until(() => second.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the update preview");
    expect(textOf(second.view)).toContain("Paris");
    expect(fake.violations).toEqual([]);
  });

  it("undo <job>: the inverse file is planned and previewed, and runs as a job that points at the original", async () => {
    h = await startSlackHarness({ handle: ctx.handle });
    const { fake } = h;
    const planned = await planFile(h.engine, {
      operation: "create",
      bytes: new TextEncoder().encode("UserPrincipalName,DisplayName\nx@example.com,X\ny@example.com,Y\n"),
      source: "cli",
      actor: "cli:test",
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    const { job: original } = await confirm(h.engine, {
      planId: planned.stored.id,
      approvedBy: "cli:test",
      source: "cli",
      allowPartial: true,
    });
    h.worker?.wake();
    await until(
      async () => (await getJob(ctx.handle.db, original.id))?.finishedAt,
      30_000,
      "the original job",
    );

    await h.command(`undo ${original.id}`);
    const modal = await until(() => viewWith(fake, PREVIEW_VIEW_CALLBACK_ID), 30_000, "the undo preview");
    expect(modal.history[0]?.callback_id).toBe(LOADING_VIEW_CALLBACK_ID);
    expect(textOf(modal.view)).toContain("Delete users: preview");
    expect(textOf(modal.view)).toContain("*Will change*\n2");
    await h.submitView(modal, {});
    const undo = await until(
      async () => {
        const [row] = await ctx.handle.db.select().from(jobs).where(eq(jobs.undoOf, original.id));
        return row?.reportedAt ? row : null;
      },
      30_000,
      "the undo job",
    );
    expect(undo).toMatchObject({ operation: "delete", status: "succeeded", succeeded: 2 });
    const statuses = await ctx.handle.db.select({ status: users.status }).from(users);
    expect(statuses.map((s) => s.status)).toEqual(["deleted", "deleted"]);

    // Unknown job and a job that cannot be undone are explained, not silent.
    await h.command("undo job_doesnotexist");
    await until(
      () => fake.views.some((v) => textOf(v.view).includes("can't find a job")),
      30_000,
      "not found",
    );
    expect(fake.violations).toEqual([]);
  });

  it("an expired response_url falls back to an ephemeral message", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const { fake } = h;
    await h.command("help", { responseUrl: `${fake.origin}/expired/R0GONE` });
    const ephemeral = await until(
      () => fake.messages.find((m) => m.ephemeral && m.user === ADMIN && m.channel === GENERAL),
      30_000,
      "the ephemeral fallback",
    );
    expect(textOf(ephemeral.blocks)).toContain("/bulkusers create");
    expect(h.logs.some((l) => l.includes("response_url failed"))).toBe(true);
    expect(fake.violations).toEqual([]);
  });
});
