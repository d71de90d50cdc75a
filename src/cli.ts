// The `bulkusers` command line (DESIGN §5): `npm run -s bulkusers -- <command> [options]`.
// Everything lives in src/cli/; this entry only wires the real process to it.
import { runCli } from "./cli/run-cli.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  env: process.env,
  cwd: process.cwd(),
});
