// What people type reaches the app as Slack sends it: `&`, `<` and `>` escaped as `&amp;`, `&lt;`, `&gt;` in
// slash-command text, message text and plain-text inputs. Decoded once at the edge; quoted back escaped once.
import { parse } from "csv-parse/sync";
import { afterEach, expect, it } from "vitest";
import { users } from "../src/directory/schema.ts";
import {
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
import { ADMIN, type SlackHarness, startSlackHarness, textOf, until, viewWith } from "./support/slack-app.ts";

describeEachDatabase("slack text escaping", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function seed() {
    // The test clock says 2026-11-02: Ana last signed in 200 days before, Bo yesterday.
    await ctx.handle.db.insert(users).values([
      {
        email: "ana@example.com",
        displayName: "Ana",
        department: "R&D",
        lastLoginAt: "2026-04-16T09:00:00.000Z",
        createdAt: "2025-01-01T00:00:00.000Z",
      },
      {
        email: "bo@example.com",
        displayName: "Bo",
        department: "R&D",
        lastLoginAt: "2026-11-01T09:00:00.000Z",
        createdAt: "2025-01-01T00:00:00.000Z",
      },
      {
        email: "cy@example.com",
        displayName: "Cy",
        department: "Sales",
        lastLoginAt: "2026-01-01T09:00:00.000Z",
        createdAt: "2025-01-01T00:00:00.000Z",
      },
    ]);
  }

  it("/bulkusers export and select take `inactive:&gt;90d` exactly as Slack delivers it", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const { fake } = h;
    await seed();

    // Typed: /bulkusers export inactive:>90d department:R&D
    await h.command("export inactive:&gt;90d department:R&amp;D");
    const exported = await until(
      () => fake.files.find((f) => f.name.startsWith("users-")),
      30_000,
      "the CSV",
    );
    const rows = parse(exported.bytes.toString("utf8"), { bom: true }) as string[][];
    expect(rows.slice(1).map((r) => r[0])).toEqual(["ana@example.com"]);
    expect(exported.initial_comment).toContain("users matching inactive:>90d department:R&D");
    const answer = await until(() => fake.responses[0], 30_000, "the answer");
    // Quoted back escaped exactly once: Slack shows `inactive:>90d department:R&D`.
    expect(textOf(answer.body)).toContain("`inactive:&gt;90d department:R&amp;D`");
    expect(textOf(answer.body)).not.toContain("&amp;gt;");

    // Typed: /bulkusers select inactive:>90d
    await h.command("select inactive:&gt;90d");
    const modal = await until(() => viewWith(fake, SELECT_VIEW_CALLBACK_ID), 30_000, "the select modal");
    expect(textOf(modal.view)).toContain("matches *2 users*");
    expect(textOf(modal.view)).toContain("`inactive:&gt;90d`");
    const filterInput = (
      modal.view.blocks as Array<{ block_id?: string; element?: { initial_value?: string } }>
    ).find((b) => b.block_id === SELECT_FILTER_BLOCK_ID);
    // plain_text: shown as typed.
    expect(filterInput?.element?.initial_value).toBe("inactive:>90d");

    // The modal's plain-text inputs arrive escaped too.
    await h.submitView(modal, {
      [SELECT_FILTER_BLOCK_ID]: {
        [SELECT_FILTER_ACTION_ID]: {
          type: "plain_text_input",
          value: "inactive:&gt;90d -department:R&amp;D",
        },
      },
      [SELECT_OPERATION_BLOCK_ID]: {
        [SELECT_OPERATION_ACTION_ID]: { type: "static_select", selected_option: { value: "update" } },
      },
      [SELECT_VALUE_BLOCK_ID]: {
        [SELECT_VALUE_ACTION_ID]: { type: "plain_text_input", value: "Department=Sales &amp; Marketing" },
      },
    });
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    const preview = textOf(modal.view);
    expect(preview).toContain("cy@example.com");
    expect(preview).not.toContain("ana@example.com");
    expect(preview).toContain("Sales &amp; Marketing");
    expect(preview).not.toContain("&amp;amp;");
    expect(fake.violations).toEqual([]);
  });

  it("a refused filter is quoted back as typed, not double escaped", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const { fake } = h;
    await h.command("export inactive:&gt;soon", { user: ADMIN });
    const answer = textOf((await until(() => fake.responses[0], 30_000, "the refusal")).body);
    expect(answer).toContain("inactive:&gt;soon");
    expect(answer).not.toContain("&amp;gt;");
    expect(fake.files).toHaveLength(0);
    expect(fake.violations).toEqual([]);
  });
});
