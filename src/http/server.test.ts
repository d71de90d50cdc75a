import { Router } from "express";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../directory/client.ts";
import { createHttpApp, type ListeningServer, listen } from "./server.ts";

const logger = pino({ level: "silent" });
const answering = { execute: async () => ({ rows: [{ "?column?": 1 }] }) } as unknown as Pick<
  Database,
  "execute"
>;
const failing = {
  execute: async () => {
    throw new Error("connection refused");
  },
} as unknown as Pick<Database, "execute">;
const hanging = { execute: () => new Promise(() => {}) } as unknown as Pick<Database, "execute">;

describe("http app", () => {
  let server: ListeningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const start = async (options: Parameters<typeof createHttpApp>[0]) => {
    server = await listen(createHttpApp(options), 0, "127.0.0.1");
    return `http://127.0.0.1:${server.port}`;
  };

  it("answers /healthz 503 {ok:false} when the database fails or does not answer in time", async () => {
    let base = await start({ db: failing, logger });
    let res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    // The failing component is named, with the driver's reason.
    expect(await res.json()).toEqual({ ok: false, failing: ["database"], database: "connection refused" });
    await server?.close();

    base = await start({ db: hanging, logger, healthTimeoutMs: 50 });
    res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
  });

  it("mounts routers and mount callbacks before the JSON 404, and turns errors into JSON 500", async () => {
    const api = Router();
    api.get("/ping", (_req, res) => {
      res.json({ pong: true });
    });
    api.get("/boom", () => {
      throw new Error("secret detail");
    });
    const base = await start({
      db: answering,
      logger,
      routers: [{ path: "/api", router: api }],
      mount: [
        (app) => {
          app.post("/slack/events", (_req, res) => {
            res.status(200).send("");
          });
        },
      ],
    });
    expect(await (await fetch(`${base}/api/ping`)).json()).toEqual({ pong: true });
    expect((await fetch(`${base}/slack/events`, { method: "POST" })).status).toBe(200);
    const boom = await fetch(`${base}/api/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ error: { code: "http.internal", message: "Internal error" } });
    const missing = await fetch(`${base}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: "http.not_found", message: "No route for GET /api/nothing" },
    });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("answers an error that is the database being away with 503 and Retry-After, not a 500", async () => {
    const api = Router();
    api.get("/users", () => {
      throw new Error("Failed query: select …", {
        cause: Object.assign(new Error("terminating connection due to administrator command"), {
          code: "57P01",
        }),
      });
    });
    const base = await start({ db: failing, logger, routers: [{ path: "/api", router: api }] });
    const res = await fetch(`${base}/api/users`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("service.unavailable");
  });

  it("/readyz: 200 with every check when the database answers and migrations are applied, else 503", async () => {
    const migrated = {
      execute: async (query: unknown) =>
        JSON.stringify(query).includes("__drizzle_migrations")
          ? { rows: [{ latest: "1700000000000" }] }
          : { rows: [{ "?column?": 1 }] },
    } as unknown as Pick<Database, "execute">;
    let base = await start({
      db: migrated,
      logger,
      health: {
        expectedMigration: { tag: "0000_init", when: 1_700_000_000_000 },
        slack: () => ({ state: "down", error: "ECONNREFUSED" }),
      },
    });
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ready: true,
      checks: {
        database: { ok: true },
        migrations: { ok: true, expected: "0000_init" },
        slack: { state: "down", error: "ECONNREFUSED" },
      },
    });
    await server?.close();

    // A newer migration than the database has: not ready.
    base = await start({
      db: migrated,
      logger,
      health: { expectedMigration: { tag: "0001_next", when: 1_800_000_000_000 } },
    });
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ready: false, failing: ["migrations"] });
    await server?.close();

    base = await start({ db: failing, logger });
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      ready: false,
      failing: ["database", "migrations"],
      checks: { database: { ok: false, error: "connection refused" }, slack: { state: "off" } },
    });
  });

  it("rejects listening on a port in use", async () => {
    await start({ db: answering, logger });
    const port = server!.port;
    await expect(listen(createHttpApp({ db: answering, logger }), port, "127.0.0.1")).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
  });
});
