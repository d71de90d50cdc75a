// The OpenAPI 3.1 description of the HTTP API, served at GET /api/openapi.json. Hand-written on purpose
// (it is documentation people read); test/api-openapi.test.ts checks that every route the router
// registers appears here with its method, and that every operation declares its security and errors.

const error = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

const auth = {
  "401": { $ref: "#/components/responses/Unauthorized" },
  "403": { $ref: "#/components/responses/Forbidden" },
  "503": { $ref: "#/components/responses/ApiDisabled" },
};

const idParam = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  schema: { type: "string" },
  description,
});

const anyJson = (description: string) => ({
  description,
  content: { "application/json": { schema: { type: "object" } } },
});

/** The two-person rule and dated operations (docs/approvals.md; routes in approvals.ts and scheduled.ts). */
const twoPersonAndDatedPaths = {
  "/automation/bulk-users/approvals": {
    get: {
      summary: "List approval requests (two-person rule)",
      description: "Newest first; `?status=pending|approved|rejected|superseded|expired`. Needs `read`.",
      tags: ["approvals"],
      security: [{ bearerAuth: [] }],
      parameters: [{ name: "status", in: "query", required: false, schema: { type: "string" } }],
      responses: { "200": anyJson("`{approvals: [...]}`."), ...auth },
    },
  },
  "/automation/bulk-users/approvals/{id}": {
    get: {
      summary: "Get an approval request",
      tags: ["approvals"],
      security: [{ bearerAuth: [] }],
      parameters: [idParam("id", "The request id (`apr_…`).")],
      responses: { "200": anyJson("The request."), ...auth, "404": error("`approval.not_found`.") },
    },
  },
  "/automation/bulk-users/approvals/{id}/approve": {
    post: {
      summary: "Approve someone else's held change",
      description: "Needs `approve`. Re-checks expiry and the directory; the requester's token is refused.",
      tags: ["approvals"],
      security: [{ bearerAuth: [] }],
      parameters: [idParam("id", "The request id (`apr_…`).")],
      responses: {
        "200": anyJson("The approved request, with `jobId` (or a dated plan's batches)."),
        ...auth,
        "404": error("`approval.not_found`."),
        "409": error(
          "`approval.directory_changed` (with `differences` and `next`), `plan.expired`, or decided.",
        ),
      },
    },
  },
  "/automation/bulk-users/approvals/{id}/reject": {
    post: {
      summary: "Reject someone else's held change",
      description: 'Needs `approve`. JSON body `{"reason": "…"}` (required).',
      tags: ["approvals"],
      security: [{ bearerAuth: [] }],
      parameters: [idParam("id", "The request id (`apr_…`).")],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: { type: "object", required: ["reason"], properties: { reason: { type: "string" } } },
          },
        },
      },
      responses: {
        "200": anyJson("The rejected request."),
        ...auth,
        "400": error("`approval.reason_required`."),
        "404": error("`approval.not_found`."),
      },
    },
  },
  "/automation/bulk-users/scheduled": {
    get: {
      summary: "List dated rows waiting for their time",
      description: "Batches (one per plan and time), earliest first, with pending counts. Needs `read`.",
      tags: ["dated operations"],
      security: [{ bearerAuth: [] }],
      responses: { "200": anyJson("`{timeZone, scheduled: [...]}`."), ...auth },
    },
  },
  "/automation/bulk-users/scheduled/{target}": {
    delete: {
      summary: "Cancel scheduled rows before they run",
      description: "A batch id (`sched_…`) or one user's e-mail. Needs `approve`.",
      tags: ["dated operations"],
      security: [{ bearerAuth: [] }],
      parameters: [idParam("target", "A batch id or an e-mail address.")],
      responses: {
        "200": anyJson("`{cancelled: [{batchId, row, key}]}`."),
        ...auth,
        "404": error("`scheduled.not_found`."),
      },
    },
  },
};

const csvBody = {
  required: true,
  description:
    "The CSV file: the raw bytes as the body (UTF-8 with or without BOM, UTF-16 with BOM or Windows-1252; " +
    "delimiter `,` `;` or TAB), or multipart/form-data with the file in a `file` field. At most 50 MB.",
  content: {
    "text/csv": { schema: { type: "string", format: "binary" } },
    "application/octet-stream": { schema: { type: "string", format: "binary" } },
    "multipart/form-data": {
      schema: {
        type: "object",
        required: ["file"],
        properties: { file: { type: "string", format: "binary", description: "The CSV file." } },
      },
    },
  },
};

const jobId = {
  name: "id",
  in: "path",
  required: true,
  description: "The job id (`job_…`).",
  schema: { type: "string" },
};

function operationRoute(
  summary: string,
  description: string,
  right: string,
  extraParameters: unknown[] = [],
) {
  return {
    post: {
      summary,
      description: `${description}\n\nNeeds the \`${right}\` right.`,
      tags: ["bulk users"],
      security: [{ bearerAuth: [] }],
      parameters: [
        ...extraParameters,
        {
          name: "dryRun",
          in: "query",
          description: "Validate and diff only: answers 200 with the plan; nothing is stored or changed.",
          schema: { type: "boolean", default: false },
        },
        {
          name: "strict",
          in: "query",
          description:
            "Queue nothing when any row has an error (422 with the plan). By default the valid rows run and the rest are reported.",
          schema: { type: "boolean", default: false },
        },
        {
          name: "at",
          in: "query",
          description:
            "Dated operations: one effective time for every row without its own EffectiveDate / LastDay / StartDate (ISO 8601; without an offset, in BULKUSERS_TIME_ZONE). Dated plans answer 202 with `status: scheduled` and their `batches`.",
          schema: { type: "string" },
        },
        {
          name: "Idempotency-Key",
          in: "header",
          description:
            "Optional. A retried request with the same key (and the same file) returns the job of the first one instead of queuing another.",
          schema: { type: "string", maxLength: 200 },
        },
      ],
      requestBody: csvBody,
      responses: {
        "200": {
          description: "With `dryRun=true`: the plan (what would change, be skipped, or fail, row by row).",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Plan" } } },
        },
        "202": {
          description:
            "The job is queued; poll `statusUrl`, then download `resultsUrl`. Or, under the two-person rule, `status: awaiting_approval` with the request (`approvalId`, `approveUrl`; Location points at it); or, for a dated plan, `status: scheduled` with its `batches`.",
          headers: { Location: { description: "The job's status URL.", schema: { type: "string" } } },
          content: { "application/json": { schema: { $ref: "#/components/schemas/JobAccepted" } } },
        },
        "400": error(
          "The file was refused (nothing was processed): e.g. `csv.empty`, `csv.missing_column`, `csv.too_many_rows`; or a bad parameter.",
        ),
        ...auth,
        "413": { $ref: "#/components/responses/TooLarge" },
        "415": error("The body is not a CSV upload (e.g. JSON or a form post)."),
        "422": error(
          "`plan.has_errors` with `strict=true` (the document also carries `plan`), or `api.idempotency_key_reused`.",
        ),
      },
    },
  };
}

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "bulkusers HTTP API",
    version: "1.0.0",
    description:
      "Bulk user management over the directory: the same engine as the Slack app and the CLI. Files are planned " +
      "(validated and diffed), then run as jobs by a worker, exactly once, in batches. Every change is audited with " +
      "the actor `api:<token name>` and the client IP.\n\nAuthentication: `Authorization: Bearer <token>` with a token " +
      "from `API_TOKENS` (`name:token[:right,right…]`; rights: import, update, licenses, disable, read, sign-ins; " +
      "none listed = all). Without configured tokens every route except this document answers 503.\n\n" +
      'Errors: `{"error":{"code","message"}}`.',
  },
  servers: [{ url: "/api" }],
  tags: [
    { name: "bulk users", description: "Bulk operations from CSV files, and their jobs." },
    { name: "activity", description: "Sign-in activity from identity providers." },
    { name: "meta", description: "This document." },
  ],
  paths: {
    "/automation/bulk-users/import": operationRoute(
      "Import (create) users from a CSV file",
      "Columns as in the create template (`UserPrincipalName`, `DisplayName`, `Password`, `FirstName`, `LastName`, " +
        "`Department`, `JobTitle`, `Manager`, `License`, …; Entra, Microsoft 365, Google Workspace, Okta and AD export " +
        "headers are recognised). Missing passwords are generated; fetch them once from `credentials.csv`.",
      "import",
    ),
    "/automation/bulk-users/update": operationRoute(
      "Update user attributes from a CSV file",
      "The key column is `UserPrincipalName` (or an alias); blank cells leave values unchanged.",
      "update",
    ),
    "/automation/bulk-users/licenses": operationRoute(
      "Assign or remove licenses from a CSV file",
      "Columns `UserPrincipalName` and `License` (the SKU). Rows beyond the free seats fail in file order.",
      "licenses",
      [
        {
          name: "action",
          in: "query",
          description: "`assign` (default) or `remove`.",
          schema: { type: "string", enum: ["assign", "remove"], default: "assign" },
        },
      ],
    ),
    "/automation/bulk-users/disable": operationRoute(
      "Disable (block sign-in for) users from a CSV file",
      "A `UserPrincipalName` column; already disabled users are skipped.",
      "disable",
    ),
    "/automation/bulk-users/service-plans": operationRoute(
      "Switch service plans of assigned licenses on or off from a CSV file",
      "Columns `UserPrincipalName`, `License` (one SKU per row) and either `DisabledPlans` (the whole disabled list, " +
        "`;`-separated; `[clear]` = every plan on) or `EnablePlans` / `DisablePlans`. Rows already so are skipped.",
      "licenses",
    ),
    "/automation/bulk-users/jobs/{id}": {
      get: {
        summary: "Get a job's status",
        description: "Status, counts, progress, timings and queue position. Needs the `read` right.",
        tags: ["bulk users"],
        security: [{ bearerAuth: [] }],
        parameters: [jobId],
        responses: {
          "200": {
            description: "The job.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/JobStatus" } } },
          },
          ...auth,
          "404": error("`job.not_found`."),
        },
      },
    },
    "/automation/bulk-users/jobs/{id}/results.csv": {
      get: {
        summary: "Download a finished job's results CSV",
        description:
          "Every input row in order, with `Status` (Succeeded, Failed, Skipped) and `Reason` in front of the original " +
          "columns: fix the failed rows and upload the file again as is. UTF-8 with BOM. Needs the `read` right.",
        tags: ["bulk users"],
        security: [{ bearerAuth: [] }],
        parameters: [jobId],
        responses: {
          "200": {
            description: "The results CSV (attachment).",
            headers: { "Content-Disposition": { schema: { type: "string" } } },
            content: { "text/csv": { schema: { type: "string", format: "binary" } } },
          },
          ...auth,
          "404": error("`job.not_found`."),
          "409": error("`job.not_finished`: the job is queued or running."),
        },
      },
    },
    "/automation/bulk-users/jobs/{id}/credentials.csv": {
      get: {
        summary: "Download the temporary passwords of a finished job, once",
        description:
          "Only for the token that queued the job. Columns `UserPrincipalName`, `TemporaryPassword`. The passwords are " +
          "deleted from the server once downloaded: a second request answers 410.",
        tags: ["bulk users"],
        security: [{ bearerAuth: [] }],
        parameters: [jobId],
        responses: {
          "200": {
            description: "The credentials CSV (attachment).",
            content: { "text/csv": { schema: { type: "string", format: "binary" } } },
          },
          ...auth,
          "404": error("`job.not_found`."),
          "409": error("`job.not_finished`."),
          "410": error("`job.credentials_gone`: none were generated, or they were already downloaded."),
        },
      },
    },
    "/sign-ins": {
      post: {
        summary: "Record last sign-in times",
        description:
          "A batch of sign-ins from an identity provider. `users.last_login_at` only moves forward (an older time never " +
          "overwrites a newer one), so batches may be repeated or arrive out of order. Times are ISO 8601 (no zone = UTC); " +
          "times more than 5 minutes in the future are invalid. Needs the `sign-ins` right.",
        tags: ["activity"],
        security: [{ bearerAuth: [] }],
        requestBody: {
          required: true,
          content: {
            "application/json": { schema: { $ref: "#/components/schemas/SignInsRequest" } },
            "text/csv": {
              schema: { type: "string", format: "binary", description: "Columns `Email`, `LastSignIn`." },
            },
            "multipart/form-data": {
              schema: {
                type: "object",
                required: ["file"],
                properties: { file: { type: "string", format: "binary" } },
              },
            },
          },
        },
        responses: {
          "200": {
            description: "What was recorded.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/SignInsResult" } } },
          },
          "400": error("`sign_ins.bad_body`, `http.bad_json`, or a refused CSV (`csv.missing_column`, …)."),
          ...auth,
          "413": { $ref: "#/components/responses/TooLarge" },
        },
      },
    },
    "/openapi.json": {
      get: {
        summary: "This document",
        tags: ["meta"],
        security: [],
        responses: {
          "200": {
            description: "The OpenAPI 3.1 document.",
            content: { "application/json": { schema: { type: "object" } } },
          },
        },
      },
    },
    ...twoPersonAndDatedPaths,
  },
  components: {
    securitySchemes: {
      bearerAuth: {
        type: "http",
        scheme: "bearer",
        description: "A token from API_TOKENS (`name:token[:rights]`), compared in constant time.",
      },
    },
    responses: {
      Unauthorized: {
        description:
          "`api.unauthorized` (no bearer token) or `api.invalid_token`. Carries `WWW-Authenticate: Bearer`.",
        headers: { "WWW-Authenticate": { schema: { type: "string" } } },
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
      Forbidden: error("`api.forbidden`: the token lacks this route's right (the attempt is audited)."),
      ApiDisabled: error("`api.disabled`: no API tokens are configured, so the API is off."),
      TooLarge: error(
        "`http.payload_too_large`: the body exceeds the limit (50 MB for files, 5 MB for JSON).",
      ),
    },
    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: {
              code: { type: "string", examples: ["csv.missing_column"] },
              message: { type: "string" },
            },
          },
        },
      },
      Plan: {
        type: "object",
        required: ["operation", "summary", "rows", "warnings"],
        properties: {
          operation: { type: "string", examples: ["create"] },
          summary: {
            type: "object",
            required: ["change", "skip", "error"],
            properties: {
              change: { type: "integer" },
              skip: { type: "integer" },
              error: { type: "integer" },
            },
          },
          rows: {
            type: "array",
            items: {
              type: "object",
              required: ["row", "line", "key", "outcome", "reason", "changes"],
              properties: {
                row: { type: "integer", description: "1-based data record number (after the header)." },
                line: { type: "integer", description: "Physical line where the record starts." },
                key: { type: "string", description: "The user's e-mail (UPN), lower-case." },
                outcome: { type: "string", enum: ["change", "skip", "error"] },
                reason: { type: "string" },
                changes: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: {
                      field: { type: "string" },
                      from: { type: ["string", "null"] },
                      to: { type: ["string", "null"] },
                    },
                  },
                },
              },
            },
          },
          warnings: { type: "array", items: { type: "string" } },
        },
      },
      JobAccepted: {
        type: "object",
        required: ["jobId", "status", "statusUrl", "resultsUrl", "queuePosition"],
        properties: {
          jobId: { type: "string" },
          status: { type: "string", examples: ["queued"] },
          statusUrl: { type: "string", examples: ["/api/automation/bulk-users/jobs/job_4kq7x2m9abcd"] },
          resultsUrl: { type: "string" },
          queuePosition: {
            type: ["integer", "null"],
            description: "1 = next; null once running or finished.",
          },
          operation: { type: "string" },
          summary: { $ref: "#/components/schemas/Plan/properties/summary" },
          warnings: { type: "array", items: { type: "string" } },
        },
      },
      JobStatus: {
        type: "object",
        required: [
          "jobId",
          "operation",
          "status",
          "total",
          "processed",
          "summary",
          "queuedAt",
          "queuePosition",
        ],
        properties: {
          jobId: { type: "string" },
          operation: { type: "string" },
          status: {
            type: "string",
            enum: ["queued", "running", "succeeded", "completed_with_errors", "failed", "cancelled"],
          },
          source: { type: "string", enum: ["slack", "api", "cli", "schedule"] },
          requestedBy: { type: "string", examples: ["api:hr-sync"] },
          approvedBy: { type: "string" },
          total: { type: "integer", description: "Rows in the file." },
          processed: {
            type: "integer",
            description: "Rows decided so far (skips and errors count from the start).",
          },
          summary: {
            type: "object",
            properties: {
              succeeded: { type: "integer" },
              failed: { type: "integer" },
              skipped: { type: "integer" },
            },
          },
          queuedAt: { type: "string", format: "date-time" },
          startedAt: { type: ["string", "null"], format: "date-time" },
          finishedAt: { type: ["string", "null"], format: "date-time" },
          durationMs: {
            type: ["integer", "null"],
            description: "From start to finish; while running, from start to now; null until started.",
          },
          queuePosition: { type: ["integer", "null"] },
          error: { type: ["string", "null"] },
          undoOf: { type: ["string", "null"] },
          statusUrl: { type: "string" },
          resultsUrl: { type: "string" },
        },
      },
      SignInsRequest: {
        type: "object",
        required: ["signIns"],
        properties: {
          signIns: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              required: ["email", "at"],
              properties: {
                email: { type: "string", format: "email" },
                at: {
                  type: "string",
                  description: "ISO 8601 date-time (no zone = UTC).",
                  examples: ["2026-11-02T08:15:00Z"],
                },
              },
            },
          },
        },
      },
      SignInsResult: {
        type: "object",
        required: ["updated", "unchanged", "unknown", "invalid"],
        properties: {
          updated: { type: "integer", description: "Users whose last sign-in moved forward." },
          unchanged: {
            type: "integer",
            description: "Known users whose stored sign-in is as recent or newer.",
          },
          unknown: {
            type: "array",
            items: { type: "string" },
            description: "E-mails with no user in the directory.",
          },
          invalid: {
            type: "array",
            items: {
              type: "object",
              properties: { email: { type: "string" }, at: { type: "string" }, reason: { type: "string" } },
            },
          },
        },
      },
    },
  },
} as const;
