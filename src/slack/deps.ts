// What every listener gets: configuration, the engine, the reporter, and a way to wake the worker.
import type { App, RespondFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Config } from "../config.ts";
import type { Engine } from "../jobs/service.ts";
import type { Logger } from "../logger.ts";
import type { SlackReporter } from "./reporter.ts";

export interface SlackDeps {
  config: Config;
  engine: Engine;
  logger: Logger;
  reporter: SlackReporter;
  /** Told to look at the queue right after a job is confirmed. */
  worker?: { wake(): void };
  /** The bot token (file downloads need it as a Bearer token). */
  botToken: string;
  /** The slash command as registered (for hints in messages). */
  command: string;
  /** Used for file downloads (default: global fetch). */
  fetch?: typeof fetch;
}

/** The client listeners receive from Bolt. */
export type Client = WebClient;

/** A `/bulkusers <word> …` handled outside the core router (e.g. the scheduler's `schedule`, `schedules`). */
export interface SlackCommandInput {
  /** The subcommand word, as typed. */
  word: string;
  /** The text after the word. */
  rest: string;
  userId: string;
  channelId: string;
  triggerId: string;
  client: WebClient;
  respond?: RespondFn;
}

export interface SlackCommandHandler {
  /** The words routed to it (lower-case). */
  words: readonly string[];
  /** Called after ack(). */
  handleCommand(input: SlackCommandInput): Promise<void>;
}

/**
 * A feature that plugs into the app: registers its own listeners on the Bolt app and may claim slash-command
 * words (the scheduler's schedule listeners do both).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an extension that only registers listeners returns nothing.
export type SlackExtension = (app: App, deps: SlackDeps) => SlackCommandHandler | void;
