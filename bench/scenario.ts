// One benchmark scenario on one database, in its own process (so peak RSS is this path's alone).
// Usage: tsx bench/scenario.ts <database-url> [--users 100000] [--rows 50000]
// Prints one JSON line with the measurements.
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import { readCsv, writeCsv } from "../src/core/csv/index.ts";
import { planOperation } from "../src/core/plan.ts";
import { openDatabase, queryRows } from "../src/directory/client.ts";
import { loadDirectoryView } from "../src/directory/view.ts";
import { createSealer } from "../src/jobs/secrets.ts";
import { confirm, type Engine, planFile, runUntilFinished } from "../src/jobs/service.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { users: { type: "string", default: "100000" }, rows: { type: "string", default: "50000" } },
});
const url = positionals[0] ?? "pglite:memory";
const directorySize = Number(values.users);
const fileRows = Number(values.rows);

const DEPARTMENTS = ["Sales", "Engineering", "Finance", "HR", "Marketing", "Support", "Operations", "Legal"];

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

const handle = await openDatabase(url);
const db = handle.db;
const engine: Engine = {
  db,
  sealer: createSealer("bench"),
  clock: () => new Date(),
  limits: { maxRows: 150_000, passwordMinLength: 6, leaseSeconds: 60 },
};

// A directory of `directorySize` users, set-based (this is setup, not measured).
await db.execute(sql`
  insert into users (email, display_name, first_name, last_name, department, job_title, employee_id, last_login_at)
  select 'employee' || g || '@bench.example', 'Employee ' || g, 'First' || g, 'Last' || g,
    (array['Sales','Engineering','Finance','HR','Marketing','Support','Operations','Legal'])[1 + g % 8],
    'Title ' || (g % 50), lpad(g::text, 7, '0'), now() - (g % 400) * interval '1 day'
  from generate_series(1, ${directorySize}) g`);
await db.execute(sql`analyze users`);

// The 50,000-row create file: new people, managers among existing users.
const header = [
  "UserPrincipalName",
  "DisplayName",
  "FirstName",
  "LastName",
  "Department",
  "JobTitle",
  "Manager",
  "EmployeeId",
];
const createRows = Array.from({ length: fileRows }, (_, i) => [
  `new.hire${i}@bench.example`,
  `New Hire ${i}`,
  `New${i}`,
  `Hire${i}`,
  DEPARTMENTS[i % DEPARTMENTS.length]!,
  `Associate ${i % 20}`,
  `employee${1 + (i % 1000)}@bench.example`,
  `N${String(i).padStart(6, "0")}`,
]);
const createFile = writeCsv(header, createRows);

// Bare csv-parse of the same bytes: the yardstick for planning.
const bareSamples: number[] = [];
for (let i = 0; i < 5; i++) {
  bareSamples.push((await timed(() => parse(Buffer.from(createFile), { bom: true, columns: true }))).ms);
}
const bareParseMs = median(bareSamples);

// Plan = read + load the directory rows it names + plan (pure). Median of 3.
const planSamples: number[] = [];
let summary = { change: 0, skip: 0, error: 0 };
for (let i = 0; i < 3; i++) {
  const { ms, value } = await timed(async () => {
    const read = readCsv(createFile, { maxRows: 150_000 });
    if (!read.ok) throw new Error(read.refusal.message);
    const emails = read.table.records.flatMap((r) => [r.values.email ?? "", r.values.manager ?? ""]);
    const directory = await loadDirectoryView(db, emails, new Date());
    return planOperation({
      operation: "create",
      table: read.table,
      directory,
      options: { passwordMinLength: 6 },
    });
  });
  planSamples.push(ms);
  if (value.ok) summary = value.plan.summary;
}
const planMs = median(planSamples);

// Plan and store, then run: users/s including job items, audit rows and sealed credentials.
const stored = await timed(() =>
  planFile(engine, { operation: "create", bytes: createFile, source: "cli", actor: "bench" }),
);
if (!stored.value.ok) throw new Error(stored.value.refusal.message);
const confirmed = await timed(() =>
  confirm(engine, {
    planId: stored.value.ok ? stored.value.stored.id : "",
    approvedBy: "bench",
    source: "cli",
    allowPartial: true,
  }),
);
const run = await timed(() => runUntilFinished(engine, confirmed.value.job.id, { owner: "bench" }));
const created = run.value[0];

// Update of 50,000 existing users (department and title change).
const updateFile = writeCsv(
  ["UserPrincipalName", "Department", "JobTitle"],
  Array.from({ length: fileRows }, (_, i) => [
    `employee${i + 1}@bench.example`,
    `Dept ${i % 13}`,
    `Role ${i % 17}`,
  ]),
);
const updatePlan = await timed(() =>
  planFile(engine, { operation: "update", bytes: updateFile, source: "cli", actor: "bench" }),
);
if (!updatePlan.value.ok) throw new Error(updatePlan.value.refusal.message);
const updateConfirm = await confirm(engine, {
  planId: updatePlan.value.stored.id,
  approvedBy: "bench",
  source: "cli",
  allowPartial: true,
});
const updateRun = await timed(() => runUntilFinished(engine, updateConfirm.job.id, { owner: "bench" }));
const updated = updateRun.value[0];

const [counts] = await queryRows<{ users: number; items: number; audit: number }>(
  db,
  sql`select (select count(*)::int from users) as users, (select count(*)::int from job_items) as items,
        (select count(*)::int from audit_log) as audit`,
);
await handle.close();

console.log(
  JSON.stringify({
    database: handle.kind,
    directoryUsers: directorySize,
    fileRows,
    planSummary: summary,
    bareParseMs: Math.round(bareParseMs),
    planMs: Math.round(planMs),
    planRatio: Number((planMs / bareParseMs).toFixed(2)),
    planAndStoreMs: Math.round(stored.ms),
    confirmMs: Math.round(confirmed.ms),
    createRunMs: Math.round(run.ms),
    createUsersPerSec: Math.round(((created?.succeeded ?? 0) / run.ms) * 1000),
    createSucceeded: created?.succeeded ?? 0,
    updatePlanMs: Math.round(updatePlan.ms),
    updateRunMs: Math.round(updateRun.ms),
    updateRowsPerSec: Math.round(((updated?.succeeded ?? 0) / updateRun.ms) * 1000),
    updateSucceeded: updated?.succeeded ?? 0,
    finalCounts: counts,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
