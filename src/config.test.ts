import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("mail settings", () => {
  it("leaves welcome messages off without SMTP_URL", () => {
    expect(loadConfig({}).mail).toBeUndefined();
  });

  it("reads SMTP, the sender, the public URL and the link lifetime", () => {
    expect(
      loadConfig({
        SMTP_URL: "smtp://mailer:secret@mail.example.com:587",
        BULKUSERS_MAIL_FROM: "IT <it@example.com>",
        BULKUSERS_PUBLIC_URL: "https://bulkusers.example.com/",
        BULKUSERS_WELCOME_LINK_HOURS: "24",
      }).mail,
    ).toEqual({
      smtpUrl: "smtp://mailer:secret@mail.example.com:587",
      from: "IT <it@example.com>",
      publicUrl: "https://bulkusers.example.com",
      credentials: "link",
      linkHours: 24,
    });
  });

  it("needs a sender, and a public URL unless the password goes in the e-mail", () => {
    expect(problems({ SMTP_URL: "smtp://mail.example.com" })).toEqual([
      "BULKUSERS_MAIL_FROM: required with SMTP_URL (the From address of welcome messages)",
      "BULKUSERS_PUBLIC_URL: required with SMTP_URL for one-time password links (or set BULKUSERS_WELCOME_CREDENTIALS=password)",
    ]);
    expect(
      loadConfig({
        SMTP_URL: "smtp://mail.example.com",
        BULKUSERS_MAIL_FROM: "it@example.com",
        BULKUSERS_WELCOME_CREDENTIALS: "password",
      }).mail?.credentials,
    ).toBe("password");
  });

  it("names bad values", () => {
    expect(
      problems({
        SMTP_URL: "mail.example.com",
        BULKUSERS_WELCOME_CREDENTIALS: "both",
        BULKUSERS_WELCOME_LINK_HOURS: "0",
      }),
    ).toEqual([
      "SMTP_URL: must start with smtp:// or smtps:// (e.g. smtp://user:password@mail.example.com:587)",
      "BULKUSERS_WELCOME_CREDENTIALS: must be link (a one-time link, the default) or password",
      "BULKUSERS_WELCOME_LINK_HOURS: must be a whole number from 1 to 720 (got '0')",
    ]);
  });
});

describe("config", () => {
  it("names the allowed range of an out-of-range or non-numeric setting, and the value given", () => {
    expect(
      problems({
        BULKUSERS_JOB_LEASE_SECONDS: "2",
        BULKUSERS_MAX_ROWS: "200000",
        PORT: "abc",
        PASSWORD_MIN_LENGTH: "6.5",
      }),
    ).toEqual([
      "PORT: must be a whole number from 0 to 65,535 (got 'abc')",
      "BULKUSERS_MAX_ROWS: must be a whole number from 1 to 150,000 (got '200000')",
      "BULKUSERS_JOB_LEASE_SECONDS: must be a whole number from 5 to 3,600 (got '2')",
      "PASSWORD_MIN_LENGTH: must be a whole number from 1 to 256 (got '6.5')",
    ]);
    expect(loadConfig({ BULKUSERS_JOB_LEASE_SECONDS: " 3600 ", PORT: "0" })).toMatchObject({
      jobLeaseSeconds: 3600,
      port: 0,
      maxRows: 5000,
    });
  });

  it("checks Slack token shapes and says which variable is wrong, without echoing the token", () => {
    const found = problems({
      SLACK_BOT_TOKEN: "xapp-1-A0-secretvalue",
      SLACK_APP_TOKEN: "xoxb-1-secretvalue",
    });
    expect(found).toEqual([
      "SLACK_BOT_TOKEN: must be a bot token (xoxb-…): this is an app-level token, it belongs in SLACK_APP_TOKEN",
      "SLACK_APP_TOKEN: must be an app-level token (xapp-…): this is a bot token, it belongs in SLACK_BOT_TOKEN",
    ]);
    expect(found.join("\n")).not.toContain("secretvalue");
    expect(problems({ SLACK_BOT_TOKEN: "xoxp-user" })).toEqual([
      "SLACK_BOT_TOKEN: must be a bot token (xoxb-…): this is a user token; use the app's Bot User OAuth Token",
    ]);
    expect(problems({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" })).toEqual([]);
  });

  it("LOG_FORMAT is auto unless set to pretty or json", () => {
    expect(loadConfig({}).logFormat).toBe("auto");
    expect(loadConfig({ LOG_FORMAT: "json" }).logFormat).toBe("json");
    expect(problems({ LOG_FORMAT: "xml" })).toHaveLength(1);
  });
});
