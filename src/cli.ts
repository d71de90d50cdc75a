// The `bulkusers` command line (DESIGN §5): `npx bulkusers <command> [options]` (package.json `bin`), or
// `npm run -s bulkusers -- <command> [options]`. Everything lives in src/cli/; this entry only wires the
// real process to it: the streams, the terminal (questions and progress bars only on a TTY), the folder
// the command was typed in.
import "./heap.ts";
import { createInterface } from "node:readline/promises";
import { invocationDirectory } from "./cli/context.ts";
import { runCli } from "./cli/run-cli.ts";
import { synchronousWriter } from "./cli/stdout.ts";

const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;

process.exitCode = await runCli(process.argv.slice(2), {
  // Synchronous, so a large --json document is never queued in memory whole (src/cli/stdout.ts).
  stdout: synchronousWriter(1),
  stderr: (text) => {
    process.stderr.write(text);
  },
  env: process.env,
  cwd: invocationDirectory(process.env, process.cwd()),
  interactive,
  ask: (question) =>
    // Questions go to stderr: stdout stays the command's answer (one JSON document with --json).
    // Ctrl-C or Ctrl-D at the question is a "no" (nothing changes), never a hang.
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      rl.on("SIGINT", () => {
        process.stderr.write("\n");
        rl.close();
        resolve("");
      });
      rl.on("close", () => resolve(""));
      rl.question(question).then(
        (answer) => {
          resolve(answer);
          rl.close();
        },
        () => resolve(""),
      );
    }),
  ...(process.stderr.isTTY ? { progressStream: process.stderr } : {}),
});
