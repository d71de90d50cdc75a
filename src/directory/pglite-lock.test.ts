import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireLock, DatabaseLockedError, LOCK_FILE } from "./pglite-lock.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "bulkusers-lock-"));
  dirs.push(dir);
  return dir;
}

describe("pglite folder lock", () => {
  it("writes the holder, refuses a second open naming it, and is gone after release", () => {
    const dir = folder();
    const lock = acquireLock(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toMatchObject({
      pid: process.pid,
      host: hostname(),
    });
    const refused = (() => {
      try {
        acquireLock(dir);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(DatabaseLockedError);
    expect((refused as Error).message).toContain(`process ${process.pid}`);
    expect((refused as Error).message).toContain("use PostgreSQL");
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    acquireLock(dir).release();
  });

  it("never takes over a lock written on another host", () => {
    const dir = folder();
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({
        pid: 1,
        host: "elsewhere",
        command: "dist/main.js",
        since: "2026-12-01T00:00:00.000Z",
      }),
    );
    expect(() => acquireLock(dir)).toThrow(/process 1 on elsewhere/);
  });
});
