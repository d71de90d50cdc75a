// A batch's job items (each row's outcome, before/after for undo) and the audit rows of its succeeded rows,
// written inside the batch's transaction. Straight into their tables with COPY in the common case; through
// a staging table and an INSERT … ON CONFLICT when a row of the batch may already have an item.
import { type SQL, sql } from "drizzle-orm";
import { type Executor, queryRows } from "../directory/client.ts";
import {
  type CopyValue,
  copyIn,
  copyRows,
  type StagingTable,
  stage,
  unlessKeyConflict,
} from "../directory/copy.ts";
import type { JobRecord } from "../directory/schema.ts";
import type { ItemOutcome } from "./apply.ts";

/** A row's place in the file and the plan, and its action's kind: what its job item records. */
export interface ItemPlace {
  line: number;
  seq: number;
  key: string;
  kind: string;
}

/**
 * Writes the batch's items and audit rows; returns how many items it wrote. Fewer than the outcomes means
 * some row already had its outcome — run by another owner — and the caller must not commit.
 */
export async function writeItems(
  tx: Executor,
  job: JobRecord,
  outcomes: ItemOutcome[],
  places: Map<number, ItemPlace>,
  auditExtra: string,
  nowIso: string,
): Promise<number> {
  const batch: Batch = { tx, job, outcomes, places, auditExtra, nowIso };
  return (await writeDirectly(batch)) ? outcomes.length : writeChecked(batch);
}

interface Batch {
  tx: Executor;
  job: JobRecord;
  outcomes: ItemOutcome[];
  places: Map<number, ItemPlace>;
  /** The plan context's audit extras (JSON object text): copied into every audit row's details. */
  auditExtra: string;
  nowIso: string;
}

/**
 * The batch's job items COPYed straight into `job_items` — the common case, where no row of the batch has
 * an item yet — and the audit rows of its succeeded rows copied from those items by the server (the
 * before/after values are not sent twice). False, with nothing written, when a row has an item already
 * (the COPY is refused for the key and rolled back to its savepoint): a job confirmed before items were
 * written at commit, or another owner's run; writeChecked then sorts it out. On the server this took
 * 75–100 ms a 5,000-row batch where staging and upserting took 120–145.
 */
async function writeDirectly(batch: Batch): Promise<boolean> {
  const { tx, job, outcomes } = batch;
  return unlessKeyConflict(tx, async () => {
    await copyIn(
      tx,
      "job_items",
      ["job_id", ...ITEM_COLUMNS, "processed_at"],
      copyRows(outcomes.keys(), (i) => [job.id, ...outcomeFields(batch, i), batch.nowIso]),
    );
    const succeeded = outcomes.flatMap((o) => (o.status === "succeeded" ? [o.row] : []));
    if (!succeeded.length) return;
    // Through the items' key (job_id, row): one index probe a row, whatever the job's size.
    await tx.execute(
      auditRows(
        batch,
        sql`(select row, seq, key, status, before, after from job_items
          where job_id = ${job.id} and row = any(${`{${succeeded.join(",")}}`}::int[]))`,
      ),
    );
  });
}

/**
 * The batch's items and audit rows when some of its rows may have an item already: the outcomes are
 * COPYed into the session's staging table; then one statement writes them as the rows' job items and
 * writes the audit rows of the succeeded ones (the audit copies before/after from the items). An item
 * already there is a job confirmed before items were written at commit: it is filled in if still
 * pending, never written twice. Returns how many items it wrote.
 */
async function writeChecked(batch: Batch): Promise<number> {
  const { tx, job, outcomes, nowIso } = batch;
  await stage(
    tx,
    OUTCOMES_STAGE,
    copyRows(outcomes.keys(), (i) => outcomeFields(batch, i)),
  );
  const [written] = await queryRows<{ items: number }>(
    tx,
    sql`
      with done as (
        insert into job_items (job_id, ${sql.raw(ITEM_COLUMNS.join(", "))}, processed_at)
        select ${job.id}, ${sql.raw(ITEM_COLUMNS.map((c) => `x.${c}`).join(", "))}, ${nowIso}::timestamptz
        from ${sql.raw(OUTCOMES_STAGE.name)} x
        on conflict (job_id, row) do update set status = excluded.status, reason = excluded.reason,
          before = excluded.before, after = excluded.after, user_id = excluded.user_id,
          processed_at = excluded.processed_at
        where job_items.status = 'pending'
        returning job_items.row, job_items.seq, job_items.key, job_items.status, job_items.before,
          job_items.after
      ), audit as (${auditRows(batch, sql`done`)})
      select count(*)::int as items from done`,
  );
  return Number(written?.items);
}

/**
 * The audit rows of the succeeded rows among `items` (job items: row, seq, key, status, before, after),
 * in execution order. Both paths write them this way, from the items the server has just written.
 */
function auditRows({ job, auditExtra, nowIso }: Batch, items: SQL): SQL {
  return sql`insert into audit_log (at, actor, source, action, target, before, after, job_id, details)
    select ${nowIso}::timestamptz, ${job.approvedBy}, ${job.source}, ${`user.${job.operation}`}, i.key,
      i.before, i.after, ${job.id}, jsonb_build_object('row', i.row) || ${auditExtra}::jsonb
    from ${items} i where i.status = 'succeeded'
    order by i.seq, i.row`;
}

const OUTCOMES_STAGE: StagingTable = {
  name: "bulkusers_stage_outcomes",
  columns: [
    ["row", "int"],
    ["line", "int"],
    ["seq", "int"],
    ["key", "text"],
    ["action", "text"],
    ["status", "text"],
    ["reason", "text"],
    ["before", "jsonb"],
    ["after", "jsonb"],
    ["user_id", "uuid"],
  ],
};
/** A job item's own columns, as the outcomes are staged and as both paths write them. */
const ITEM_COLUMNS = OUTCOMES_STAGE.columns.map(([name]) => name);

/** Outcome i of the batch as a job item's fields (the staging table's columns, in order). */
function outcomeFields({ outcomes, places }: Batch, i: number): CopyValue[] {
  const o = outcomes[i]!;
  const place = places.get(o.row)!;
  return [
    o.row,
    place.line,
    place.seq,
    place.key,
    place.kind,
    o.status,
    o.reason,
    // Made as the line is built, not kept for the batch (see insertDirectly in apply/create.ts).
    o.before === null ? null : JSON.stringify(o.before),
    o.after === null ? null : JSON.stringify(o.after),
    o.userId,
  ];
}
