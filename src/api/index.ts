// The HTTP API: mount `createApiRouter(...)` at `/api` (see router.ts for the routes).

export { openApiDocument } from "./openapi.ts";
export { type ApiLimits, type ApiRouterOptions, createApiRouter, DEFAULT_API_LIMITS } from "./router.ts";
