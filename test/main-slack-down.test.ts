// Slack is optional at run time: with Slack unreachable the server starts, serves /healthz and the API and
// runs jobs; /readyz says Slack is down; once Slack answers, the report that could not be delivered goes
// to the job's thread. The real server (startServer), the real WebClient, a fake Slack that is simply not
// there at first and then comes up on the address the server was given.
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { jobs } from "../src/directory/schema.ts";
import { type RunningApp, startServer } from "../src/main.ts";
import { openTestDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import { type FakeSlack, startFakeSlack } from "./support/fake-slack.ts";
import { freePort } from "./support/pg-cluster.ts";
import { mustGetJob, queueCreateJob, waitUntil } from "./support/workers.ts";

const TOKEN = "ops:slack-down-test-token-012345";

let running: RunningApp | undefined;
let fake: FakeSlack | undefined;
afterEach(async () => {
  await running?.stop();
  await fake?.close();
  running = fake = undefined;
});

describe("Slack unreachable at start", () => {
  it("starts and serves the API, then delivers the held-back report once Slack answers", {
    timeout: 180_000,
  }, async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const slackPort = await freePort();
    const database = await openTestDatabase("pglite");
    running = await startServer({
      env: {
        PORT: "0",
        SLACK_BOT_TOKEN: "xoxb-test-token",
        SLACK_SIGNING_SECRET: "slack-down-signing-secret",
        SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/`,
        API_TOKENS: TOKEN,
        BULKUSERS_SECRET_KEY: "test-secret-key",
      },
      logger,
      host: "127.0.0.1",
      openDb: async () => database,
      slackRetry: { baseMs: 100, maxMs: 400 },
      workerPollMs: 100,
      slackReporterOptions: { retryBaseMs: 200, retryMaxMs: 400, sweepMs: 0 },
    });
    const base = `http://127.0.0.1:${running.port}`;
    const auth = { authorization: `Bearer ${TOKEN.split(":")[1]}` };

    // Up without Slack: liveness, readiness (Slack down is not unready), the API.
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    await waitUntil(async () => (running?.slack.state === "down" ? true : undefined), { what: "Slack down" });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { slack: { state: "down" } } });

    // A job confirmed in Slack (its thread recorded) runs while Slack is away.
    const engine = testEngine(database);
    const job = await queueCreateJob(engine, 5);
    await database.db.update(jobs).set({ slackChannel: "C0HR" }).where(eq(jobs.id, job.id));
    const finished = await waitUntil(
      async () => {
        const current = await mustGetJob(database.db, job.id);
        return current.status === "succeeded" ? current : undefined;
      },
      { what: "the job to finish without Slack" },
    );
    expect(finished.reportedAt).toBeNull();
    const api = await fetch(`${base}/api/automation/bulk-users/jobs/${job.id}`, { headers: auth });
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ jobId: job.id, status: "succeeded" });

    // Slack comes up where the server was told to look: the report lands in the thread, once.
    fake = await startFakeSlack({ port: slackPort, botToken: "xoxb-test-token" });
    const reported = await waitUntil(
      async () => {
        const current = await mustGetJob(database.db, job.id);
        return current.reportedAt ? current : undefined;
      },
      { timeoutMs: 60_000, what: "the held-back report" },
    );
    expect(reported.reportedAt).not.toBeNull();
    const inChannel = fake.messagesIn("C0HR");
    expect(inChannel.filter((m) => /succeeded|created|done/i.test(m.text ?? "")).length).toBeGreaterThan(0);
    expect(fake.files.filter((f) => f.name === `results-${job.id}.csv`)).toHaveLength(1);
    expect(running.slack.state).toBe("up");
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({
      checks: { slack: { state: "up" } },
    });

    // Logged once per change of state, not once per failed call.
    expect(lines.filter((l) => l.msg.startsWith("Slack is unreachable"))).toHaveLength(1);
    expect(lines.filter((l) => l.msg.startsWith("Slack is reachable"))).toHaveLength(1);

    // /metrics counted the failed Slack calls by method, and the rows the worker processed.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /^bulkusers_slack_api_errors_total\{method="auth\.test",error="[^"]+"\} [1-9]\d*$/m,
    );
    expect(metrics).toMatch(/^bulkusers_rows_processed_total\{outcome="succeeded"\} 5$/m);
    expect(metrics).toMatch(/^bulkusers_jobs\{status="succeeded"\} 1$/m);
    expect(metrics).toMatch(
      /^bulkusers_job_duration_seconds_count\{operation="create",status="succeeded"\} 1$/m,
    );
  });
});
