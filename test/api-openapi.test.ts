// The OpenAPI document describes every route the router registers (method and path), every protected
// operation declares the bearer scheme and its auth errors, and it is served at /api/openapi.json.
import { expect, it } from "vitest";
import { openApiDocument } from "../src/api/openapi.ts";
import { createApiRouter } from "../src/api/router.ts";
import { type RunningApi, startApi } from "./support/api.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

interface OperationObject {
  summary?: string;
  security?: unknown[];
  responses: Record<string, unknown>;
  parameters?: Array<{ name: string; in: string }>;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** `/jobs/:id/results.csv` → `/jobs/{id}/results.csv` */
const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

it("every route of the router is in the OpenAPI document, and nothing else", () => {
  const router = createApiRouter({
    engine: {} as never,
    config: { apiTokens: [] },
    logger: { info() {}, warn() {}, error() {} } as never,
  });
  const routes = (router.stack as Layer[])
    .filter((layer) => layer.route)
    .flatMap((layer) =>
      Object.keys(layer.route!.methods)
        .filter((m) => m !== "_all")
        .map((method) => `${method.toUpperCase()} ${toOpenApiPath(layer.route!.path)}`),
    )
    .sort();
  const documented = Object.entries(openApiDocument.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  expect(routes.length).toBeGreaterThanOrEqual(9);
  expect(documented).toEqual(routes);
});

it("every protected operation declares bearer auth and its 401/403/503 answers; path parameters are declared", () => {
  expect(openApiDocument.openapi).toBe("3.1.0");
  expect(openApiDocument.components.securitySchemes.bearerAuth).toMatchObject({
    type: "http",
    scheme: "bearer",
  });
  for (const [path, item] of Object.entries(openApiDocument.paths)) {
    for (const [method, op] of Object.entries(item) as Array<[string, OperationObject]>) {
      const where = `${method} ${path}`;
      expect(op.summary, where).toBeTruthy();
      expect(op.responses, where).toBeTruthy();
      if (path === "/openapi.json") {
        expect(op.security, where).toEqual([]);
        continue;
      }
      expect(op.security, where).toEqual([{ bearerAuth: [] }]);
      for (const status of ["401", "403", "503"])
        expect(op.responses[status], `${where} ${status}`).toBeTruthy();
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        expect(
          op.parameters?.some((p) => p.name === name && p.in === "path"),
          where,
        ).toBe(true);
      }
    }
  }
  // Every $ref points at something that exists.
  const refs = [...JSON.stringify(openApiDocument).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
  for (const ref of refs) {
    const target = ref
      .split("/")
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], openApiDocument);
    expect(target, ref).toBeTruthy();
  }
});

describeEachDatabase("openapi.json", (ctx) => {
  let api: RunningApi | undefined;
  it("is served without a token", async () => {
    api = await startApi(ctx.handle, testEngine(ctx.handle));
    try {
      const res = await api.call("/api/openapi.json", { as: null });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    } finally {
      await api.close();
    }
  });
});
