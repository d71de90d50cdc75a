// GET /healthz and GET /readyz.
//
// /healthz (liveness, and the contract `{"ok":true}` when the database answers): 200 `{"ok":true}`, or
// 503 `{"ok":false,"failing":["database"],"database":"<why>"}` naming what fails. The process itself
// never goes down with the database; a supervisor may restart it on repeated 503s, but it does not need to.
//
// /readyz (readiness: should a load balancer send traffic here?): 200 when the database answers and every
// migration is applied, else 503; the body always gives each check and Slack's state (Slack being off or
// down does not make the app unready: the API, worker and scheduler run without it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Request, Response, Router } from "express";
import express from "express";
import { type Database, MIGRATIONS_FOLDER, queryRows } from "../directory/client.ts";
import type { SlackState } from "../slack/connection.ts";

export interface SlackHealth {
  state: SlackState;
  since?: string;
  error?: string;
}

export interface HealthOptions {
  db: Pick<Database, "execute">;
  /** How long a check waits for the database (default 2 s). */
  timeoutMs?: number;
  /** Slack's current state (default: off). */
  slack?: () => SlackHealth;
  /** The newest migration this build expects (default: read from migrations/meta/_journal.json). */
  expectedMigration?: { tag: string; when: number } | null;
}

interface Check {
  ok: boolean;
  error?: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function reason(error: unknown): string {
  let current: unknown = error;
  // The innermost cause says it best (drizzle wraps the driver's error in "Failed query: …").
  while ((current as { cause?: unknown })?.cause) current = (current as { cause: unknown }).cause;
  const code = (current as { code?: unknown })?.code;
  const message = current instanceof Error ? current.message : String(current);
  return (typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message).slice(
    0,
    200,
  );
}

/** The last entry of the migrations journal: what a fully migrated database has applied. */
export function latestMigration(folder: string = MIGRATIONS_FOLDER): { tag: string; when: number } | null {
  try {
    const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as {
      entries: Array<{ tag: string; when: number }>;
    };
    return journal.entries.reduce<{ tag: string; when: number } | null>(
      (latest, entry) => (!latest || entry.when > latest.when ? entry : latest),
      null,
    );
  } catch {
    return null;
  }
}

export function createHealthRouter(options: HealthOptions): Router {
  const { db } = options;
  const timeoutMs = options.timeoutMs ?? 2000;
  const expected = options.expectedMigration === undefined ? latestMigration() : options.expectedMigration;
  const router = express.Router();

  const database = async (): Promise<Check> => {
    try {
      await withTimeout(db.execute(sql`select 1`), timeoutMs);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: reason(error) };
    }
  };

  const migrations = async (): Promise<Check & { latest?: string; expected?: string }> => {
    if (!expected) return { ok: true };
    try {
      // drizzle's migrator records each applied migration's journal time in created_at.
      const [row] = await withTimeout(
        queryRows<{ latest: string | number | null }>(
          db,
          sql`select max(created_at) as latest from drizzle.__drizzle_migrations`,
        ),
        timeoutMs,
      );
      const latest = row?.latest === null || row?.latest === undefined ? 0 : Number(row.latest);
      return latest >= expected.when
        ? { ok: true, expected: expected.tag }
        : { ok: false, expected: expected.tag, error: "migrations are pending: run `bulkusers db migrate`" };
    } catch (error) {
      return { ok: false, expected: expected.tag, error: reason(error) };
    }
  };

  router.get("/healthz", async (_req: Request, res: Response) => {
    const check = await database();
    if (check.ok) {
      res.status(200).json({ ok: true });
      return;
    }
    res.status(503).json({ ok: false, failing: ["database"], database: check.error });
  });

  router.get("/readyz", async (_req: Request, res: Response) => {
    const db = await database();
    const applied = db.ok ? await migrations() : { ok: false, error: "database unavailable" };
    const slack = options.slack?.() ?? { state: "off" as const };
    const ready = db.ok && applied.ok;
    const failing = [...(db.ok ? [] : ["database"]), ...(applied.ok ? [] : ["migrations"])];
    res.status(ready ? 200 : 503).json({
      ready,
      ...(failing.length ? { failing } : {}),
      checks: { database: db, migrations: applied, slack },
    });
  });

  return router;
}
