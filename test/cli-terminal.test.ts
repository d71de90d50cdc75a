// The real `bulkusers` process on a pseudo-terminal and without one (issue 11): the progress bar and the
// question only on a terminal, one summary line and no question in a pipe, relative paths from the folder
// the command was typed in (also through `npm run`, which moves to the package folder).
// The pseudo-terminal is util-linux `script`, which runs the command on a new PTY and relays our pipes.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "src/cli.ts");
// tsx by its path: the commands run in temporary folders, where `--import tsx` would not resolve.
const TSX = join(ROOT, "node_modules/.bin/tsx");

interface Finished {
  status: number;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess, onOutput?: (all: string) => void): Promise<Finished> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
      onOutput?.(stdout);
    });
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

/** A shell-quoted word for `script -c`. */
const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** Runs the CLI on a pseudo-terminal; `answer` is typed once the question appears. */
function onTerminal(dir: string, args: string[], answer?: string): Promise<Finished> {
  const command = [TSX, CLI, ...args].map(quote).join(" ");
  const env: NodeJS.ProcessEnv = { ...process.env, USER: "tester", TERM: "xterm", COLUMNS: "120" };
  delete env.INIT_CWD;
  const child = spawn("script", ["-qefc", command, "/dev/null"], {
    cwd: dir,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let answered = false;
  return collect(child, (all) => {
    if (answer !== undefined && !answered && all.includes("[y/N]")) {
      answered = true;
      child.stdin?.write(`${answer}\r`);
    }
  }).finally(() => child.stdin?.end());
}

function inPipe(dir: string, args: string[]): Promise<Finished> {
  const env: NodeJS.ProcessEnv = { ...process.env, USER: "tester" };
  delete env.INIT_CWD;
  const child = spawn(TSX, [CLI, ...args], {
    cwd: dir,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin?.end();
  return collect(child);
}

const hires = (n: number, prefix: string) =>
  [
    "UserPrincipalName,DisplayName",
    ...Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com,Hire ${i}`),
  ].join("\n");

describe("cli on a terminal and in a pipe", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bulkusers-tty-"));
    await writeFile(join(dir, "a.csv"), hires(3, "tty"));
    await writeFile(join(dir, "b.csv"), hires(5, "pipe"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("on a terminal run shows the plan, asks, and draws a progress bar; 'n' changes nothing", {
    timeout: 480_000,
  }, async () => {
    const declined = await onTerminal(dir, ["run", "create", "a.csv", "--db", "pglite:db"], "n");
    expect(declined.status, declined.stdout).toBe(0);
    expect(declined.stdout).toContain(
      "create: 3 to change, 0 to skip, 0 with errors (nothing has changed yet)",
    );
    expect(declined.stdout).toContain("Apply 3 changes? [y/N]");
    expect(declined.stdout).toContain("Cancelled; nothing changed.");

    // Ctrl-C at the question is a "no" too: nothing changes, no hang.
    const interrupted = await onTerminal(dir, ["run", "create", "a.csv", "--db", "pglite:db"], "\u0003");
    expect(interrupted.status, interrupted.stdout).toBe(0);
    expect(interrupted.stdout).toContain("Cancelled; nothing changed.");

    const accepted = await onTerminal(dir, ["run", "create", "a.csv", "--db", "pglite:db"], "y");
    expect(accepted.status, accepted.stdout).toBe(0);
    expect(accepted.stdout).toContain("Apply 3 changes? [y/N]");
    // cli-progress: the bar, the count, the rate and the ETA, redrawn in place.
    expect(accepted.stdout).toMatch(/create job_\w+ \[[█░]{24}\] \d\/3 rows \| [\d,]+ rows\/s \| ETA \S+/);
    expect(accepted.stdout).toMatch(/\[█{24}\] 3\/3 rows/);
    expect(accepted.stdout).toMatch(/Job job_\w+: succeeded — 3 succeeded, 0 failed, 0 skipped/);
  });

  it("in a pipe there is no question and no bar: one summary line on stderr", {
    timeout: 480_000,
  }, async () => {
    const piped = await inPipe(dir, ["run", "create", "b.csv", "--db", "pglite:db"]);
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stderr).toMatch(/^create job_\w+: 5 rows in [\d.]+ m?s \([\d,]+ rows\/s\)\n$/);
    expect(piped.stdout).toMatch(/^Job job_\w+: succeeded — 5 succeeded, 0 failed, 0 skipped\n/);
    expect(piped.stdout).not.toContain("[y/N]");
    expect(piped.stdout).not.toContain("█");
  });

  it("`npm run -s bulkusers` resolves relative paths against the folder it was typed in", {
    timeout: 480_000,
  }, async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), "bulkusers-cwd-"));
    try {
      await writeFile(join(elsewhere, "c.csv"), hires(2, "npm"));
      const env: NodeJS.ProcessEnv = { ...process.env, USER: "tester" };
      delete env.INIT_CWD;
      delete env.npm_lifecycle_event;
      const child = spawn(
        "npm",
        [
          "--prefix",
          ROOT,
          "run",
          "-s",
          "bulkusers",
          "--",
          "plan",
          "create",
          "c.csv",
          "--db",
          "pglite:db",
          "--out",
          "plan.csv",
        ],
        { cwd: elsewhere, env, stdio: ["ignore", "pipe", "pipe"] },
      );
      const result = await collect(child);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain("create: 2 to change");
      expect(result.stdout).toContain(`Every row: ${join(elsewhere, "plan.csv")}`);
      expect(existsSync(join(elsewhere, "plan.csv"))).toBe(true);
      expect(existsSync(join(elsewhere, "db"))).toBe(true);
      expect(existsSync(join(ROOT, "db"))).toBe(false);
      expect(existsSync(join(ROOT, "plan.csv"))).toBe(false);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
