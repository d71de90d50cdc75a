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
      "BULKUSERS_WELCOME_LINK_HOURS: must be a whole number",
    ]);
  });
});
