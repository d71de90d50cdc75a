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
    expect(await res.json()).toEqual({ ok: false });
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

  it("rejects listening on a port in use", async () => {
    await start({ db: answering, logger });
    const port = server!.port;
    await expect(listen(createHttpApp({ db: answering, logger }), port, "127.0.0.1")).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
  });
});
