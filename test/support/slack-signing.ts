// Build requests exactly as Slack sends them to POST /slack/events, signed with the real scheme
// (SLACK.md §1.5): X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).
import { createHmac } from "node:crypto";

export interface SignOptions {
  signingSecret: string;
  /** Unix seconds; default: now. */
  timestamp?: number;
  /** Sign with a timestamp 10 minutes old (Bolt rejects > 5 min). */
  stale?: boolean;
  /** Sign with a different secret than `signingSecret`. */
  wrongSecret?: boolean;
  /** Adds X-Slack-Retry-Num / X-Slack-Retry-Reason, as Slack does when redelivering. */
  retryNum?: number;
  retryReason?: string;
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export function slackSignature(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export function signRequest(body: string, contentType: string, options: SignOptions): SignedRequest {
  const now = options.timestamp ?? Math.floor(Date.now() / 1000);
  const timestamp = options.stale ? now - 600 : now;
  const secret = options.wrongSecret ? `${options.signingSecret}-wrong` : options.signingSecret;
  const headers: Record<string, string> = {
    "content-type": contentType,
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": slackSignature(secret, timestamp, body),
  };
  if (options.retryNum !== undefined) {
    headers["x-slack-retry-num"] = String(options.retryNum);
    headers["x-slack-retry-reason"] = options.retryReason ?? "http_timeout";
  }
  return { body, headers };
}

let counter = 0;
const nextId = () => ++counter;

export const DEFAULTS = {
  teamId: "T0FAKE",
  appId: "A0BULK",
  channelId: "C0GENERAL",
  userId: "U0ADMIN",
  botUserId: "U0BOT",
};

export interface SlashCommandFields {
  command: string;
  text: string;
  user_id: string;
  user_name: string;
  channel_id: string;
  channel_name: string;
  team_id: string;
  team_domain: string;
  api_app_id: string;
  trigger_id: string;
  response_url: string;
}

/** Every field of a slash command, as Slack sends them (form fields over HTTP, the payload in Socket Mode). */
export function slashCommandFields(fields: Partial<SlashCommandFields>): SlashCommandFields {
  const n = nextId();
  return {
    command: "/bulkusers",
    text: "",
    user_id: DEFAULTS.userId,
    user_name: "admin",
    channel_id: DEFAULTS.channelId,
    channel_name: "general",
    team_id: DEFAULTS.teamId,
    team_domain: "fake",
    api_app_id: DEFAULTS.appId,
    trigger_id: `${n}.trigger.${n}`,
    response_url: `https://hooks.slack.invalid/commands/${n}`,
    ...fields,
  };
}

/** A slash command (form-encoded). Give `response_url` from `fake.responseUrl()` to capture respond(). */
export function slashCommandRequest(
  fields: Partial<SlashCommandFields>,
  options: SignOptions,
): SignedRequest {
  const all = slashCommandFields(fields);
  return signRequest(
    new URLSearchParams({ ...all }).toString(),
    "application/x-www-form-urlencoded",
    options,
  );
}

/** An interactivity request: form field `payload=<json>`. */
export function interactionRequest(payload: Record<string, unknown>, options: SignOptions): SignedRequest {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return signRequest(body, "application/x-www-form-urlencoded", options);
}

/** The Events API envelope of an event (`event_callback`); a whole envelope is returned as is. */
export function eventEnvelope(event: Record<string, unknown>, eventId?: string): Record<string, unknown> {
  const n = nextId();
  return event.type === "event_callback" || event.type === "url_verification"
    ? event
    : {
        token: "verification-token-unused",
        team_id: DEFAULTS.teamId,
        api_app_id: DEFAULTS.appId,
        type: "event_callback",
        event_id: eventId ?? `Ev${String(n).padStart(8, "0")}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ team_id: DEFAULTS.teamId, user_id: DEFAULTS.botUserId, is_bot: true }],
        event,
      };
}

/** An Events API request. Pass the inner `event`, or a whole envelope (`type: "event_callback"`). */
export function eventRequest(
  event: Record<string, unknown>,
  options: SignOptions & { eventId?: string },
): SignedRequest {
  return signRequest(JSON.stringify(eventEnvelope(event, options.eventId)), "application/json", options);
}

// --- payload builders for the interactions the bot handles ------------------------------------------

/** block_actions from a button in a modal (give `view`) or a message (give `channelId` + `messageTs`). */
export function blockActionPayload(input: {
  actionId: string;
  value?: string;
  blockId?: string;
  user?: string;
  view?: { id: string; hash: string; private_metadata?: string; callback_id?: string };
  channelId?: string;
  messageTs?: string;
  triggerId?: string;
}): Record<string, unknown> {
  const n = nextId();
  const user = input.user ?? DEFAULTS.userId;
  return {
    type: "block_actions",
    team: { id: DEFAULTS.teamId, domain: "fake" },
    user: { id: user, username: user.toLowerCase(), team_id: DEFAULTS.teamId },
    api_app_id: DEFAULTS.appId,
    trigger_id: input.triggerId ?? `${n}.trigger.${n}`,
    container: input.view
      ? { type: "view", view_id: input.view.id }
      : { type: "message", channel_id: input.channelId, message_ts: input.messageTs },
    ...(input.view
      ? {
          view: {
            type: "modal",
            id: input.view.id,
            hash: input.view.hash,
            private_metadata: input.view.private_metadata ?? "",
            callback_id: input.view.callback_id ?? "",
            state: { values: {} },
          },
        }
      : { channel: { id: input.channelId }, message: { ts: input.messageTs } }),
    actions: [
      {
        type: "button",
        action_id: input.actionId,
        block_id: input.blockId ?? "b",
        value: input.value,
        action_ts: `${1_750_000_000 + n}.000001`,
      },
    ],
  };
}

/** view_submission with the given state values. */
export function viewSubmissionPayload(input: {
  callbackId: string;
  values: Record<string, Record<string, unknown>>;
  privateMetadata?: string;
  user?: string;
  viewId?: string;
  hash?: string;
}): Record<string, unknown> {
  const n = nextId();
  const user = input.user ?? DEFAULTS.userId;
  return {
    type: "view_submission",
    team: { id: DEFAULTS.teamId, domain: "fake" },
    user: { id: user, username: user.toLowerCase(), team_id: DEFAULTS.teamId },
    api_app_id: DEFAULTS.appId,
    trigger_id: `${n}.trigger.${n}`,
    view: {
      id: input.viewId ?? `V${String(n).padStart(8, "0")}`,
      hash: input.hash ?? `${1_750_000_000 + n}.${n}`,
      type: "modal",
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata ?? "",
      state: { values: input.values },
    },
  };
}

/** POST a signed request to Bolt's endpoint (e.g. `http://127.0.0.1:${port}/slack/events`). */
export function postSigned(url: string, request: SignedRequest): Promise<Response> {
  return fetch(url, { method: "POST", headers: request.headers, body: request.body });
}
