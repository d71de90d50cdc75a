// `npm run bench`: the performance targets of issue 10 as ratios against references measured in the same
// run, on the embedded database and, when BENCH_DATABASE_URL points at a PostgreSQL server, on a
// throwaway database there. Each database is measured by bench/scenario.ts in its own process, which runs
// the real CLI (bin/bulkusers.js) once per command. Prints a table and one JSON line. See docs/performance.md.
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
    rows: { type: "string", default: "50000,150000" },
    only: { type: "string" },
  },
});
const here = dirname(fileURLToPath(import.meta.url));

interface CliRun {
  command: string;
  ms: number;
  peakRssMb: number;
  cpuMs: number;
  exitCode: number | null;
}

interface Result {
  database: "pglite" | "postgres";
  sizes: number[];
  updateRows: number;
  bareParseMs: number;
  planMs: number;
  planRatio: number;
  copyMs: Record<string, number>;
  /** The hand-written set-based create (users, job items, audit rows; see scenario.ts). */
  floorMs?: Record<string, number>;
  updateReferenceMs: number;
  disableReferenceMs: number;
  /** The same floor for update and disable: COPY + UPDATE … FROM + job items + audit rows. */
  updateFloorMs?: number;
  disableFloorMs?: number;
  /** Each file's plan alone, in-process (key: create-N, update-N, disable-N). */
  planOfMs?: Record<string, number>;
  /** `jobs --json`, the whole process, median of 5. */
  startupMs?: number;
  startupPeakRssMb?: number;
  runs: Record<string, CliRun>;
}

function scenario(url: string, work: string): Result {
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(here, "scenario.ts"),
      url,
      "--users",
      values.users!,
      "--rows",
      values.rows!,
      "--work",
      work,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as Result;
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

const work = mkdtempSync(join(tmpdir(), "bulkusers-bench-"));
const results: Result[] = [];
const pgUrl = process.env.BENCH_DATABASE_URL;
try {
  if (values.only !== "postgres") results.push(scenario(`pglite:${join(work, "pglite")}`, work));
  if (pgUrl && values.only !== "pglite") results.push(await withPostgres(pgUrl, (u) => scenario(u, work)));
  if (!pgUrl) console.error("BENCH_DATABASE_URL is not set: PostgreSQL was not measured.");
} finally {
  rmSync(work, { recursive: true, force: true });
}

const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
const x = (n: number) => `${n.toFixed(2)}×`;
const postgresResult = results.find((r) => r.database === "postgres");

interface Line {
  database: string;
  figure: string;
  measured: string;
  reference: string;
  ratio: string;
  target: string;
}
// A command's wall time with the CPU time of its process: the rest it waited (for the database, on PostgreSQL).
const took = (run: CliRun) => `${run.ms} ms (CPU ${run.cpuMs} ms)`;
const lines: Line[] = [];
type AddLine = (figure: string, measured: string, reference: string, ratio: string, target: string) => void;
/**
 * The least any implementation of the command can take on this machine in this run: the process's start
 * (`jobs --json`), the file's plan alone (nothing runs before the whole file is validated) and the
 * set-based floor of what must be written — one after the other, as the product's rules order them.
 * Above the target, the target is out of reach here whatever the engine does.
 */
function least(
  line: AddLine,
  r: Result,
  key: string,
  [floor, reference]: [number, number],
  name: string,
  target: number,
) {
  const plan = r.planOfMs?.[key];
  const startup = r.startupMs;
  if (plan === undefined || startup === undefined) return;
  const ms = startup + plan + floor;
  line(
    "  least possible (start + plan + floor)",
    `${ms} ms (${startup} + ${plan} + ${floor})`,
    `${name} ${reference} ms`,
    x(ms / reference),
    ms / reference > target ? `out of reach (> ${target}×)` : "(reference)",
  );
}
for (const r of results) {
  const line = (figure: string, measured: string, reference: string, ratio: string, target: string) =>
    lines.push({ database: r.database, figure, measured, reference, ratio, target });
  line(
    "plan (read+validate+diff)",
    `${r.planMs} ms`,
    `csv-parse ${r.bareParseMs} ms`,
    x(r.planRatio),
    `≤ 3× ${mark(r.planRatio <= 3)}`,
  );
  for (const rows of r.sizes) {
    const run = r.runs[`create-${rows}`]!;
    const copy = r.copyMs[rows]!;
    line(
      `run create ${rows}`,
      took(run),
      `COPY ${copy} ms`,
      x(run.ms / copy),
      `≤ 4× ${mark(run.ms / copy <= 4)}`,
    );
    const floor = r.floorMs?.[rows];
    if (floor) {
      line(`  set-based floor ${rows}`, `${floor} ms`, `COPY ${copy} ms`, x(floor / copy), "(reference)");
      least(line, r, `create-${rows}`, [floor, copy], "COPY", 4);
    }
  }
  for (const [op, reference, floor] of [
    ["update", r.updateReferenceMs, r.updateFloorMs],
    ["disable", r.disableReferenceMs, r.disableFloorMs],
  ] as const) {
    const run = r.runs[`${op}-${r.updateRows}`]!;
    line(
      `run ${op} ${r.updateRows}`,
      took(run),
      `COPY+UPDATE ${reference} ms`,
      x(run.ms / reference),
      `≤ 2× ${mark(run.ms / reference <= 2)}`,
    );
    if (floor) {
      line(
        `  set-based floor ${op}`,
        `${floor} ms`,
        `COPY+UPDATE ${reference} ms`,
        x(floor / reference),
        "(reference)",
      );
      least(line, r, `${op}-${r.updateRows}`, [floor, reference], "COPY+UPDATE", 2);
    }
  }
  if (r.startupMs !== undefined) {
    line(
      "CLI start-up (jobs --json)",
      `${r.startupMs} ms (peak ${r.startupPeakRssMb} MB)`,
      "",
      "",
      r.database === "postgres" ? `≤ 400 ms ${mark(r.startupMs <= 400)}` : "(PGlite's own start)",
    );
  }
  const peak = Math.max(...Object.values(r.runs).map((run) => run.peakRssMb));
  const worst = Object.entries(r.runs).find(([, run]) => run.peakRssMb === peak)?.[0] ?? "";
  line(
    "peak RSS of the CLI",
    `${peak} MB (${worst})`,
    "",
    "",
    r.database === "postgres" ? `≤ 300 MB ${mark(peak <= 300)}` : "",
  );
  if (r.database === "pglite" && postgresResult) {
    for (const [key, run] of Object.entries(r.runs)) {
      const pg = postgresResult.runs[key];
      if (!pg) continue;
      line(
        `${key} PGlite vs PostgreSQL`,
        `${run.ms} ms`,
        `${pg.ms} ms`,
        x(run.ms / pg.ms),
        `≤ 2× ${mark(run.ms / pg.ms <= 2)}`,
      );
    }
  }
  const failed = Object.entries(r.runs).filter(([, run]) => run.exitCode !== 0);
  for (const [key, run] of failed) line(key, `exit ${run.exitCode}`, "", "", "FAILED");
}
console.table(lines);

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
const idleResults: { database: string; idleRssMb: number }[] = [];
if (values.only !== "postgres") {
  const idleDir = mkdtempSync(join(tmpdir(), "bulkusers-bench-idle-"));
  try {
    idleResults.push(idle(`pglite:${idleDir}`));
  } finally {
    rmSync(idleDir, { recursive: true, force: true });
  }
}
if (pgUrl && values.only !== "pglite") idleResults.push(await withPostgres(pgUrl, idle));
console.table(
  idleResults.map((r) => ({
    database: r.database,
    "idle server RSS MB": `${r.idleRssMb}${r.database === "postgres" ? ` ${mark(r.idleRssMb <= 150)}` : ""}`,
  })),
);
console.log(
  JSON.stringify({
    bench: "bulkusers",
    users: Number(values.users),
    rows: values.rows,
    results,
    idle: idleResults,
  }),
);
