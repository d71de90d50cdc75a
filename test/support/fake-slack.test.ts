// The fake Slack Web API, driven by the REAL WebClient (and Bolt for the signing helpers).
import type { AddressInfo } from "node:net";
import { App, LogLevel, verifySlackRequest } from "@slack/bolt";
import { WebAPIRateLimitedError, WebClient, WebClientEvent } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOADING_VIEW_CALLBACK_ID } from "../../src/slack/blocks/ids.ts";
import { buildLoadingView } from "../../src/slack/blocks/loading.ts";
import { type FakeSlack, startFakeSlack } from "./fake-slack.ts";
import {
  eventRequest,
  interactionRequest,
  postSigned,
  signRequest,
  slackSignature,
  slashCommandRequest,
  viewSubmissionPayload,
} from "./slack-signing.ts";

let fake: FakeSlack;
let client: WebClient;

beforeEach(async () => {
  fake = await startFakeSlack();
  client = new WebClient(fake.botToken, {
    slackApiUrl: fake.url,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
});
afterEach(async () => {
  await fake.close();
});

const section = (text: string) => ({ type: "section" as const, text: { type: "mrkdwn" as const, text } });

/** The Slack error code carried by a WebClient platform error. */
async function slackError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { data?: { error?: string } }).data?.error ?? String(error);
  }
  throw new Error("expected the call to fail");
}

describe("messages", () => {
  it("records postMessage and update, in a thread, with every version", async () => {
    const auth = await client.auth.test();
    expect(auth.user_id).toBe("U0BOT");
    const parent = await client.chat.postMessage({ channel: "C1", text: "parent" });
    const posted = await client.chat.postMessage({
      channel: "C1",
      thread_ts: parent.ts,
      text: "progress 0%",
      blocks: [section("░░░░░░░░░░ 0%")],
    });
    expect(posted.ok).toBe(true);
    await client.chat.update({
      channel: "C1",
      ts: posted.ts ?? "",
      text: "progress 50%",
      blocks: [section("▓▓▓▓▓░░░░░ 50%")],
    });
    const [message] = fake.messagesIn("C1", parent.ts);
    expect(message?.text).toBe("progress 50%");
    expect(message?.blocks).toEqual([section("▓▓▓▓▓░░░░░ 50%")]);
    expect(message?.history.map((h) => h.text)).toEqual(["progress 0%", "progress 50%"]);
    expect(fake.callsTo("chat.update")[0]?.args).toMatchObject({ channel: "C1", ts: posted.ts });
    expect(await slackError(client.chat.update({ channel: "C1", ts: "1.2", text: "x" }))).toBe(
      "message_not_found",
    );
  });

  it("serves ephemeral messages, permalinks, DMs and users", async () => {
    const eph = await client.chat.postEphemeral({ channel: "C1", user: "U2", text: "only you" });
    expect(fake.messages.find((m) => m.ts === eph.message_ts)).toMatchObject({ ephemeral: true, user: "U2" });
    const link = await client.chat.getPermalink({ channel: "C1", message_ts: "1750000001.000001" });
    expect(link.permalink).toContain("/archives/C1/p1750000001000001");
    const dm = await client.conversations.open({ users: "U2" });
    expect(dm.channel?.id).toMatch(/^D/);
    const user = await client.users.info({ user: "U2" });
    expect(user.user?.profile?.email).toBe("u2@example.com");
  });

  it("rejects a wrong token", async () => {
    const stranger = new WebClient("xoxb-wrong", {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    expect(await slackError(stranger.auth.test())).toBe("invalid_auth");
  });
});

describe("views", () => {
  it("opens, updates with hash (stale hash → hash_conflict) and refuses a reused trigger", async () => {
    const opened = await client.views.open({ trigger_id: "t1", view: buildLoadingView() });
    const id = opened.view?.id ?? "";
    const hash = opened.view?.hash ?? "";
    expect(id).toMatch(/^V/);
    expect(fake.views[0]?.view.callback_id).toBe(LOADING_VIEW_CALLBACK_ID);
    const next = { ...buildLoadingView({ message: "Checking rows…" }) };
    const updated = await client.views.update({ view_id: id, hash, view: next });
    expect(updated.view?.hash).not.toBe(hash);
    expect(await slackError(client.views.update({ view_id: id, hash, view: next }))).toBe("hash_conflict");
    await client.views.update({ view_id: id, hash: updated.view?.hash ?? "", view: next });
    expect(fake.views[0]?.history).toHaveLength(3);
    expect(await slackError(client.views.open({ trigger_id: "t1", view: buildLoadingView() }))).toBe(
      "exchanged_trigger_id",
    );
    expect(await slackError(client.views.update({ view_id: "V404", view: next }))).toBe("not_found");
    await client.views.push({ trigger_id: "t2", view: buildLoadingView() });
    await client.views.publish({ user_id: "U1", view: { type: "home", blocks: [section("home")] } });
    expect(fake.views).toHaveLength(3);
  });
});

describe("files", () => {
  it("receives filesUploadV2 bytes in the thread with the comment", async () => {
    const csv = "\uFEFFEmail,Status\r\na@example.com,Succeeded\r\n";
    await client.filesUploadV2({
      channel_id: "C1",
      thread_ts: "1750000001.000001",
      filename: "results.csv",
      content: csv,
      initial_comment: "Results",
    });
    expect(fake.callsTo("files.getUploadURLExternal")).toHaveLength(1);
    expect(fake.callsTo("upload")).toHaveLength(1);
    expect(fake.files).toHaveLength(1);
    const file = fake.files[0];
    expect(file?.name).toBe("results.csv");
    expect(file?.bytes.toString("utf8")).toBe(csv);
    expect(file).toMatchObject({ channel: "C1", thread_ts: "1750000001.000001", initial_comment: "Results" });
  });

  it("serves a user's upload through files.info and an authenticated download", async () => {
    const added = fake.addFile({
      id: "F0USER",
      name: "hires.csv",
      content: "Email\r\nb@example.com\r\n",
      channel: "C0HR",
      user: "U0HR",
    });
    const info = await client.files.info({ file: "F0USER" });
    expect(info.file?.url_private_download).toBe(added.url_private_download);
    const url = info.file?.url_private_download ?? "";
    const ok = await fetch(url, { headers: { Authorization: `Bearer ${fake.botToken}` } });
    expect(await ok.text()).toBe("Email\r\nb@example.com\r\n");
    expect(fake.violations).toEqual([]);
    const anonymous = await fetch(url);
    expect(anonymous.headers.get("content-type")).toContain("text/html");
    expect(fake.violations.map((v) => v.method)).toEqual(["files.download"]);
    expect(await slackError(client.files.info({ file: "F404" }))).toBe("file_not_found");
  });
});

describe("failures", () => {
  it("answers 429 with Retry-After, which WebClient honours before retrying", async () => {
    const patient = new WebClient(fake.botToken, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 },
      logLevel: LogLevel.ERROR,
    });
    const limited: number[] = [];
    patient.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
    fake.setFailure("chat.update", { status: 429, retryAfter: 0 });
    fake.setFailure("chat.postMessage", { status: 429, retryAfter: 0, times: 1 });
    const posted = await patient.chat.postMessage({ channel: "C1", text: "hi" });
    expect(posted.ok).toBe(true);
    expect(fake.callsTo("chat.postMessage").map((c) => c.ok)).toEqual([false, true]);
    expect(limited).toEqual([0]);
    const strict = new WebClient(fake.botToken, {
      slackApiUrl: fake.url,
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
    fake.setFailure("auth.test", { status: 429, retryAfter: 7 });
    const error = await strict.auth.test().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(7);
  });

  it("injects Slack errors and HTTP 500 a set number of times", async () => {
    fake.setFailure("chat.postMessage", { error: "not_in_channel", times: 2 });
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "a" }))).toBe("not_in_channel");
    expect(await slackError(client.chat.postMessage({ channel: "C1", text: "a" }))).toBe("not_in_channel");
    expect((await client.chat.postMessage({ channel: "C1", text: "a" })).ok).toBe(true);
    fake.setFailure("views.open", { status: 500 });
    const error = await client.views
      .open({ trigger_id: "t", view: buildLoadingView() })
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("slack_webapi_http_error");
  });
});

describe("Block Kit violations", () => {
  it("refuses a message that breaks a limit, like Slack, and remembers it", async () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: "divider" as const }));
    const error = await client.chat
      .postMessage({ channel: "C1", text: "x", blocks })
      .catch((e: unknown) => e);
    const data = (error as { data: { error: string; response_metadata: { messages: string[] } } }).data;
    expect(data.error).toBe("invalid_blocks");
    expect(data.response_metadata.messages[0]).toContain("[json-pointer:/blocks]");
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0]?.method).toBe("chat.postMessage");
    expect(fake.messages).toHaveLength(0);
  });

  it("checks views too, with /view pointers", async () => {
    const view = {
      ...buildLoadingView(),
      title: { type: "plain_text" as const, text: "A title that is far too long for Slack" },
    };
    expect(await slackError(client.views.open({ trigger_id: "t9", view }))).toBe("invalid_blocks");
    expect(fake.violations[0]?.problems.map((p) => p.path)).toEqual(["/title/text"]);
  });

  it("checks bodies posted to a response_url", async () => {
    const url = fake.responseUrl("R1");
    const ok = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "hello" }),
    });
    expect(ok.status).toBe(200);
    const bad = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ blocks: [section("x")] }),
    });
    expect(bad.status).toBe(400);
    expect(fake.responses.map((r) => r.id)).toEqual(["R1", "R1"]);
    expect(fake.violations.map((v) => v.problems[0]?.path)).toEqual(["/text"]);
  });
});

describe("signed requests", () => {
  const signingSecret = "test-signing-secret";

  it("produces signatures Bolt's verifier accepts, and stale/wrong ones it rejects", () => {
    const now = 1_800_000_000;
    const good = slashCommandRequest({ text: "help" }, { signingSecret, timestamp: now });
    const headers = (r: { headers: Record<string, string> }) => ({
      "x-slack-signature": r.headers["x-slack-signature"] ?? "",
      "x-slack-request-timestamp": Number(r.headers["x-slack-request-timestamp"]),
    });
    expect(() =>
      verifySlackRequest({
        signingSecret,
        body: good.body,
        headers: headers(good),
        nowMilliseconds: now * 1000,
      }),
    ).not.toThrow();
    const stale = slashCommandRequest({}, { signingSecret, timestamp: now, stale: true });
    expect(() =>
      verifySlackRequest({
        signingSecret,
        body: stale.body,
        headers: headers(stale),
        nowMilliseconds: now * 1000,
      }),
    ).toThrow();
    const wrong = eventRequest({ type: "app_mention" }, { signingSecret, timestamp: now, wrongSecret: true });
    expect(() =>
      verifySlackRequest({
        signingSecret,
        body: wrong.body,
        headers: headers(wrong),
        nowMilliseconds: now * 1000,
      }),
    ).toThrow();
    expect(slackSignature("s", 1, "b")).toBe(
      signRequest("b", "text/plain", { signingSecret: "s", timestamp: 1 }).headers["x-slack-signature"],
    );
  });

  it("drives a real Bolt app against the fake: command → views.open; bad signatures → 401", async () => {
    const app = new App({
      token: fake.botToken,
      signingSecret,
      processBeforeResponse: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    const submissions: string[] = [];
    app.command("/bulkusers", async ({ ack, body, client: c }) => {
      await ack();
      await c.views.open({ trigger_id: body.trigger_id, view: buildLoadingView() });
    });
    app.view("cb_test", async ({ ack, view }) => {
      submissions.push(view.private_metadata);
      await ack();
    });
    const server = (await app.start(0)) as unknown as { address(): AddressInfo };
    try {
      const endpoint = `http://127.0.0.1:${server.address().port}/slack/events`;
      const res = await postSigned(endpoint, slashCommandRequest({ text: "create" }, { signingSecret }));
      expect(res.status).toBe(200);
      expect(fake.views.map((v) => v.view.callback_id)).toEqual([LOADING_VIEW_CALLBACK_ID]);
      const submit = interactionRequest(
        viewSubmissionPayload({ callbackId: "cb_test", values: {}, privateMetadata: '{"planId":"p1"}' }),
        { signingSecret },
      );
      expect((await postSigned(endpoint, submit)).status).toBe(200);
      expect(submissions).toEqual(['{"planId":"p1"}']);
      expect(
        (await postSigned(endpoint, slashCommandRequest({}, { signingSecret, stale: true }))).status,
      ).toBe(401);
      expect(
        (await postSigned(endpoint, slashCommandRequest({}, { signingSecret, wrongSecret: true }))).status,
      ).toBe(401);
      expect(fake.violations).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});
