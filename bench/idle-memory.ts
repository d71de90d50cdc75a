// Idle server memory (DESIGN §8: idle server ≤ 150 MB on PostgreSQL): starts the compiled server
// (`node dist/main.js`, what `npm start` runs) on a database, waits until it listens and has been idle
// a few seconds, and sums the resident memory (VmRSS) of its whole process tree. Prints one JSON line:
//   node --import tsx bench/idle-memory.ts <database-url> [--idle-ms N] [-- command args…]
// With `-- command…` it measures that command instead (e.g. an older checkout's `npm start`).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "idle-ms": { type: "string", default: "5000" }, cwd: { type: "string" } },
});
const [url, ...command] = positionals;
if (!url) {
  process.stderr.write("usage: idle-memory.ts <database-url> [--idle-ms N] [-- command args…]\n");
  process.exit(2);
}
const root = join(import.meta.dirname, "..");

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  const queue = [pid];
  while (queue.length) {
    const current = queue.shift()!;
    for (const [child, parent] of parents) {
      if (parent !== current) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

const [program, ...args] = command.length ? command : [process.execPath, "dist/main.js"];
const child = spawn(program!, args, {
  cwd: values.cwd ?? root,
  env: { ...process.env, DATABASE_URL: url, PORT: "0", LOG_FORMAT: "json", LOG_LEVEL: "info" },
  stdio: ["ignore", "pipe", "inherit"],
});
let output = "";
child.stdout.on("data", (chunk) => {
  output += chunk;
});
const deadline = Date.now() + 300_000;
while (!/listening on/.test(output)) {
  if (child.exitCode !== null || Date.now() > deadline) {
    process.stderr.write(`server did not start:\n${output}\n`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await new Promise((resolve) => setTimeout(resolve, Number(values["idle-ms"])));
const tree = [child.pid!, ...childrenOf(child.pid!)];
const processes = tree
  .map((pid) => ({
    pid,
    rssMb: Math.round(rssKb(pid) / 1024),
    command: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim().slice(0, 80),
  }))
  .filter((p) => p.rssMb > 0);
const rssMb = processes.reduce((sum, p) => sum + p.rssMb, 0);
for (const pid of tree.reverse()) {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // gone
  }
}
await new Promise((resolve) => child.once("exit", resolve));
console.log(
  JSON.stringify({
    database: url.startsWith("pglite:") ? "pglite" : "postgres",
    idleRssMb: rssMb,
    processes,
  }),
);
