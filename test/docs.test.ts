// The documentation cannot drift: every ```console block in README.md and docs/*.md is run and its output
// compared. Rules (also in docs/cli.md, "Examples that are tested"):
// - `$ npx bulkusers …` is a command, run as the real CLI (in-process runCli: same code as the bin, which
//   the last test proves once by spawning it); `$ cat FILE` prints a file the commands wrote. Any other
//   command fails the test: a console block only shows what can be checked. The lines after a command,
//   up to the next `$ `, are its expected output (stdout and stderr as a terminal interleaves them).
// - Each file runs against a fresh demo organisation made by `seed-demo` in its own temporary folder (the
//   current directory of its commands); a file whose first command is `seed-demo` starts empty instead.
// - Volatile parts are replaced by placeholders, in the actual output and in the expected one alike:
//   `<id>` job and plan ids, UUIDs; `<time>` ISO 8601 times; `<date>` ISO dates; `<duration>` 850 ms,
//   9.8 s, 2 min 5 s; `<rate>` a speed like 1,234 rows/s; `<dir>` the temporary folder. A line `...`
//   stands for any number of lines. A command that exits with a status other than 0 adds `(exit N)`.
// - `<id>` in a command is the last job id an earlier command printed (`npx bulkusers job <id>`).
// - ```sh blocks are never run.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/context.ts";
import { runCli } from "../src/cli/run-cli.ts";
import { describeEachDatabase } from "./support/db.ts";

const ROOT = join(import.meta.dirname, "..");

interface Step {
  command: string;
  expected: string[];
  /** 1-based line of the command in its file, for messages. */
  line: number;
}

/** The ```console blocks of a Markdown text, as commands with their expected output. */
function consoleSteps(markdown: string): Step[] {
  const steps: Step[] = [];
  const lines = markdown.split("\n");
  let inConsole = false;
  let inOther = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const fence = /^\s*```(\S*)/.exec(line);
    if (fence) {
      if (inConsole || inOther) {
        inConsole = false;
        inOther = false;
      } else if (fence[1] === "console") inConsole = true;
      else inOther = true;
      continue;
    }
    if (!inConsole) continue;
    if (line.startsWith("$ ")) steps.push({ command: line.slice(2).trim(), expected: [], line: i + 1 });
    else steps.at(-1)?.expected.push(line);
  }
  return steps;
}

/** Splits a command line the way a POSIX shell does for simple words, "double" and 'single' quotes. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  let started = false;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) words.push(current);
      current = "";
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new Error(`unclosed quote in: ${command}`);
  if (started) words.push(current);
  return words;
}

/** Replaces what changes from run to run with the documented placeholders. */
function normalise(text: string, dir: string): string {
  return text
    .split(dir)
    .join("<dir>")
    .replace(/\b(job|plan)_[23456789a-z]{12}\b/g, "<id>")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, "<id>")
    .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\b/g, "<time>")
    .replace(/\b\d{4}-\d{2}-\d{2}\b/g, "<date>")
    .replace(/\b\d+ min \d+ s\b|\b\d+(\.\d+)? m?s\b/g, "<duration>")
    .replace(/\b[\d,]+(\.\d+)? [a-z ]*?\/s\b/g, "<rate>")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

/** Expected lines (with `...` for any lines) against actual lines. */
function matches(expected: string[], actual: string[]): boolean {
  if (expected.length === 0) return actual.length === 0;
  const [head, ...rest] = expected;
  if (head === "...") {
    for (let skip = 0; skip <= actual.length; skip++) if (matches(rest, actual.slice(skip))) return true;
    return false;
  }
  return actual.length > 0 && actual[0] === head && matches(rest, actual.slice(1));
}

function trimBlank(lines: string[]): string[] {
  const out = [...lines];
  while (out.length && out[out.length - 1] === "") out.pop();
  return out;
}

async function documentedFiles(): Promise<string[]> {
  const docs = (await readdir(join(ROOT, "docs")).catch(() => [] as string[]))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

const files = await documentedFiles();
const withExamples: Array<{ file: string; steps: Step[] }> = [];
for (const file of files) {
  const steps = consoleSteps(await readFile(join(ROOT, file), "utf8"));
  if (steps.length) withExamples.push({ file, steps });
}

describe("docs: the console block parser", () => {
  it("reads commands and their output, ignores sh blocks, splits words like a shell", () => {
    const steps = consoleSteps(
      ["```sh", "$ rm -rf /", "```", "```console", "$ npx bulkusers jobs", "No jobs yet.", "```"].join("\n"),
    );
    expect(steps).toEqual([{ command: "npx bulkusers jobs", expected: ["No jobs yet."], line: 5 }]);
    expect(
      shellWords(`npx bulkusers export --filter "department:Sales inactive:>90d" --out 'a b.csv'`),
    ).toEqual([
      "npx",
      "bulkusers",
      "export",
      "--filter",
      "department:Sales inactive:>90d",
      "--out",
      "a b.csv",
    ]);
    expect(
      normalise("Job job_7nvrc3czxmfb at 2026-12-01T16:21:36.220Z: 9 rows in 1.2 s (7 rows/s)", "/x"),
    ).toBe("Job <id> at <time>: 9 rows in <duration> (<rate>)");
    expect(matches(["a", "...", "d"], ["a", "b", "c", "d"])).toBe(true);
    expect(matches(["a", "...", "d"], ["a", "b", "c"])).toBe(false);
  });

  it("README.md has a tested tour", () => {
    expect(withExamples.map((e) => e.file)).toContain("README.md");
  });
});

describeEachDatabase("docs", (ctx) => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  for (const { file, steps } of withExamples) {
    it(`${file}: every console example runs as shown`, { timeout: 480_000 }, async () => {
      const dir = await mkdtemp(join(tmpdir(), "bulkusers-docs-"));
      dirs.push(dir);
      const cli = async (argv: string[]) => {
        let output = "";
        const io: CliIo = {
          stdout: (t) => {
            output += t;
          },
          stderr: (t) => {
            output += t;
          },
          env: { USER: "you" },
          cwd: dir,
          openDb: async () => ({ ...ctx.handle, close: async () => {} }),
        };
        const status = await runCli(argv, io);
        return status === 0
          ? output
          : `${output}${output.endsWith("\n") || !output ? "" : "\n"}(exit ${status})\n`;
      };
      const first = shellWords(steps[0]?.command ?? "");
      if (first[2] !== "seed-demo") {
        const seeded = await cli(["seed-demo"]);
        expect(seeded).toMatch(/^Seeded 200 users/m);
      }
      let lastJobId: string | undefined;
      for (const step of steps) {
        const words = shellWords(step.command).map((w) => {
          if (!w.includes("<id>")) return w;
          if (!lastJobId) throw new Error(`${file}:${step.line}: <id> before any command printed a job id`);
          return w.replaceAll("<id>", lastJobId);
        });
        let output: string;
        if (words[0] === "npx" && words[1] === "bulkusers") output = await cli(words.slice(2));
        else if (words[0] === "cat" && words.length === 2)
          output = (await readFile(join(dir, words[1]!), "utf8"))
            .replace(/^\uFEFF/, "")
            .replace(/\r\n/g, "\n");
        else
          throw new Error(
            `${file}:${step.line}: only \`npx bulkusers …\` and \`cat FILE\` run in console blocks`,
          );
        lastJobId = [...output.matchAll(/\bjob_[23456789a-z]{12}\b/g)].at(-1)?.[0] ?? lastJobId;
        const actual = trimBlank(normalise(output, dir).split("\n"));
        const expected = trimBlank(normalise(step.expected.join("\n"), dir).split("\n"));
        if (!matches(expected, actual)) {
          // The whole actual output, so the doc can be fixed by copying it.
          expect(actual.join("\n"), `${file}:${step.line}: $ ${step.command}`).toBe(expected.join("\n"));
        }
      }
    });
  }
});

describe("docs: the real bin", () => {
  it("`npx bulkusers` runs from the repository, as the README says", { timeout: 480_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "bulkusers-docs-bin-"));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, USER: "you" };
      delete env.INIT_CWD;
      const result = await new Promise<{ status: number; stdout: string; stderr: string }>(
        (resolve, reject) => {
          const child = spawn("npx", ["bulkusers", "licenses", "--db", `pglite:${join(dir, "db")}`], {
            cwd: ROOT,
            env,
            stdio: ["ignore", "pipe", "pipe"],
          });
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (d) => {
            stdout += d;
          });
          child.stderr.on("data", (d) => {
            stderr += d;
          });
          child.on("error", reject);
          child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
        },
      );
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(
        "No licenses yet; add one with `npx bulkusers license add <sku> --seats N`.\n",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
