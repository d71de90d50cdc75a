// API authentication over real HTTP: bearer tokens from API_TOKENS, 401 without or with a wrong token
// (WWW-Authenticate: Bearer), 403 for a token without the route's right (audited), 503 when no tokens are
// configured (the API is off, never open). Plus the constant-time matcher itself.
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { bearerOf, createAuthenticator } from "../src/api/auth.ts";
import { queryRows } from "../src/directory/client.ts";
import { type RunningApi, startApi, TOKENS } from "./support/api.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

const BULK = "/api/automation/bulk-users";
const FILE = "UserPrincipalName,DisplayName\r\nada@example.com,Ada\r\n";

describe("token matching", () => {
  const auth = createAuthenticator(Object.values(TOKENS));

  it("finds the token whatever its position, and nothing for near misses", () => {
    expect(auth.identify("reader-token-0123456789abcdef")?.name).toBe("reader");
    expect(auth.identify("idp-token-0123456789abcdef")?.name).toBe("idp");
    expect(auth.identify("reader-token-0123456789abcde")).toBeNull();
    expect(auth.identify("reader-token-0123456789abcdeF")).toBeNull();
    expect(auth.identify("")).toBeNull();
    expect(auth.identify("x".repeat(10_000))).toBeNull();
  });

  it("reads the Bearer scheme only", () => {
    expect(bearerOf("Bearer abc")).toBe("abc");
    expect(bearerOf("bearer   abc ")).toBe("abc");
    expect(bearerOf("Basic YWJjOmRlZg==")).toBeNull();
    expect(bearerOf("Bearer")).toBeNull();
    expect(bearerOf("Bearer a b")).toBeNull();
    expect(bearerOf(undefined)).toBeNull();
  });

  it("is off without tokens", () => {
    expect(createAuthenticator([]).enabled).toBe(false);
  });
});

describeEachDatabase("API auth", (ctx) => {
  let api: RunningApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it("401 without a token, with another scheme, or with an unknown token; nothing is read or stored", async () => {
    api = await startApi(ctx.handle, testEngine(ctx.handle));
    const none = await api.call(`${BULK}/import`, { method: "POST", as: null, body: FILE });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="bulkusers"');
    expect(await none.json()).toEqual({ error: { code: "api.unauthorized", message: expect.any(String) } });

    const basic = await api.call(`${BULK}/jobs/job_x`, {
      as: null,
      headers: { authorization: "Basic YWRtaW46YWRtaW4=" },
    });
    expect(basic.status).toBe(401);

    const wrong = await api.call(`${BULK}/import`, {
      method: "POST",
      as: null,
      headers: { authorization: "Bearer admin-token-0123456789abcdeX" },
      body: FILE,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBe('Bearer realm="bulkusers", error="invalid_token"');
    expect((await wrong.json()).error.code).toBe("api.invalid_token");

    for (const path of [
      `${BULK}/jobs/job_x`,
      `${BULK}/jobs/job_x/results.csv`,
      `${BULK}/jobs/job_x/credentials.csv`,
    ]) {
      expect((await api.call(path, { as: null })).status).toBe(401);
    }
    const signIns = await api.call("/api/sign-ins", {
      method: "POST",
      as: null,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ signIns: [] }),
    });
    expect(signIns.status).toBe(401);
    const [counts] = await queryRows<{ plans: number }>(
      ctx.handle.db,
      sql`select count(*)::int as plans from plans`,
    );
    expect(counts?.plans).toBe(0);
  });

  it("403 for a token without the route's right, audited with the token name and IP", async () => {
    api = await startApi(ctx.handle, testEngine(ctx.handle));
    const cases: Array<[string, string, keyof typeof TOKENS, string]> = [
      ["POST", `${BULK}/import`, "reader", "import"],
      ["POST", `${BULK}/update`, "hr", "update"],
      ["POST", `${BULK}/licenses`, "hr", "licenses"],
      ["POST", `${BULK}/disable`, "hr", "disable"],
      ["GET", `${BULK}/jobs/job_x`, "signer", "read"],
      ["GET", `${BULK}/jobs/job_x/results.csv`, "signer", "read"],
      ["POST", "/api/sign-ins", "reader", "sign-ins"],
    ];
    for (const [method, path, as, right] of cases) {
      const res = await api.call(path, { method, as, ...(method === "POST" ? { body: FILE } : {}) });
      expect(res.status, `${method} ${path} as ${as}`).toBe(403);
      const body = await res.json();
      expect(body.error.code).toBe("api.forbidden");
      expect(body.error.message).toContain(`'${right}'`);
    }
    const audit = await queryRows<{ actor: string; action: string; target: string; ip: string }>(
      ctx.handle.db,
      sql`select actor, action, target, details->>'ip' as ip from audit_log order by id`,
    );
    expect(audit).toHaveLength(cases.length);
    expect(audit[0]).toEqual({
      actor: "api:reader",
      action: "api.forbidden",
      target: `POST ${BULK}/import`,
      ip: "127.0.0.1",
    });
    const [plans] = await queryRows<{ n: number }>(ctx.handle.db, sql`select count(*)::int as n from plans`);
    expect(plans?.n).toBe(0);
  });

  it("a token with the right is let in (read-only token reads jobs; hr imports)", async () => {
    api = await startApi(ctx.handle, testEngine(ctx.handle));
    const queued = await api.call(`${BULK}/import`, { method: "POST", as: "hr", body: FILE });
    expect(queued.status).toBe(202);
    const { statusUrl } = await queued.json();
    const read = await api.call(statusUrl, { as: "reader" });
    expect(read.status).toBe(200);
    expect((await read.json()).requestedBy).toBe("api:hr-sync");
  });

  it("503 on every API route when no tokens are configured (never open); the OpenAPI document stays public", async () => {
    api = await startApi(ctx.handle, testEngine(ctx.handle), { tokens: [] });
    for (const [method, path] of [
      ["POST", `${BULK}/import`],
      ["POST", `${BULK}/update`],
      ["POST", `${BULK}/licenses`],
      ["POST", `${BULK}/disable`],
      ["GET", `${BULK}/jobs/job_x`],
      ["GET", `${BULK}/jobs/job_x/results.csv`],
      ["POST", "/api/sign-ins"],
    ] as const) {
      const res = await api.call(path, { method, ...(method === "POST" ? { body: FILE } : {}) });
      expect(res.status, `${method} ${path}`).toBe(503);
      expect((await res.json()).error.code).toBe("api.disabled");
    }
    expect((await api.call("/api/openapi.json", { as: null })).status).toBe(200);
  });
});
