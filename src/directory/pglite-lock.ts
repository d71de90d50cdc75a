// One owner for an embedded database: PGlite keeps the whole database in one process's memory and
// writes it back to its folder, so two processes on one `pglite:<dir>` silently lose each other's writes.
// Whoever opens the folder first writes `<dir>/bulkusers.lock` (its PID, host, command, start time);
// a second process is refused with a message naming the holder, before PGlite touches the folder. A lock
// whose holder is gone (killed, crashed) is taken over. The lock is removed on close and at process exit.

import { closeSync, linkSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = "bulkusers.lock";

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/** The folder is held by another live process. A refusal (CLI exit 2), never a crash. */
export class DatabaseLockedError extends Error {
  readonly code = "db.locked";
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    const who = `process ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ""} (${holder.command}, since ${holder.since})`;
    super(
      `The embedded database ${dir} is in use by ${who}. ` +
        "It is for one process at a time: stop that process first (e.g. the server started with `npm start`), " +
        "or use PostgreSQL (DATABASE_URL=postgres://…) to share the directory between the server and the CLI. " +
        `If that process is certainly gone, delete ${join(dir, LOCK_FILE)}.`,
    );
    this.name = "DatabaseLockedError";
  }
}

/** Lock files this process holds (a second open of the same folder in one process is refused too). */
const heldHere = new Set<string>();

export interface HeldLock {
  readonly path: string;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<LockHolder>;
    if (typeof parsed.pid !== "number") return undefined;
    return {
      pid: parsed.pid,
      host: String(parsed.host ?? ""),
      command: String(parsed.command ?? "?"),
      since: String(parsed.since ?? "?"),
    };
  } catch {
    return undefined;
  }
}

function describeCommand(): string {
  const script = process.argv[1]?.split(/[\\/]/).slice(-2).join("/") ?? "node";
  const args = process.argv.slice(2, 4).join(" ");
  return `${script}${args ? ` ${args}` : ""}`;
}

/** The synchronous pause of a takeover (see below), without a busy loop. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the lock of `dir` (which must exist) or throws DatabaseLockedError. The lock file is created
 * complete under a temporary name and hard-linked into place (link fails if the name exists), so nobody
 * ever reads half a lock.
 */
export function acquireLock(dir: string): HeldLock {
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command: describeCommand(),
    since: new Date().toISOString(),
  };
  const mine = JSON.stringify(me);
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w", 0o644);
  try {
    writeSync(fd, `${mine}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temporary, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 3) throw error;
      }
      const holder = readHolder(path);
      // Another host's PID cannot be checked from here: refuse, the message says how to clear it. Our own
      // PID is alive by definition: it is ours only if this process took it (a container restarted with
      // the same PID 1 finds its predecessor's lock, which is stale).
      const live =
        holder &&
        (holder.host !== me.host || (holder.pid === process.pid ? heldHere.has(path) : isAlive(holder.pid)));
      if (holder && live) throw new DatabaseLockedError(dir, holder);
      // Left by a dead process (or unreadable): take it over.
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(temporary, { force: true });
  }
  // Two processes taking over the same stale lock at once could both unlink and link; the one whose
  // file was replaced sees it here and backs off.
  pause(20);
  const now = readHolder(path);
  if (!now || now.pid !== process.pid || now.since !== me.since) {
    throw new DatabaseLockedError(dir, now ?? { pid: 0, host: "?", command: "?", since: "?" });
  }

  heldHere.add(path);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(path);
    process.off("exit", release);
    const current = readHolder(path);
    if (current?.pid === process.pid && current.since === me.since) rmSync(path, { force: true });
  };
  process.on("exit", release);
  return { path, release };
}
