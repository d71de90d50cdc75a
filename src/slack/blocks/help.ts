// `/bulkusers help` (and the answer to any input we do not understand: never silence).
import { OPERATIONS } from "../../core/types.ts";
import {
  context,
  divider,
  escapeMrkdwn,
  header,
  inlineCode,
  OPERATION_DESCRIPTIONS,
  type SlackMessage,
  section,
} from "./common.ts";

export interface HelpEntry {
  /** Usage after the command name, e.g. "status <job>". */
  usage: string;
  description: string;
}

export const DEFAULT_COMMAND = "/bulkusers";

/** Every subcommand with a one-line description, grouped as shown in help. */
export const HELP_SECTIONS: ReadonlyArray<{ title: string; entries: readonly HelpEntry[] }> = [
  {
    title: "Operations: each opens a form for your CSV, then a preview; nothing changes until you approve",
    entries: OPERATIONS.map((op) => ({ usage: op, description: OPERATION_DESCRIPTIONS[op] })),
  },
  {
    title: "Without a file",
    entries: [
      {
        usage: "select <filter>",
        description: "pick users with a filter instead of a file, then choose what to do with them",
      },
      { usage: "export [filter]", description: "download users as CSV (everyone when no filter)" },
      { usage: "template [operation]", description: "download the CSV template for an operation" },
    ],
  },
  {
    title: "Jobs",
    entries: [
      { usage: "jobs", description: "recent jobs: who ran what, status and counts" },
      { usage: "status <job>", description: "progress and results of one job" },
      { usage: "undo <job>", description: "revert the changes a finished job made" },
    ],
  },
  {
    title: "Inactive users",
    entries: [
      { usage: "schedule", description: "set up a scheduled inactive-user report or deactivation policy" },
      { usage: "schedules", description: "list the schedules and when they run next" },
    ],
  },
  {
    title: "Help",
    entries: [{ usage: "help", description: "this message" }],
  },
];

/** Keep in step with core/filter.ts (the filter language's owner). */
export const FILTER_EXAMPLES: readonly string[] = ["department:Sales inactive:>90d", "department:Sales"];

export interface HelpOptions {
  /** The slash command as registered (default `/bulkusers`). */
  command?: string;
  /** What the user typed when we did not understand it: shown back, escaped. */
  unknownInput?: string;
}

export function buildHelpMessage(options: HelpOptions = {}): SlackMessage {
  const command = options.command ?? DEFAULT_COMMAND;
  const blocks: SlackMessage["blocks"] = [];
  let text = `Bulk Users commands: ${HELP_SECTIONS.flatMap((s) => s.entries.map((e) => e.usage.split(" ")[0])).join(", ")}`;
  if (options.unknownInput !== undefined) {
    const input = options.unknownInput.trim();
    const said = input === "" ? "Tell me what to do." : `I didn't understand ${inlineCode(input, 100)}.`;
    blocks.push(section(`${said} Here is what I can do:`));
    text = `I didn't understand that. ${text}`;
  }
  blocks.push(header("Bulk Users: manage directory users from CSV files"));
  for (const group of HELP_SECTIONS) {
    // Usages hold "<filter>", "<job>": escaped, or Slack would read them as links.
    const lines = group.entries.map(
      (e) => `• \`${escapeMrkdwn(`${command} ${e.usage}`)}\`: ${e.description}`,
    );
    blocks.push(section(`*${group.title}*\n${lines.join("\n")}`));
  }
  blocks.push(divider());
  blocks.push(
    section(
      `*Filters* combine with spaces (all must match): ${FILTER_EXAMPLES.map((f) => `\`${escapeMrkdwn(f)}\``).join(", ")}.\n` +
        "`inactive:&gt;90d` means no sign-in for more than 90 days; never-signed-in users count from creation.",
    ),
  );
  blocks.push(
    context(
      `HR can also post a hire list CSV in the HR channel: I reply in the thread with a summary and a *Review & approve* button. Start with ${inlineCode(`${command} template create`, 80)}.`,
    ),
  );
  return { text, blocks };
}
