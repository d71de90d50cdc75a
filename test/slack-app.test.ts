// createSlackApp's modes: HTTP (ExpressReceiver on the shared express app) or Socket Mode when
// SLACK_APP_TOKEN is set; a clear error without the settings Slack needs. Nothing is started here.
import { ExpressReceiver, SocketModeReceiver } from "@slack/bolt";
import express from "express";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import type { Engine } from "../src/jobs/service.ts";
import { createLogger } from "../src/logger.ts";
import { createSlackApp } from "../src/slack/app.ts";
import { startFakeSlack } from "./support/fake-slack.ts";

const engine = {
  clock: () => new Date(),
  limits: { maxRows: 5000, passwordMinLength: 6, leaseSeconds: 30 },
} as unknown as Engine;
const logger = createLogger("silent");
const base = { SLACK_BOT_TOKEN: "xoxb-test", SLACK_API_URL: "http://127.0.0.1:9/api/" };

describe("createSlackApp", () => {
  it("HTTP mode: mounts POST /slack/events on the given express app", () => {
    const app = express();
    const slack = createSlackApp({
      config: loadConfig({ ...base, SLACK_SIGNING_SECRET: "secret" }),
      engine,
      logger,
      expressApp: app,
      tokenVerificationEnabled: false,
    });
    expect(slack.mode).toBe("http");
    expect(slack.receiver).toBeInstanceOf(ExpressReceiver);
    expect((slack.receiver as ExpressReceiver).app).toBe(app);
  });

  it("Socket Mode when SLACK_APP_TOKEN is set", () => {
    const slack = createSlackApp({
      config: loadConfig({ ...base, SLACK_APP_TOKEN: "xapp-1-test" }),
      engine,
      logger,
      tokenVerificationEnabled: false,
    });
    expect(slack.mode).toBe("socket");
    expect(slack.receiver).toBeInstanceOf(SocketModeReceiver);
  });

  it("refuses to build without a bot token or a way to receive requests", () => {
    expect(() =>
      createSlackApp({ config: loadConfig({ SLACK_SIGNING_SECRET: "s" }), engine, logger }),
    ).toThrow(/SLACK_BOT_TOKEN/);
    expect(() =>
      createSlackApp({ config: loadConfig({ SLACK_BOT_TOKEN: "xoxb-x" }), engine, logger }),
    ).toThrow(/SLACK_SIGNING_SECRET|SLACK_APP_TOKEN/);
  });

  it("start() verifies the bot token (auth.test) and fails with Slack's error instead of crashing later", async () => {
    const fake = await startFakeSlack({ botToken: "xoxb-right" });
    try {
      const wrong = createSlackApp({
        config: loadConfig({
          SLACK_BOT_TOKEN: "xoxb-wrong",
          SLACK_SIGNING_SECRET: "s",
          SLACK_API_URL: fake.url,
        }),
        engine,
        logger,
        expressApp: express(),
        clientOptions: { retryConfig: { retries: 0 } },
      });
      await expect(wrong.start()).rejects.toThrow(/invalid_auth/);
      const right = createSlackApp({
        config: loadConfig({
          SLACK_BOT_TOKEN: "xoxb-right",
          SLACK_SIGNING_SECRET: "s",
          SLACK_API_URL: fake.url,
        }),
        engine,
        logger,
        expressApp: express(),
        clientOptions: { retryConfig: { retries: 0 } },
        reporterOptions: { sweepMs: 0 },
      });
      await right.start();
      expect(fake.callsTo("auth.test").filter((c) => c.ok)).toHaveLength(1);
      await right.stop();
    } finally {
      await fake.close();
    }
  });
});
