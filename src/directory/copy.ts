// Bulk writes with COPY … FROM STDIN, whatever the driver: rows travel as COPY text (tab-separated), which
// the server reads without parsing one large JSON document per batch. PGlite reads it from its `/dev/blob`
// device; postgres.js streams it through `writable()`.
//
// postgres.js has a known defect: when the server rejects COPY data, the writable stream's `end()` never
// calls back (its `final` callback waits for a CommandComplete that never comes) and the error goes to the
// query promise, which has already resolved to the stream. `copyIn` therefore listens for the query's
// rejection itself, so a failed COPY rejects (and the transaction around it rolls back) instead of hanging
// with its connection held.
import type { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import type { Executor } from "./client.ts";

/** How much COPY text PGlite is given at once (see copyIn). */
const PGLITE_COPY_BYTES = 2 * 1024 * 1024;

/** One COPY value: null is `\N`; everything else is written as text. */
export type CopyValue = string | number | boolean | null | undefined;

const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** A value in COPY text format (backslash, tab, newline and carriage return escaped). */
export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return "\\N";
  const text = typeof value === "string" ? value : String(value);
  // Most values have nothing to escape: skip the regular expression replace for them.
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c) : text;
}

/** Byte codes COPY text needs: tab, newline, carriage return, backslash; and the letters of their escapes. */
const TAB = 9;
const LF = 10;
const CR = 13;
const BACKSLASH = 92;
const ESCAPED: Record<number, number> = { [TAB]: 116, [LF]: 110, [CR]: 114, [BACKSLASH]: BACKSLASH };

/** Values up to this length are written a character at a time; longer ones by the UTF-8 encoder. */
const SHORT_VALUE = 24;

/**
 * Rows in COPY text format, one line per row, as UTF-8 bytes. Each value is written straight into the
 * buffer: a short ASCII one a character at a time, escaped on the way (cheaper than a call into the
 * encoder); a longer one — or one with other characters — through `copyField` and the UTF-8 encoder.
 * Building the text as one string first made V8 allocate a rope of a string piece per value and
 * separator (a 50,000-row create allocated 250 MB of them: a sixth of all it allocated) which the
 * encoder then had to flatten: this takes a third of the time (`bench`-sized rows of plans, users and
 * job items: 375–540 → 125–160 ms for 150,000 rows, in one process).
 */
export function copyBytes(rows: Iterable<readonly CopyValue[]>, sizeHint = 64 * 1024): Buffer {
  let buffer = Buffer.allocUnsafe(sizeHint);
  let used = 0;
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      const text =
        value === null || value === undefined ? null : typeof value === "string" ? value : String(value);
      // Room for the separator, the line break and the worst case of every character: 3 UTF-8 bytes, or
      // 2 for an escaped one (a null is `\N`).
      const room = (text === null ? 2 : text.length * 3) + 2;
      if (used + room > buffer.length) {
        const larger = Buffer.allocUnsafe(Math.max(buffer.length * 2, used + room));
        buffer.copy(larger, 0, 0, used);
        buffer = larger;
      }
      if (i) buffer[used++] = TAB;
      if (text === null) {
        buffer[used++] = BACKSLASH;
        buffer[used++] = 78; // N
        continue;
      }
      if (text.length > SHORT_VALUE) {
        used += buffer.write(copyField(text), used, "utf8");
        continue;
      }
      const start = used;
      let k = 0;
      for (; k < text.length; k++) {
        const code = text.charCodeAt(k);
        if (code >= 0x80) break;
        const escaped = code === TAB || code === LF || code === CR || code === BACKSLASH;
        if (escaped) buffer[used++] = BACKSLASH;
        buffer[used++] = escaped ? ESCAPED[code]! : code;
      }
      if (k < text.length) used = start + buffer.write(copyField(text), start, "utf8");
    }
    buffer[used++] = LF;
  }
  return buffer.subarray(0, used);
}

interface PgliteLike {
  exec(sql: string, options?: { blob?: Blob; onNotice?: () => void }): Promise<unknown>;
}

interface PostgresQueryLike extends Promise<unknown> {
  writable(): Promise<Writable>;
  reject: (error: unknown) => void;
}

interface PostgresLike {
  unsafe(sql: string): PostgresQueryLike;
}

/** The driver's own client behind a Drizzle database or transaction (PGlite or postgres.js). */
function rawClient(ex: Executor): PgliteLike | PostgresLike {
  const session = (ex as unknown as { session?: { client?: unknown } }).session;
  const client = session?.client ?? (ex as unknown as { $client?: unknown }).$client;
  if (!client) throw new Error("copyIn: no driver client behind this executor");
  return client as PgliteLike | PostgresLike;
}

function isPglite(client: PgliteLike | PostgresLike): client is PgliteLike {
  return typeof (client as PgliteLike).exec === "function" && !("unsafe" in client);
}

/** `items` mapped to COPY rows one at a time, as they are read (a lazy `map`: rows built as they are sent). */
export function* copyRows<T>(
  items: Iterable<T>,
  toRow: (item: T) => readonly CopyValue[],
): Generator<readonly CopyValue[]> {
  for (const item of items) yield toRow(item);
}

/** Rows of COPY text per piece (~100–300 KB): small enough to be written while the next is built. */
const ROWS_PER_PIECE = 1000;

/** The rows' COPY text, a piece of ROWS_PER_PIECE rows at a time, each built when it is asked for. */
function* pieces(rows: Iterable<readonly CopyValue[]>): Generator<Uint8Array> {
  let batch: (readonly CopyValue[])[] = [];
  // Each piece's buffer starts at the size of the one before, with room to spare: grown while it is
  // written, a piece was copied once or twice (80 ms of a 50,000-row create).
  let size = 64 * 1024;
  const piece = () => {
    const bytes = copyBytes(batch, size);
    size = Math.max(size, Math.ceil(bytes.length * 1.25));
    batch = [];
    return bytes;
  };
  for (const row of rows) {
    batch.push(row);
    if (batch.length === ROWS_PER_PIECE) yield piece();
  }
  if (batch.length) yield piece();
}

/**
 * `COPY table (columns) FROM STDIN` with the given rows (or COPY text already built). Rows are turned into
 * text a piece at a time, each piece sent as the server takes the one before (the stream's backpressure):
 * building and the server's writing overlap, and the whole text is never in memory at once. Give rows
 * lazily (a generator, `copyRows`) and they are made only as they are sent. Use it inside a transaction
 * when what follows depends on it: a failure rejects and the transaction rolls back. `table` and
 * `columns` are identifiers from the code, never from input.
 */
export async function copyIn(
  ex: Executor,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]> | string,
  format: "text" | "csv-with-header" = "text",
  before = "",
): Promise<void> {
  const text: Iterable<string | Uint8Array> = typeof rows === "string" ? [rows] : pieces(rows);
  const options = format === "csv-with-header" ? " with (format csv, header true)" : "";
  const client = rawClient(ex);
  // `before`: statements sent in the same simple query, ahead of the COPY (one round trip, not two).
  const prefix = before ? `${before}; ` : "";
  if (isPglite(client)) {
    // PGlite takes a COPY's data whole (a Blob copied into its WASM memory, which never shrinks): the
    // pieces go in COPYs of about 2 MB each, in the caller's transaction, so memory stays bounded.
    let parts: (string | Uint8Array)[] = [];
    let size = 0;
    let first = true;
    const send = async () => {
      await client.exec(
        `${first ? prefix : ""}copy ${table} (${columns.join(", ")}) from '/dev/blob'${options}`,
        { blob: new Blob(parts), onNotice: () => {} },
      );
      first = false;
      parts = [];
      size = 0;
    };
    for (const piece of text) {
      parts.push(piece);
      size += piece.length;
      // (CSV with a header is sent whole: each COPY would take its first line for a header.)
      if (size >= PGLITE_COPY_BYTES && format === "text") await send();
    }
    // The last part; and with no rows at all, one empty COPY all the same (it runs `before`).
    if (parts.length || first) await send();
    return;
  }
  await copyInPostgres(client, `${prefix}copy ${table} (${columns.join(", ")}) from stdin${options}`, text);
}

async function copyInPostgres(
  client: PostgresLike,
  statement: string,
  pieces: Iterable<string | Uint8Array>,
): Promise<void> {
  const query = client.unsafe(statement);
  // The server's rejection of the data reaches `query.reject` (see the note at the top of this file).
  const failed = new Promise<never>((_, reject) => {
    const original = query.reject;
    query.reject = (error: unknown) => {
      original(error);
      reject(error);
    };
  });
  failed.catch(() => undefined);
  const stream = await Promise.race([query.writable(), failed]);
  const broken = new Promise<never>((_, reject) => stream.once("error", reject));
  broken.catch(() => undefined);
  const iterator = pieces[Symbol.iterator]();
  for (;;) {
    let next: IteratorResult<string | Uint8Array>;
    try {
      next = iterator.next();
    } catch (error) {
      // The rows could not be built: abandon the COPY (CopyFail), so the server ends it and the
      // connection is free for the caller's rollback, and report why.
      stream.destroy(error instanceof Error ? error : new Error(String(error)));
      await failed.catch(() => undefined);
      throw error;
    }
    if (next.done) break;
    // A full buffer: wait until the socket has taken it before building the next piece.
    if (!stream.write(next.value)) {
      await Promise.race([new Promise<void>((resolve) => stream.once("drain", resolve)), failed, broken]);
    }
  }
  const written = new Promise<void>((resolve) => stream.end(() => resolve()));
  await Promise.race([written, failed, broken]);
}

/** A staging table: a temporary table of this session, emptied at every commit. Name and types from the code. */
export interface StagingTable {
  name: string;
  columns: readonly (readonly [name: string, type: string])[];
}

/**
 * Empties (or creates) the session's staging table and COPYs the rows into it, inside the caller's
 * transaction: the set-based statements that follow read the batch from it. `on commit delete rows`
 * leaves it empty for the next batch, and a rolled-back batch leaves nothing behind either.
 */
export async function stage(
  ex: Executor,
  table: StagingTable,
  rows: Iterable<readonly CopyValue[]>,
): Promise<void> {
  const columns = table.columns.map(([name, type]) => `${name} ${type}`).join(", ");
  // Created on a session's first batch; the "already exists, skipping" notice after that is expected.
  const ddl = `create temp table if not exists ${table.name} (${columns}) on commit delete rows`;
  await copyIn(
    ex,
    table.name,
    table.columns.map(([name]) => name),
    rows,
    "text",
    ddl,
  );
}

/** SQLSTATEs of a key refused: unique_violation, foreign_key_violation. */
const KEY_CONFLICTS = new Set(["23505", "23503"]);

/**
 * True for an error of the server refusing a row for a key (a duplicate, a missing referenced row): the
 * driver's own error, or one Drizzle wrapped around it (`cause`).
 */
function isKeyConflict(error: unknown): boolean {
  const codeOf = (e: unknown) => String((e as { code?: unknown } | null)?.code);
  return (
    KEY_CONFLICTS.has(codeOf(error)) ||
    KEY_CONFLICTS.has(codeOf((error as { cause?: unknown } | null)?.cause))
  );
}

/**
 * Runs `write` (COPYs straight into the target tables) under a savepoint of the caller's transaction:
 * true when it all went in; false, with nothing of it left, when the server refused a row for a key —
 * the caller then takes its checked path (INSERT … ON CONFLICT), which reports each such row. The fast
 * path for the common case, where nothing conflicts; any other failure is thrown.
 */
export async function unlessKeyConflict(ex: Executor, write: () => Promise<void>): Promise<boolean> {
  await ex.execute(sql.raw("savepoint bulkusers_direct"));
  try {
    await write();
  } catch (error) {
    if (!isKeyConflict(error)) throw error;
    await ex.execute(sql.raw("rollback to savepoint bulkusers_direct"));
    return false;
  }
  await ex.execute(sql.raw("release savepoint bulkusers_direct"));
  return true;
}
