// Who may do what from Slack (DESIGN §6):
// - admins (BULKUSERS_ADMINS) may do everything;
// - HR users (BULKUSERS_HR_USERS) may upload hire lists in the HR channel (BULKUSERS_HR_CHANNEL), start
//   create/update there, download templates, and approve create/update plans that came from the HR channel;
// - everyone may ask for help; everyone else is refused politely, and every refusal is audited
//   (audit_log action `slack.refused`, actor `slack:<user id>`).
import type { Config } from "../config.ts";
import type { Operation } from "../core/types.ts";
import type { Database } from "../directory/client.ts";
import { auditLog } from "../directory/schema.ts";
import type { Logger } from "../logger.ts";
import { buildNotAuthorisedMessage, type SlackMessage } from "./blocks/index.ts";

export type SlackAuthConfig = Pick<Config["slack"], "admins" | "hrUsers" | "hrChannel">;

export type Role = "admin" | "hr" | "none";

/** Operations HR may start and approve (in the HR channel). */
export const HR_OPERATIONS: readonly Operation[] = ["create", "update"];

export function roleOf(config: SlackAuthConfig, userId: string): Role {
  if (config.admins.includes(userId)) return "admin";
  if (config.hrUsers.includes(userId)) return "hr";
  return "none";
}

export function isAdmin(config: SlackAuthConfig, userId: string): boolean {
  return roleOf(config, userId) === "admin";
}

function inHrChannel(config: SlackAuthConfig, channelId: string | undefined): boolean {
  return config.hrChannel !== undefined && channelId === config.hrChannel;
}

/** May this user start `operation` (open its modal) from `channelId`? */
export function mayStartOperation(
  config: SlackAuthConfig,
  userId: string,
  operation: Operation,
  channelId: string | undefined,
): boolean {
  const role = roleOf(config, userId);
  if (role === "admin") return true;
  return role === "hr" && HR_OPERATIONS.includes(operation) && inHrChannel(config, channelId);
}

/** May this user upload a hire list in the HR channel? */
export function mayUploadInHrChannel(config: SlackAuthConfig, userId: string): boolean {
  return roleOf(config, userId) !== "none";
}

/** May this user download templates (harmless; admins and HR)? */
export function mayDownloadTemplates(config: SlackAuthConfig, userId: string): boolean {
  return roleOf(config, userId) !== "none";
}

/** May this user approve (or review) a plan? HR only for create/update plans that came from the HR channel. */
export function mayApprovePlan(
  config: SlackAuthConfig,
  userId: string,
  plan: { operation: Operation; context: Record<string, unknown> },
): boolean {
  const role = roleOf(config, userId);
  if (role === "admin") return true;
  if (role !== "hr" || !HR_OPERATIONS.includes(plan.operation)) return false;
  const channel = plan.context.channel;
  return inHrChannel(config, typeof channel === "string" ? channel : undefined);
}

/** The actor string stored in plans, jobs and the audit log for a Slack user. */
export function slackActor(userId: string): string {
  return `slack:${userId}`;
}

/** The Slack user id of an actor (`slack:U123` → `U123`), or null for other actors (cli:…, api:…). */
export function slackUserOf(actor: string | null | undefined): string | null {
  const match = /^slack:([UW][A-Z0-9]+)$/.exec(actor ?? "");
  return match?.[1] ?? null;
}

/** An actor as shown in messages: a Slack user id when it is one, else the actor label. */
export function displayActor(actor: string): string {
  return slackUserOf(actor) ?? actor;
}

export interface RefusalInput {
  userId: string;
  /** What they tried, in words, for the message: e.g. "run delete", "approve this plan". */
  attempted: string;
  /** For the audit row: `{ command: "/bulkusers delete" }` or `{ action: "review_plan" }` … */
  details: Record<string, unknown>;
  channelId?: string;
  /** The attempt was one HR could make in the HR channel (the message says so). */
  hrMayDoThis?: boolean;
}

/**
 * Records the refusal in the audit log and returns the polite message to show (ephemerally) to the user.
 * Auditing never throws: a failed insert is logged, the refusal still stands.
 */
export async function refuse(
  deps: { db: Database; config: SlackAuthConfig; logger?: Logger },
  input: RefusalInput,
): Promise<SlackMessage> {
  const details = { ...input.details, ...(input.channelId ? { channel: input.channelId } : {}) };
  try {
    await deps.db.insert(auditLog).values({
      actor: slackActor(input.userId),
      source: "slack",
      action: "slack.refused",
      target: String(input.details.command ?? input.details.action ?? input.details.event ?? "") || null,
      details,
    });
  } catch (error) {
    deps.logger?.error({ err: error, userId: input.userId }, "could not audit a Slack refusal");
  }
  deps.logger?.warn({ userId: input.userId, ...details }, "slack: not authorised");
  const message: Parameters<typeof buildNotAuthorisedMessage>[0] = {
    attempted: input.attempted,
    adminIds: deps.config.admins,
    hrUserIds: deps.config.hrUsers,
    hrMayDoThis: input.hrMayDoThis ?? false,
  };
  if (deps.config.hrChannel !== undefined) message.hrChannelId = deps.config.hrChannel;
  return buildNotAuthorisedMessage(message);
}
