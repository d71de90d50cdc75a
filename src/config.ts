// The only reader of process.env: one zod schema, parsed once at start-up. A bad value stops start-up
// with one message that lists every problem (no stack trace); missing Slack settings are not errors,
// they switch Slack off and `slackProblems` says which variables to set.
import * as z from "zod";
import { type ApprovalPolicy, DEFAULT_APPROVAL_RULES, parseApprovalRules } from "./core/approval-rules.ts";

const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(/[\s,]+/)
      .map((item) => item.trim())
      .filter(Boolean),
  );

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));

/** A whole number within [min, max]; every refusal names the allowed range and the value given. */
const integer = (fallback: number, min: number, max: number) => {
  // Made only for the message: the first toLocaleString of a process loads ICU's number data (~25 ms),
  // which every command paid at start-up when this ran for each setting as the schema was built.
  const range = () => `a whole number from ${min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}`;
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const text = value?.trim();
      if (!text) return fallback;
      const number = Number(text);
      if (!/^[+-]?\d+$/.test(text) || number < min || number > max) {
        ctx.addIssue({ code: "custom", message: `must be ${range()} (got '${text}')` });
        return z.NEVER;
      }
      return number;
    });
};

/**
 * A Slack token of one kind: `xoxb-` (bot) or `xapp-` (app-level). A token of the other kind names the
 * variable it belongs in; the value itself never appears in the message.
 */
const slackToken = (prefix: "xoxb-" | "xapp-") =>
  optionalText.superRefine((value, ctx) => {
    if (value === undefined || value.startsWith(prefix)) return;
    const kind = prefix === "xoxb-" ? "a bot token (xoxb-…)" : "an app-level token (xapp-…)";
    const hint = value.startsWith("xapp-")
      ? ": this is an app-level token, it belongs in SLACK_APP_TOKEN"
      : value.startsWith("xoxb-")
        ? ": this is a bot token, it belongs in SLACK_BOT_TOKEN"
        : value.startsWith("xoxp-")
          ? ": this is a user token; use the app's Bot User OAuth Token"
          : "";
    ctx.addIssue({ code: "custom", message: `must be ${kind}${hint}` });
  });

export const API_RIGHTS = ["import", "update", "licenses", "disable", "read", "sign-ins", "approve"] as const;
export type ApiRight = (typeof API_RIGHTS)[number];

export interface ApiToken {
  name: string;
  token: string;
  rights: ApiRight[];
}

/** `API_TOKENS="name:token[:right,right…]; …"` — no rights listed means every right. */
const apiTokens = z
  .string()
  .optional()
  .transform((value, ctx): ApiToken[] => {
    const tokens: ApiToken[] = [];
    for (const entry of (value ?? "").split(/[;\s]+/).filter(Boolean)) {
      const [name, token, rightsText] = entry.split(":");
      if (!name || !token) {
        ctx.addIssue({
          code: "custom",
          message: `entry '${name ?? entry}' must look like name:token[:rights]`,
        });
        continue;
      }
      if (token.length < 16) {
        ctx.addIssue({ code: "custom", message: `token of '${name}' is shorter than 16 characters` });
      }
      const rights = rightsText ? rightsText.split(",").filter(Boolean) : [...API_RIGHTS];
      const unknown = rights.filter((right) => !(API_RIGHTS as readonly string[]).includes(right));
      if (unknown.length) {
        ctx.addIssue({
          code: "custom",
          message: `'${name}' has unknown rights ${unknown.join(", ")} (allowed: ${API_RIGHTS.join(", ")})`,
        });
      }
      tokens.push({ name, token, rights: rights as ApiRight[] });
    }
    return tokens;
  });

/** `BULKUSERS_DOMAINS="example.com, example.org"`: e-mail domains, lower-cased. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const domains = list
  .transform((items) => items.map((item) => item.toLowerCase().replace(/^@/, "")))
  .superRefine((items, ctx) => {
    for (const item of items) {
      if (!DOMAIN.test(item))
        ctx.addIssue({ code: "custom", message: `'${item}' is not a domain name like example.com` });
    }
  });

const databaseUrl = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : "pglite:./.data/bulkusers"))
  .refine((value) => /^(postgres(ql)?:\/\/|pglite:)/.test(value), {
    message: "must start with postgres://, postgresql:// or pglite: (pglite:<dir> or pglite:memory)",
  });

/** `BULKUSERS_APPROVAL_RULES`: the two-person rule (see core/approval-rules.ts); unset = the default rules. */
const approvalRules = z
  .string()
  .optional()
  .transform((value, ctx): ApprovalPolicy => {
    const parsed = parseApprovalRules(value?.trim() ? value : DEFAULT_APPROVAL_RULES);
    if (parsed.ok) return parsed.policy;
    ctx.addIssue({ code: "custom", message: parsed.message });
    return { rules: [] };
  });

/** An IANA time zone name (`Europe/Paris`), as the runtime's Intl knows it. */
const timeZone = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : "UTC"))
  .refine(
    (value) => {
      // The default needs no check: a first DateTimeFormat loads ICU's date data (~15 ms of every start).
      if (value === "UTC") return true;
      try {
        new Intl.DateTimeFormat("en", { timeZone: value });
        return true;
      } catch {
        return false;
      }
    },
    { message: "must be an IANA time zone such as Europe/Paris or UTC" },
  );

const EnvSchema = z.object({
  SLACK_BOT_TOKEN: slackToken("xoxb-"),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: slackToken("xapp-"),
  SLACK_API_URL: optionalText.pipe(z.url().optional()),
  PORT: integer(3000, 0, 65535),
  BULKUSERS_ADMINS: list,
  BULKUSERS_HR_CHANNEL: optionalText,
  BULKUSERS_HR_USERS: list,
  BULKUSERS_REPORT_CHANNEL: optionalText,
  BULKUSERS_MAX_ROWS: integer(5000, 1, 150_000),
  BULKUSERS_JOB_LEASE_SECONDS: integer(30, 5, 3600),
  BULKUSERS_SECRET_KEY: optionalText,
  BULKUSERS_APPROVAL_RULES: approvalRules,
  BULKUSERS_APPROVERS: list,
  BULKUSERS_TIME_ZONE: timeZone,
  BULKUSERS_SCHEDULER: z.stringbool().optional().default(true),
  PASSWORD_MIN_LENGTH: integer(6, 1, 256),
  BULKUSERS_DOMAINS: domains,
  DATABASE_URL: databaseUrl,
  API_TOKENS: apiTokens,
  SMTP_URL: optionalText.refine((value) => value === undefined || /^smtps?:\/\//.test(value), {
    message: "must start with smtp:// or smtps:// (e.g. smtp://user:password@mail.example.com:587)",
  }),
  BULKUSERS_MAIL_FROM: optionalText,
  BULKUSERS_PUBLIC_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  BULKUSERS_WELCOME_CREDENTIALS: z
    .enum(["link", "password"], { error: "must be link (a one-time link, the default) or password" })
    .optional()
    .default("link"),
  BULKUSERS_WELCOME_LINK_HOURS: integer(72, 1, 720),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .optional()
    .default("info"),
  /** `pretty` (readable lines), `json` (one JSON object per line), or `auto`: pretty on a terminal. */
  LOG_FORMAT: z.enum(["auto", "pretty", "json"]).optional().default("auto"),
});

export interface Config {
  port: number;
  databaseUrl: string;
  logLevel: z.infer<typeof EnvSchema>["LOG_LEVEL"];
  logFormat: z.infer<typeof EnvSchema>["LOG_FORMAT"];
  slack: {
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
    admins: string[];
    hrChannel?: string;
    hrUsers: string[];
    reportChannel?: string;
  };
  /** Empty when Slack can run; otherwise one line per variable to set. */
  slackProblems: string[];
  maxRows: number;
  jobLeaseSeconds: number;
  passwordMinLength: number;
  /** The organisation's e-mail domains; empty = any domain (the preview warns about odd ones). */
  domains: string[];
  secretKey?: string;
  schedulerEnabled: boolean;
  apiTokens: ApiToken[];
  /** The two-person rule and who may give the second approval in Slack (empty: any admin). */
  approvals: { policy: ApprovalPolicy; approvers: string[] };
  /** The organisation's time zone: dates without an offset (dated operations) are read in it. */
  timeZone: string;
  /** Welcome messages: undefined (off) unless SMTP_URL is set. */
  mail?: MailConfig;
}

export interface MailConfig {
  smtpUrl: string;
  from: string;
  /** Where this app is reached from outside: one-time links start with it. */
  publicUrl?: string;
  /** How the hire gets the temporary password: a one-time link (default) or in the e-mail itself. */
  credentials: "link" | "password";
  linkHours: number;
}

export class ConfigError extends Error {
  readonly code = "config.invalid";
  constructor(readonly problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const mailProblems: string[] = [];
  if (e.SMTP_URL && !e.BULKUSERS_MAIL_FROM) {
    mailProblems.push("BULKUSERS_MAIL_FROM: required with SMTP_URL (the From address of welcome messages)");
  }
  if (e.SMTP_URL && e.BULKUSERS_WELCOME_CREDENTIALS === "link" && !e.BULKUSERS_PUBLIC_URL) {
    mailProblems.push(
      "BULKUSERS_PUBLIC_URL: required with SMTP_URL for one-time password links (or set BULKUSERS_WELCOME_CREDENTIALS=password)",
    );
  }
  if (mailProblems.length) throw new ConfigError(mailProblems);
  const slackProblems: string[] = [];
  if (!e.SLACK_BOT_TOKEN) slackProblems.push("SLACK_BOT_TOKEN (the bot token, xoxb-…)");
  if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    slackProblems.push("SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode, xapp-…)");
  }
  return {
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      admins: e.BULKUSERS_ADMINS,
      hrChannel: e.BULKUSERS_HR_CHANNEL,
      hrUsers: e.BULKUSERS_HR_USERS,
      reportChannel: e.BULKUSERS_REPORT_CHANNEL,
    },
    slackProblems,
    maxRows: e.BULKUSERS_MAX_ROWS,
    jobLeaseSeconds: e.BULKUSERS_JOB_LEASE_SECONDS,
    passwordMinLength: e.PASSWORD_MIN_LENGTH,
    domains: e.BULKUSERS_DOMAINS,
    secretKey: e.BULKUSERS_SECRET_KEY,
    schedulerEnabled: e.BULKUSERS_SCHEDULER,
    apiTokens: e.API_TOKENS,
    approvals: { policy: e.BULKUSERS_APPROVAL_RULES, approvers: e.BULKUSERS_APPROVERS },
    timeZone: e.BULKUSERS_TIME_ZONE,
    ...(e.SMTP_URL && e.BULKUSERS_MAIL_FROM
      ? {
          mail: {
            smtpUrl: e.SMTP_URL,
            from: e.BULKUSERS_MAIL_FROM,
            ...(e.BULKUSERS_PUBLIC_URL ? { publicUrl: e.BULKUSERS_PUBLIC_URL.replace(/\/+$/, "") } : {}),
            credentials: e.BULKUSERS_WELCOME_CREDENTIALS,
            linkHours: e.BULKUSERS_WELCOME_LINK_HOURS,
          },
        }
      : {}),
  };
}
