// Socket Mode, proven: the app (SLACK_APP_TOKEN, no signing secret) fetches its WebSocket URL from the fake
// Web API's apps.connections.open, connects to a local server speaking Slack's Socket Mode protocol, and
// receives a slash command, a view_submission, a block_actions payload and an events_api envelope. Each is
// acknowledged by its envelope_id and handled exactly as the same requests over signed HTTP; after the server
// drops the socket the app reconnects (a fresh apps.connections.open) and goes on.
import { readFileSync } from "node:fs";
import { afterEach, expect, it } from "vitest";
import { licenses } from "../src/directory/schema.ts";
import {
  LOADING_VIEW_CALLBACK_ID,
  OPERATION_VIEW_CALLBACK_ID,
  PREVIEW_CSV_ACTION_ID,
  PREVIEW_VIEW_CALLBACK_ID,
} from "../src/slack/blocks/ids.ts";
import { readPreviewMetadata } from "../src/slack/blocks/index.ts";
import { describeEachDatabase } from "./support/db.ts";
import {
  ADMIN,
  fileInputValues,
  type SlackHarness,
  startSlackHarness,
  textOf,
  until,
  viewWith,
} from "./support/slack-app.ts";

const SAMPLE = readFileSync(new URL("./fixtures/csv/samples/new-hires.csv", import.meta.url));

/** Ids and times differ between two runs; what a person sees otherwise must not. */
const normalise = (text: string) =>
  text
    .replace(/\b(plan|job)_\w+/g, "$1_…")
    .replace(/<!date\^\d+\^[^>]*>/g, "<date>")
    .replace(/\b\d{4}-\d\d-\d\dT[\d:.]+Z\b/g, "<iso>");

/** One user's visit: a slash command, a file submitted in the modal, a button, an event. */
async function visit(h: SlackHarness) {
  const { fake } = h;
  const command = await h.command("create");
  const modal = await until(() => viewWith(fake, OPERATION_VIEW_CALLBACK_ID), 30_000, "the modal");

  const file = fake.addFile({ name: "new-hires.csv", content: SAMPLE, user: ADMIN });
  const submitted = await h.submitView(modal, fileInputValues(file));
  await until(() => modal.view.callback_id === PREVIEW_VIEW_CALLBACK_ID, 30_000, "the preview");
  const planId = readPreviewMetadata(String(modal.view.private_metadata))?.planId ?? "";

  const click = await h.clickInView(modal, PREVIEW_CSV_ACTION_ID, planId);
  const csv = await until(
    () => fake.files.find((f) => f.name === `preview-${planId}.csv`),
    30_000,
    "the CSV",
  );
  // The click is answered in the modal too, after the upload: waited for, so both visits compare the
  // same calls (without it, whether that views.update had happened yet was a race).
  await until(() => textOf(modal.view).includes("Sent the full preview"), 30_000, "the CSV notice");

  const event = await h.event({ type: "app_home_opened", user: ADMIN, channel: "D0ADMIN", tab: "home" });
  const home = await until(() => fake.views.find((v) => v.user_id === ADMIN), 30_000, "the Home tab");

  const methods = fake.calls
    .map((c) => c.method)
    .filter((m) => m !== "auth.test" && m !== "apps.connections.open")
    .sort();
  return {
    acks: {
      command: { status: command.status, body: await command.text() },
      submit: submitted,
      click: { status: click.status, body: await click.text() },
      event: { status: event.status, body: await event.text() },
    },
    methods,
    preview: normalise(textOf(modal.history)),
    csv: normalise(csv.bytes.toString("utf8")),
    csvChannel: csv.channel,
    home: normalise(textOf(home.view)),
    violations: fake.violations,
  };
}

describeEachDatabase("slack socket mode", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("a command, a view_submission, a block_actions and an event over the socket: acked by envelope_id, handled as over HTTP; reconnects after a drop", async () => {
    await ctx.handle.db.insert(licenses).values([
      { sku: "M365_E5", name: "Microsoft 365 E5", totalSeats: 10 },
      { sku: "M365_BUSINESS_PREMIUM", name: "Business Premium", totalSeats: 10 },
    ]);

    // The same visit over signed HTTP first: the reference.
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const overHttp = await visit(h);
    await h.stop();

    h = await startSlackHarness({ handle: ctx.handle, noWorker: true, socketMode: true });
    const socket = h.socket!;
    const { fake } = h;
    expect(h.slack.mode).toBe("socket");
    const opened = fake.callsTo("apps.connections.open");
    expect(opened).toHaveLength(1);
    expect(opened[0]?.ok).toBe(true);
    expect(socket.connections).toBe(1);

    const overSocket = await visit(h);
    // Four envelopes, four acks, each carrying its envelope's id (deliver() resolves on the matching ack only).
    expect(socket.acks).toHaveLength(4);
    expect(new Set(socket.acks.map((a) => a.envelope_id)).size).toBe(4);
    // The view_submission's ack carries the response_action, as the HTTP response body does.
    expect(overSocket.acks.submit.body).toMatchObject({
      response_action: "update",
      view: { callback_id: LOADING_VIEW_CALLBACK_ID },
    });
    expect(overSocket).toEqual(overHttp);
    expect(overSocket.violations).toEqual([]);

    // The server drops the socket: the app asks apps.connections.open again, reconnects, and carries on.
    socket.drop();
    await until(() => socket.connections === 2 && socket.open === 1, 30_000, "the reconnect");
    expect(fake.callsTo("apps.connections.open")).toHaveLength(2);
    const before = fake.responses.length;
    const help = await h.command("help");
    expect(help.status).toBe(200);
    expect(socket.acks).toHaveLength(5);
    await until(() => fake.responses.length === before + 1, 30_000, "the help answer");
    expect(textOf(fake.responses.at(-1)?.body)).toContain("/bulkusers create");
    expect(fake.violations).toEqual([]);
  });
});
