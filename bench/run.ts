// `npm run bench`: the performance targets of DESIGN.md §8, measured on the embedded database and, when
// BENCH_DATABASE_URL points at a PostgreSQL server, on a throwaway database there. Each target runs in
// its own process (bench/scenario.ts) so its peak RSS is its own. Prints a table and one JSON line.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import postgres from "postgres";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    rows: { type: "string", default: "50000" },
    only: { type: "string" },
  },
});
const here = dirname(fileURLToPath(import.meta.url));

interface Result {
  database: string;
  bareParseMs: number;
  planMs: number;
  planRatio: number;
  createUsersPerSec: number;
  updateRowsPerSec: number;
  peakRssMb: number;
  [key: string]: unknown;
}

function scenario(url: string): Result {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", join(here, "scenario.ts"), url, "--users", values.users!, "--rows", values.rows!],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 },
  );
  const line = out.trim().split("\n").pop() ?? "{}";
  return JSON.parse(line) as Result;
}

async function withPostgres<T>(base: string, fn: (url: string) => T): Promise<T> {
  const name = `bulkusers_bench_${randomBytes(4).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  try {
    const url = new URL(base);
    url.pathname = `/${name}`;
    return fn(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

const results: Result[] = [];
if (values.only !== "postgres") results.push(scenario("pglite:memory"));
const pgUrl = process.env.BENCH_DATABASE_URL;
if (pgUrl && values.only !== "pglite") results.push(await withPostgres(pgUrl, scenario));
if (!pgUrl) console.error("BENCH_DATABASE_URL is not set: PostgreSQL was not measured.");

const check = (ok: boolean) => (ok ? "ok" : "MISSED");
const rows = results.map((r) => ({
  database: r.database,
  "plan / bare parse": `${r.planRatio}× (${r.planMs} / ${r.bareParseMs} ms) ${check(r.planRatio <= 3)}`,
  "create users/s": `${r.createUsersPerSec}${r.database === "postgres" ? ` ${check(r.createUsersPerSec >= 30_000)}` : ""}`,
  "update rows/s": `${r.updateRowsPerSec}${r.database === "postgres" ? ` ${check(r.updateRowsPerSec >= 25_000)}` : ""}`,
  "peak RSS MB": `${r.peakRssMb}${r.database === "postgres" ? ` ${check(r.peakRssMb < 300)}` : ""}`,
}));
console.table(rows);

// Idle server memory (bench/idle-memory.ts): the compiled server, one process, on each database.
execFileSync(process.execPath, [join(here, "..", "scripts", "build.mjs")], { stdio: "inherit" });
const idle = (url: string) =>
  JSON.parse(
    execFileSync(process.execPath, ["--import", "tsx", join(here, "idle-memory.ts"), url], {
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .pop() ?? "{}",
  ) as { database: string; idleRssMb: number };
const idleDir = mkdtempSync(join(tmpdir(), "bulkusers-bench-idle-"));
const idleResults = [idle(`pglite:${idleDir}`)];
rmSync(idleDir, { recursive: true, force: true });
if (pgUrl) idleResults.push(await withPostgres(pgUrl, idle));
console.table(
  idleResults.map((r) => ({
    database: r.database,
    "idle server RSS MB": `${r.idleRssMb}${r.database === "postgres" ? ` ${check(r.idleRssMb <= 150)}` : ""}`,
  })),
);
console.log(
  JSON.stringify({
    bench: "bulkusers",
    users: Number(values.users),
    rows: Number(values.rows),
    results,
    idle: idleResults,
  }),
);
