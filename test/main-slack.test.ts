// The composition root with Slack configured: the real server (Bolt on the shared express app, the worker,
// the API, the scheduler) answers signed Slack requests, the API and /healthz on one port, and a job
// queued through the API runs in the in-process worker.
import { afterEach, describe, expect, it } from "vitest";
import { type RunningApp, startServer } from "../src/main.ts";
import { openTestDatabase } from "./support/db.ts";
import { startFakeSlack } from "./support/fake-slack.ts";
import { postSigned, slashCommandRequest } from "./support/slack-signing.ts";

const SECRET = "main-test-signing-secret";
const TOKEN = "ci-bot:0123456789abcdef0123";

async function until<T>(probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("main with Slack", () => {
  let running: RunningApp | undefined;
  let closeFake: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await running?.stop();
    await closeFake?.();
  });

  it("serves /slack/events (signed), /api and /healthz on one server; the worker runs API jobs", {
    timeout: 120_000,
  }, async () => {
    const fake = await startFakeSlack();
    closeFake = () => fake.close();
    const database = await openTestDatabase("pglite");
    running = await startServer({
      env: {
        PORT: "0",
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.url,
        BULKUSERS_ADMINS: "UADMIN",
        API_TOKENS: TOKEN,
        BULKUSERS_SCHEDULER: "true",
      },
      openDb: async () => database,
      host: "127.0.0.1",
    });
    const base = `http://127.0.0.1:${running.port}`;
    expect(running.slackProblems).toEqual([]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    // A signed slash command gets help; a forged one is refused.
    const help = await postSigned(
      `${base}/slack/events`,
      slashCommandRequest({ text: "help", user_id: "UADMIN" }, { signingSecret: SECRET }),
    );
    expect(help.status).toBe(200);
    const forged = await postSigned(
      `${base}/slack/events`,
      slashCommandRequest({ text: "help" }, { signingSecret: SECRET, wrongSecret: true }),
    );
    expect(forged.status).toBe(401);

    // An API import is queued and the in-process worker runs it.
    const csv = "UserPrincipalName,DisplayName\nann@example.com,Ann\nbob@example.com,Bob\n";
    const queued = await fetch(`${base}/api/automation/bulk-users/import`, {
      method: "POST",
      headers: { authorization: "Bearer 0123456789abcdef0123", "content-type": "text/csv" },
      body: csv,
    });
    expect(queued.status).toBe(202);
    const { jobId } = (await queued.json()) as { jobId: string };
    const finished = await until(async () => {
      const res = await fetch(`${base}/api/automation/bulk-users/jobs/${jobId}`, {
        headers: { authorization: "Bearer 0123456789abcdef0123" },
      });
      const body = (await res.json()) as { status: string; summary: { succeeded: number } };
      return body.status === "succeeded" ? body : undefined;
    });
    expect(finished.summary.succeeded).toBe(2);
    expect(fake.violations).toEqual([]);
  });
});
