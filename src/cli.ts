// The `bulkusers` command line (DESIGN §5): `npm run -s bulkusers -- <command> [options]`.
// Everything lives in src/cli/; this entry only wires the real process to it.
import { runCli } from "./cli/run-cli.ts";
import { synchronousWriter } from "./cli/stdout.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  // Synchronous, so a large --json document is never queued in memory whole (src/cli/stdout.ts).
  stdout: synchronousWriter(1),
  stderr: (text) => {
    process.stderr.write(text);
  },
  env: process.env,
  cwd: process.cwd(),
});
