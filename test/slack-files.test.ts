// Files as Slack really delivers them: Slack Connect stubs resolved with files.info before their type is
// judged (HR channel and modals), and a refused file that leaves the modal usable.
import { readFileSync } from "node:fs";
import { afterEach, expect, it } from "vitest";
import { users } from "../src/directory/schema.ts";
import {
  CSV_FILE_ACTION_ID,
  LOADING_VIEW_CALLBACK_ID,
  OPERATION_VIEW_CALLBACK_ID,
  PREVIEW_VIEW_CALLBACK_ID,
  REVIEW_PLAN_ACTION_ID,
} from "../src/slack/blocks/ids.ts";
import { csvFileBlockId } from "../src/slack/blocks/operation.ts";
import { describeEachDatabase } from "./support/db.ts";
import { seedSampleLicenses } from "./support/sample-licenses.ts";
import {
  ADMIN,
  fileInputValues,
  HR_CHANNEL,
  HR_USER,
  type SlackHarness,
  startSlackHarness,
  textOf,
  until,
  viewWith,
} from "./support/slack-app.ts";

const SAMPLE = readFileSync(new URL("./fixtures/csv/samples/new-hires.csv", import.meta.url));

describeEachDatabase("slack files", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("HR channel in Slack Connect: file stubs are resolved with files.info, then planned or politely declined", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    await seedSampleLicenses(ctx.handle.db);
    const { fake } = h;
    const csv = fake.addFile({ name: "new-hires.csv", content: SAMPLE, channel: HR_CHANNEL, user: HR_USER });
    const postTs = "1760000100.000100";
    await h.event({
      type: "message",
      subtype: "file_share",
      channel: HR_CHANNEL,
      user: HR_USER,
      ts: postTs,
      text: "",
      files: [fake.stubOf(csv)],
    });
    const reply = await until(
      () => fake.messagesIn(HR_CHANNEL, postTs).find((m) => textOf(m.blocks).includes(REVIEW_PLAN_ACTION_ID)),
      30_000,
      "the HR thread reply",
    );
    expect(reply.text).toContain("new-hires.csv: 4 will change");
    expect(textOf(reply.blocks)).not.toContain("only read CSV");
    const info = fake.callsTo("files.info").map((c) => c.args.file);
    expect(info[0]).toBe(csv.id);
    expect(fake.callsTo("files.download")).toHaveLength(1);

    // A stub of a PDF: files.info tells what it is, and the answer says so.
    const pdf = fake.addFile({ name: "hires.pdf", content: "%PDF-1.4", channel: HR_CHANNEL, user: HR_USER });
    await h.event({
      type: "message",
      subtype: "file_share",
      channel: HR_CHANNEL,
      user: HR_USER,
      ts: "1760000101.000100",
      files: [fake.stubOf(pdf)],
    });
    const note = await until(() => fake.messagesIn(HR_CHANNEL, "1760000101.000100")[0], 30_000, "the note");
    expect(note.text).toContain("only read CSV");
    expect(fake.callsTo("files.info").map((c) => c.args.file)).toContain(pdf.id);
    expect(fake.callsTo("files.download")).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it("a modal's file input with a Slack Connect stub: files.info, then the preview", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    await seedSampleLicenses(ctx.handle.db);
    const { fake } = h;
    await h.command("create");
    const modal = await until(() => viewWith(fake, OPERATION_VIEW_CALLBACK_ID), 30_000, "the modal");
    const file = fake.addFile({ name: "new-hires.csv", content: SAMPLE, user: ADMIN });
    await h.submitView(modal, fileInputValues(fake.stubOf(file)));
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    expect(textOf(modal.view)).toContain("new-hires.csv");
    expect(textOf(modal.view)).toContain("*Will change*\n4");
    expect(fake.violations).toEqual([]);
  });

  it("a refused file brings the same modal back with the reason above a fresh file input; the next file works", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    await seedSampleLicenses(ctx.handle.db);
    const { fake } = h;
    await h.command("create");
    const modal = await until(() => viewWith(fake, OPERATION_VIEW_CALLBACK_ID), 30_000, "the modal");

    // 1. A file without an e-mail column: refused by the planner.
    const bad = fake.addFile({ name: "names-only.csv", content: "DisplayName\nJane\n", user: ADMIN });
    const ack = await h.submitView(modal, fileInputValues(bad));
    expect(ack.body).toMatchObject({ view: { callback_id: LOADING_VIEW_CALLBACK_ID } });
    await until(
      () => modal.view.callback_id === OPERATION_VIEW_CALLBACK_ID && modal.history.length >= 3,
      30_000,
      "the modal again",
    );
    let blocks = modal.view.blocks as Array<{
      type: string;
      block_id?: string;
      element?: { action_id?: string };
    }>;
    expect(textOf(blocks[0])).toContain("names-only.csv");
    expect(textOf(modal.view)).toContain("nothing was changed");
    expect(modal.view.submit).toMatchObject({ text: "Preview" });
    const input1 = blocks.find((b) => b.element?.action_id === CSV_FILE_ACTION_ID);
    expect(input1?.block_id).toBe(csvFileBlockId(1));

    // 2. A PDF: refused before download, the modal comes back again.
    const pdf = fake.addFile({ name: "hires.pdf", content: "%PDF-1.4", user: ADMIN });
    await h.submitView(modal, fileInputValues(pdf, csvFileBlockId(1)));
    await until(
      () => modal.view.callback_id === OPERATION_VIEW_CALLBACK_ID && textOf(modal.view).includes("hires.pdf"),
      30_000,
      "the modal a third time",
    );
    expect(textOf(modal.view)).toContain("only read CSV");
    blocks = modal.view.blocks as typeof blocks;
    expect(blocks.find((b) => b.element?.action_id === CSV_FILE_ACTION_ID)?.block_id).toBe(csvFileBlockId(2));

    // Submitting without a file names the input that is there now.
    const empty = await h.submitView(modal, {});
    expect(empty.body).toMatchObject({
      response_action: "errors",
      errors: { [csvFileBlockId(2)]: "Upload a CSV file." },
    });

    // 3. A good file in the fresh input: the preview, and the job can go on as usual.
    const good = fake.addFile({ name: "new-hires.csv", content: SAMPLE, user: ADMIN });
    await h.submitView(modal, fileInputValues(good, csvFileBlockId(2)));
    await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
    expect(textOf(modal.view)).toContain("*Will change*\n4");
    expect(await ctx.handle.db.select().from(users)).toEqual([]);
    expect(fake.violations).toEqual([]);
  });
});
