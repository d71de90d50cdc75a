// The command-line runner: finds the command in the registry, parses its options (node:util parseArgs),
// runs it and turns the outcome into an exit status. 0 done, 2 refused input or bad usage, 1 anything
// unexpected. With --json, stdout carries exactly one JSON document, whatever happens.
import { parseArgs } from "node:util";
import { describeDatabaseProblem } from "../directory/client.ts";
import { COMMANDS } from "./commands.ts";
import {
  CLI,
  type CliCommand,
  type CliIo,
  CliRefusal,
  CommandContext,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_REFUSED,
  type GlobalOptions,
  type OptionValue,
  type ParseArgsOptionsConfig,
  reportRefusal,
} from "./context.ts";

export const GLOBAL_OPTIONS = {
  db: { type: "string" },
  json: { type: "boolean" },
  as: { type: "string" },
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsOptionsConfig;

const GLOBAL_HELP = [
  [
    "--db <url>",
    "postgres://…, pglite:<dir> or pglite:memory (default: $DATABASE_URL, else pglite:./.data/bulkusers)",
  ],
  ["--json", "print exactly one JSON document on stdout (errors too)"],
  ["--as <actor>", "who acts, for the audit log (default: cli:$USER, else the system user)"],
  ["-h, --help", `show help (also: ${CLI} help [command])`],
] as const;

export function usageText(commands: readonly CliCommand[] = COMMANDS): string {
  const entries: Array<[string, string]> = [
    ...commands.map((c): [string, string] => [c.usage, c.summary]),
    ["help [command]", "Show this help, or one command's usage"],
  ];
  // Usage and summary side by side; a long usage gets its summary on the next line.
  const width = Math.min(Math.max(...entries.map(([usage]) => usage.length)), 40);
  const line = ([usage, summary]: [string, string]) =>
    usage.length <= width
      ? `  ${usage.padEnd(width)}  ${summary}`
      : `  ${usage}\n  ${"".padEnd(width)}  ${summary}`;
  const lines = [
    `Usage: ${CLI} <command> [options]`,
    "",
    "Commands:",
    ...entries.map(line),
    "",
    "Global options:",
    ...GLOBAL_HELP.map(([flag, text]) => `  ${flag.padEnd(14)}  ${text}`),
    "",
    "Exit status: 0 done, 2 refused input or bad usage, 1 unexpected failure, 3 waiting for a second approver, 4 not approved (rejected, expired, changed).",
  ];
  return `${lines.join("\n")}\n`;
}

function commandUsage(command: CliCommand): string {
  return `Usage: ${CLI} ${command.usage}\n  ${command.summary}\n`;
}

/** Where the command words are in argv: the first positionals, skipping global options and their values. */
function locateCommand(
  argv: string[],
  commands: readonly CliCommand[],
): { command?: CliCommand; words: string[]; indexes: number[]; allWords: string[] } {
  const { tokens } = parseArgs({
    args: argv,
    options: GLOBAL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const all = tokens.filter((t) => t.kind === "positional");
  const allWords = all.map((t) => t.value);
  const positionals = all.slice(0, 2);
  const words = positionals.map((t) => t.value);
  // The longest registered name that the leading words spell: "group add" before "group".
  for (const count of [2, 1]) {
    if (words.length < count) continue;
    // The words must follow each other in argv (no option between "group" and "add").
    const slice = positionals.slice(0, count);
    if (count === 2 && slice[1]!.index !== slice[0]!.index + 1) continue;
    const name = words.slice(0, count).join(" ");
    const command = commands.find((c) => c.name === name);
    if (command) {
      return { command, words: words.slice(0, count), indexes: slice.map((t) => t.index), allWords };
    }
  }
  return { words, indexes: positionals.map((t) => t.index), allWords };
}

/** Global options only, for the cases where no command was found (help, unknown command). */
function looseGlobals(argv: string[]): GlobalOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: GLOBAL_OPTIONS,
    strict: false,
    allowPositionals: true,
  });
  return {
    db: typeof values.db === "string" ? values.db : undefined,
    json: values.json === true,
    as: typeof values.as === "string" ? values.as : undefined,
    help: values.help === true,
  };
}

export async function runCli(
  argv: string[],
  io: CliIo,
  commands: readonly CliCommand[] = COMMANDS,
): Promise<number> {
  const loose = looseGlobals(argv);
  const located = locateCommand(argv, commands);

  // help, help <command…>, --help with or without a command
  if (located.words[0] === "help" || (loose.help && !located.command)) {
    const topic = located.words[0] === "help" ? located.allWords.slice(1) : [];
    const wanted = topic.length ? commands.filter((c) => c.name.startsWith(topic.join(" "))) : commands;
    if (topic.length && wanted.length === 0) {
      return refuseUsage(
        io,
        loose.json,
        "cli.unknown_command",
        `Unknown command '${topic.join(" ")}'.`,
        usageText(commands),
      );
    }
    if (loose.json) {
      io.stdout(
        `${JSON.stringify({ commands: wanted.map(({ name, usage, summary }) => ({ name, usage: `${CLI} ${usage}`, summary })) }, null, 2)}\n`,
      );
    } else {
      io.stdout(topic.length ? wanted.map(commandUsage).join("") : usageText(commands));
    }
    return EXIT_OK;
  }

  const command = located.command;
  if (!command) {
    if (located.words.length === 0) {
      return refuseUsage(io, loose.json, "cli.missing_command", "No command given.", usageText(commands));
    }
    const first = located.words[0] ?? "";
    const family = commands.filter((c) => c.name.split(" ")[0] === first);
    const message =
      family.length > 0
        ? `Unknown command '${located.words.join(" ")}'. Did you mean: ${family.map((c) => c.name).join(", ")}?`
        : `Unknown command '${first}'.`;
    return refuseUsage(io, loose.json, "cli.unknown_command", message, usageText(commands));
  }

  // Parse the rest strictly: global options may stand anywhere, command options after the command.
  const rest = argv.filter((_, i) => !located.indexes.includes(i));
  let values: Record<string, OptionValue>;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...(command.options ?? {}) },
      strict: true,
      allowPositionals: true,
    });
    values = parsed.values as Record<string, OptionValue>;
    positionals = parsed.positionals;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return refuseUsage(io, loose.json, "cli.bad_option", message, commandUsage(command));
  }

  const globals: GlobalOptions = {
    db: typeof values.db === "string" ? values.db : undefined,
    json: values.json === true,
    as: typeof values.as === "string" ? values.as : undefined,
  };
  if (values.help === true) {
    if (globals.json) {
      io.stdout(
        `${JSON.stringify({ commands: [{ name: command.name, usage: `${CLI} ${command.usage}`, summary: command.summary }] }, null, 2)}\n`,
      );
    } else {
      io.stdout(commandUsage(command));
    }
    return EXIT_OK;
  }

  const argumentProblem = checkArguments(command, positionals);
  if (argumentProblem) {
    return refuseUsage(
      io,
      globals.json,
      argumentProblem.code,
      argumentProblem.message,
      commandUsage(command),
    );
  }

  const options: Record<string, OptionValue> = {};
  for (const key of Object.keys(command.options ?? {})) options[key] = values[key];

  const ctx = new CommandContext(io, command, positionals, options, globals);
  let status: number;
  try {
    status = await command.run(ctx);
  } catch (error) {
    status = reportFailure(io, ctx, error);
  }
  try {
    await ctx.close();
  } catch (error) {
    io.stderr(
      `bulkusers: closing the database failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    if (status === EXIT_OK) status = EXIT_FAILURE;
  }
  return status;
}

function checkArguments(
  command: CliCommand,
  positionals: string[],
): { code: string; message: string } | undefined {
  const declared = command.args ?? [];
  const required = declared.filter((a) => a.required !== false).length;
  const variadic = declared.some((a) => a.variadic);
  if (positionals.length < required) {
    const missing = declared.filter((a) => a.required !== false)[positionals.length];
    return { code: "cli.missing_argument", message: `Missing argument <${missing?.name ?? "?"}>.` };
  }
  if (!variadic && positionals.length > declared.length) {
    return {
      code: "cli.unexpected_argument",
      message: `Unexpected argument '${positionals[declared.length]}'.`,
    };
  }
  return undefined;
}

function refuseUsage(io: CliIo, json: boolean, code: string, message: string, usage: string): number {
  reportRefusal(io, json, { code, message, usage });
  return EXIT_REFUSED;
}

function reportFailure(io: CliIo, ctx: CommandContext, error: unknown): number {
  if (error instanceof CliRefusal) {
    reportRefusal(io, ctx.json, error, ctx.printedJson);
    return EXIT_REFUSED;
  }
  const known = describeDatabaseProblem(error);
  const message = known?.message ?? (error instanceof Error ? error.message : String(error));
  if (ctx.json && !ctx.printedJson) {
    io.stdout(`${JSON.stringify({ error: { code: known?.code ?? "cli.unexpected", message } }, null, 2)}\n`);
  }
  if (known) {
    // Not a bug of this program: the reason, without a stack trace.
    io.stderr(`bulkusers: ${message}\n`);
    return EXIT_FAILURE;
  }
  io.stderr(`bulkusers: unexpected failure: ${message}\n`);
  if (error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return EXIT_FAILURE;
}
