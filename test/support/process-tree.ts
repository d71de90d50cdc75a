// Real processes for the service tests: spawn `npm start` (npm → node), list a process's descendants
// from /proc, and tell whether a PID is still alive — so a test can show that nothing was left behind.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** The environment a child gets: the test's, minus vitest's markers and every bulkusers setting. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(VITEST|SLACK_|BULKUSERS_|DATABASE_URL$|PORT$|API_TOKENS$|LOG_|npm_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Parent PID of every process, from /proc/<pid>/stat (the field after the parenthesised name). */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      map.set(Number(entry), Number(after[1]));
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

export function descendants(pid: number): number[] {
  const map = parents();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const current = queue.shift()!;
    for (const [child, parent] of map) {
      if (parent === current) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** Alive and not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

export interface Spawned {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWatched(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Spawned {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk) => {
    output.stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output.stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output, exited };
}

/** Waits until `find` returns something from the output (generous timeout; nothing timed). */
export async function waitForOutput<T>(
  spawned: Spawned,
  find: (output: { stdout: string; stderr: string }) => T | undefined,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = find(spawned.output);
    if (value !== undefined) return value;
    if (spawned.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `no ${what}; stdout: ${spawned.output.stdout.slice(-2000)} stderr: ${spawned.output.stderr.slice(-2000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The port from the server's "listening" log line (JSON logs). */
export function listeningPort(output: { stdout: string }): number | undefined {
  const match = /"port":(\d+)[^\n]*listening on/.exec(output.stdout);
  return match ? Number(match[1]) : undefined;
}
