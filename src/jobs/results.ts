// What a job hands back: the results CSV (every data row of the input, in order, with Status and Reason
// in front of the original columns, so the file can be fixed and re-uploaded as is), the errors-only CSV,
// and the credentials CSV (temporary passwords, for the approver only, deleted once delivered).
import { asc, eq } from "drizzle-orm";
import { headerKey, writeCsv } from "../core/csv/index.ts";
import type { Database } from "../directory/client.ts";
import { type JobItemRecord, type JobRecord, jobCredentials } from "../directory/schema.ts";
import { readUpload } from "../files/read.ts";
import { type JobOutcome, listJobOutcomes } from "./job-store.ts";
import { loadPlan } from "./plan-store.ts";
import type { Sealer } from "./secrets.ts";
import { welcomeOutcomes } from "./welcome-delivery.ts";

export const STATUS_LABEL = {
  succeeded: "Succeeded",
  failed: "Failed",
  skipped: "Skipped",
  pending: "Failed",
} as const;

/** Our own status columns in a re-uploaded results file are replaced, not repeated. */
const OWN_COLUMNS = new Set(["status", "reason", "failurereason", "welcome"]);

export interface ResultRow {
  row: number;
  line: number;
  key: string;
  status: "succeeded" | "failed" | "skipped";
  reason: string;
}

function itemReason(item: Pick<JobItemRecord, "status" | "reason">, job: JobRecord): string {
  if (item.status !== "pending") return item.reason;
  return job.error ? `Not run: the job failed (${job.error})` : "Not run yet";
}

export function toResultRows(items: JobOutcome[], job: JobRecord): ResultRow[] {
  return items.map((item) => ({
    row: item.row,
    line: item.line,
    key: item.key,
    status: item.status === "pending" ? "failed" : item.status,
    reason: itemReason(item, job),
  }));
}

export interface ResultsCsvOptions {
  /** Only failed rows: the file to fix and upload again. */
  onlyFailed?: boolean;
}

/** The results CSV bytes: `Status`, `Reason`, then the original columns, one line per data row, in input order. */
export async function resultsCsv(
  db: Database,
  job: JobRecord,
  options: ResultsCsvOptions = {},
): Promise<Uint8Array> {
  const stored = await loadPlan(db, job.planId);
  const items = await listJobOutcomes(db, job.id);
  const read = stored?.file
    ? await readUpload(stored.file, { maxRows: Number.MAX_SAFE_INTEGER, operation: stored.plan.operation })
    : null;
  const table = read?.ok ? read.table : null;
  const header = table?.header ?? ["UserPrincipalName"];
  const keep = header.map((h, i) => ({ h, i })).filter(({ h }) => !OWN_COLUMNS.has(headerKey(h)));
  const cellsOf = new Map(table?.records.map((r) => [r.row, r.cells]) ?? []);
  // A password the file supplied is never written back out: the column stays (so the file can be fixed and
  // re-uploaded) but its cells are empty, and a re-upload generates temporary passwords instead.
  const secretColumns = new Set(
    table?.columns.filter((c) => c.field === "password").map((c) => c.index) ?? [],
  );
  // Jobs that sent welcome messages say, per row, where each went (or why it did not).
  const welcome = await welcomeOutcomes(db, job.id);
  const rows: string[][] = [];
  for (const item of items) {
    const status = item.status === "pending" ? "failed" : item.status;
    if (options.onlyFailed && status !== "failed") continue;
    const cells = cellsOf.get(item.row);
    const original = cells ? keep.map(({ i }) => (secretColumns.has(i) ? "" : (cells[i] ?? ""))) : [item.key];
    const welcomeCell = welcome.size ? [welcome.get(item.row) ?? ""] : [];
    rows.push([STATUS_LABEL[status], itemReason(item, job), ...welcomeCell, ...original]);
  }
  return writeCsv(
    ["Status", "Reason", ...(welcome.size ? ["Welcome"] : []), ...keep.map(({ h }) => h)],
    rows,
  );
}

export interface Credential {
  row: number;
  email: string;
  password: string;
}

/** Temporary passwords of a job, unsealed, in row order (empty when none or already delivered). */
export async function readCredentials(db: Database, sealer: Sealer, jobId: string): Promise<Credential[]> {
  const batches = await db
    .select()
    .from(jobCredentials)
    .where(eq(jobCredentials.jobId, jobId))
    .orderBy(asc(jobCredentials.firstRow));
  return batches
    .flatMap((b) => JSON.parse(sealer.open(b.sealed)) as Credential[])
    .sort((a, b) => a.row - b.row);
}

export function credentialsCsv(credentials: Credential[]): Uint8Array {
  return writeCsv(
    ["UserPrincipalName", "TemporaryPassword"],
    credentials.map((c) => [c.email, c.password]),
  );
}

/** Once the approver has the file, the passwords are gone from the database. */
export async function forgetCredentials(db: Database, jobId: string): Promise<void> {
  await db.delete(jobCredentials).where(eq(jobCredentials.jobId, jobId));
}
