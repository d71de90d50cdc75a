// The HTTP API under test: the real express app (createHttpApp) with the API router mounted at /api,
// listening on a free port, over a test database. Requests go over real HTTP with fetch.
import { pino } from "pino";
import { type ApiLimits, createApiRouter } from "../../src/api/router.ts";
import type { ApiToken } from "../../src/config.ts";
import type { DatabaseHandle } from "../../src/directory/client.ts";
import { createHttpApp, type ListeningServer, listen } from "../../src/http/server.ts";
import type { Engine } from "../../src/jobs/service.ts";
import { startWorker, type Worker } from "../../src/jobs/worker.ts";

export const TOKENS: Record<string, ApiToken> = {
  admin: {
    name: "admin",
    token: "admin-token-0123456789abcdef",
    rights: ["import", "update", "licenses", "disable", "read", "sign-ins"],
  },
  hr: { name: "hr-sync", token: "hr-token-0123456789abcdef", rights: ["import", "read"] },
  reader: { name: "reader", token: "reader-token-0123456789abcdef", rights: ["read"] },
  signer: { name: "idp", token: "idp-token-0123456789abcdef", rights: ["sign-ins"] },
};

/** A JSON document as tests read it: any shape, checked by the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by expect(), not by the compiler
export type Doc = Record<string, any>;

/** fetch's Response, with json() typed for tests. */
export interface ApiResponse extends Response {
  json(): Promise<Doc>;
}

export interface RunningApi {
  base: string;
  wakes: number;
  worker?: Worker;
  close(): Promise<void>;
  /** fetch with `Authorization: Bearer <token>` (`null`: no header). */
  call(path: string, init?: RequestInit & { as?: keyof typeof TOKENS | null }): Promise<ApiResponse>;
}

export async function startApi(
  handle: DatabaseHandle,
  engine: Engine,
  options: { worker?: boolean; limits?: Partial<ApiLimits>; tokens?: ApiToken[] } = {},
): Promise<RunningApi> {
  const logger = pino({ level: "silent" });
  const worker = options.worker ? startWorker(engine, { owner: "api-test-worker", pollMs: 50 }) : undefined;
  const state = { wakes: 0 };
  const router = createApiRouter({
    engine,
    config: { apiTokens: options.tokens ?? Object.values(TOKENS) },
    logger,
    worker: {
      wake: () => {
        state.wakes++;
        worker?.wake();
      },
    },
    limits: { csvBytes: 64 * 1024, jsonBytes: 16 * 1024, ...options.limits },
  });
  const app = createHttpApp({ db: handle.db, logger, routers: [{ path: "/api", router }] });
  const server: ListeningServer = await listen(app, 0, "127.0.0.1");
  const base = `http://127.0.0.1:${server.port}`;
  return {
    base,
    get wakes() {
      return state.wakes;
    },
    ...(worker ? { worker } : {}),
    async close() {
      await worker?.stop();
      await server.close();
    },
    call(path, init = {}) {
      const { as = "admin", ...rest } = init;
      const headers = new Headers(rest.headers);
      if (as) headers.set("authorization", `Bearer ${TOKENS[as]!.token}`);
      return fetch(`${base}${path}`, { ...rest, headers }) as Promise<ApiResponse>;
    },
  };
}

export const csv = (text: string) => new TextEncoder().encode(text);
