// The bulk-user routes over real HTTP: dry run = the CLI's plan JSON; 202 + polling + results CSV; multipart;
// refusals; strict mode; licenses; idempotency; credentials; every change audited with token name and IP.
import { sql } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { users } from "../src/directory/schema.ts";
import { planDocument } from "../src/jobs/documents.ts";
import { previewFile, runUntilFinished } from "../src/jobs/service.ts";
import { csv, type RunningApi, startApi } from "./support/api.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import { waitUntil } from "./support/workers.ts";

const HIRES =
  "UserPrincipalName,DisplayName,Department\r\n" +
  "ada@example.com,Ada Lovelace,Engineering\r\n" +
  "not-an-email,Broken,Sales\r\n" +
  "grace@example.com,Grace Hopper,Engineering\r\n";

const BULK = "/api/automation/bulk-users";

describeEachDatabase("API bulk users", (ctx) => {
  let api: RunningApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it("?dryRun=true answers the plan exactly as previewFile plans it, and stores nothing", async () => {
    const engine = testEngine(ctx.handle);
    api = await startApi(ctx.handle, engine);
    const res = await api.call(`${BULK}/import?dryRun=true`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: HIRES,
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    const preview = await previewFile(engine, { operation: "create", bytes: csv(HIRES) });
    if (!preview.ok) throw new Error(preview.refusal.message);
    // The document as JSON (its rows of a planned upload are written from their stored form).
    expect(body).toEqual(JSON.parse(JSON.stringify(planDocument(preview.plan))));
    expect(body.rows[0].changes.length).toBeGreaterThan(0);
    expect(body.summary).toEqual({ change: 2, skip: 0, error: 1 });
    const [counts] = await queryRows<{ plans: number; jobs: number; users: number }>(
      ctx.handle.db,
      sql`select (select count(*)::int from plans) as plans, (select count(*)::int from jobs) as jobs,
            (select count(*)::int from users) as users`,
    );
    expect(counts).toEqual({ plans: 0, jobs: 0, users: 0 });
  });

  it("queues a job (202), the worker runs it, status is polled to the end, results.csv has every row in order", async () => {
    const engine = { ...testEngine(ctx.handle), clock: () => new Date() };
    api = await startApi(ctx.handle, engine, { worker: true });
    const res = await api.call(`${BULK}/import`, {
      method: "POST",
      headers: { "content-type": "text/csv; charset=utf-8" },
      body: HIRES,
    });
    expect(res.status).toBe(202);
    const accepted = await res.json();
    expect(accepted).toMatchObject({
      jobId: expect.stringMatching(/^job_/),
      status: "queued",
      statusUrl: `${BULK}/jobs/${accepted.jobId}`,
      resultsUrl: `${BULK}/jobs/${accepted.jobId}/results.csv`,
      queuePosition: 1,
      operation: "create",
      summary: { change: 2, skip: 0, error: 1 },
    });
    expect(res.headers.get("location")).toBe(accepted.statusUrl);
    expect(api.wakes).toBe(1);

    const status = await waitUntil(
      async () => {
        const poll = await api!.call(accepted.statusUrl);
        expect(poll.status).toBe(200);
        const doc = await poll.json();
        return doc.status === "queued" || doc.status === "running" ? undefined : doc;
      },
      { what: "the job to finish" },
    );
    expect(status).toMatchObject({
      jobId: accepted.jobId,
      operation: "create",
      status: "completed_with_errors",
      source: "api",
      requestedBy: "api:admin",
      approvedBy: "api:admin",
      total: 3,
      processed: 3,
      summary: { succeeded: 2, failed: 1, skipped: 0 },
      queuePosition: null,
      error: null,
      statusUrl: accepted.statusUrl,
      resultsUrl: accepted.resultsUrl,
    });
    for (const key of ["queuedAt", "startedAt", "finishedAt"]) {
      expect(new Date(status[key]).toISOString()).toBe(status[key]);
    }
    expect(status.durationMs).toBe(Date.parse(status.finishedAt) - Date.parse(status.startedAt));

    const results = await api.call(accepted.resultsUrl);
    expect(results.status).toBe(200);
    expect(results.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(results.headers.get("content-disposition")).toBe(
      `attachment; filename="results-${accepted.jobId}.csv"`,
    );
    const bytes = new Uint8Array(await results.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trimEnd().split("\r\n");
    expect(lines[0]).toBe("Status,Reason,UserPrincipalName,DisplayName,Department");
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["Succeeded", "Failed", "Succeeded"]);
    expect(lines[1]).toBe("Succeeded,,ada@example.com,Ada Lovelace,Engineering");
    expect(lines[2]).toMatch(/^Failed,.*not-an-email.*,not-an-email,Broken,Sales$/);
    expect(lines[3]).toBe("Succeeded,,grace@example.com,Grace Hopper,Engineering");

    // Every change is audited with the token's name and the client's IP.
    const audit = await queryRows<{
      actor: string;
      source: string;
      action: string;
      target: string;
      ip: string;
    }>(
      ctx.handle.db,
      sql`select actor, source, action, target, details->>'ip' as ip from audit_log
          where job_id = ${accepted.jobId} order by id`,
    );
    expect(audit.map((a) => [a.action, a.target])).toEqual([
      ["job.confirm", expect.stringMatching(/^plan_/)],
      ["user.create", "ada@example.com"],
      ["user.create", "grace@example.com"],
    ]);
    for (const row of audit)
      expect(row).toMatchObject({ actor: "api:admin", source: "api", ip: "127.0.0.1" });
    const [plan] = await queryRows<{ actor: string; ip: string; token: string }>(
      ctx.handle.db,
      sql`select actor, context->>'ip' as ip, context->>'tokenName' as token from plans`,
    );
    expect(plan).toEqual({ actor: "api:admin", ip: "127.0.0.1", token: "admin" });
  });

  it("accepts multipart/form-data with a `file` field (and a Windows-1252 file)", async () => {
    const engine = testEngine(ctx.handle);
    api = await startApi(ctx.handle, engine);
    const latin1 = Uint8Array.from([
      ...csv("UserPrincipalName,DisplayName\r\nrene@example.com,Ren"),
      0xe9,
      ...csv("\r\n"),
    ]);
    const form = new FormData();
    form.set("file", new Blob([latin1], { type: "text/csv" }), "hires.csv");
    const res = await api.call(`${BULK}/import?dryRun=true`, { method: "POST", body: form });
    expect(res.status).toBe(200);
    const plan = await res.json();
    expect(plan.rows).toEqual([expect.objectContaining({ key: "rene@example.com", outcome: "change" })]);
    expect(plan.rows[0].changes).toContainEqual({ field: "displayName", from: null, to: "René" });

    // The same as a real upload: the job keeps the file name.
    const queued = await api.call(`${BULK}/import`, { method: "POST", body: form });
    expect(queued.status).toBe(202);
    const [stored] = await queryRows<{ file_name: string }>(ctx.handle.db, sql`select file_name from plans`);
    expect(stored?.file_name).toBe("hires.csv");

    const missing = new FormData();
    missing.set("other", new Blob([latin1]), "x.csv");
    const refused = await api.call(`${BULK}/import`, { method: "POST", body: missing });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: { code: "http.missing_file", message: expect.any(String) },
    });
  });

  it("refuses a file (400 with the reader's code), JSON bodies (415) and bad parameters; nothing is stored", async () => {
    const engine = testEngine(ctx.handle);
    api = await startApi(ctx.handle, engine);
    const empty = await api.call(`${BULK}/import`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
    });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: { code: "csv.empty", message: expect.any(String) } });

    const noKey = await api.call(`${BULK}/update`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "Department,JobTitle\r\nSales,Rep\r\n",
    });
    expect(noKey.status).toBe(400);
    const body = await noKey.json();
    expect(body.error.code).toBe("csv.missing_column");
    expect(body.error.message).toMatch(/UserPrincipalName|e-mail|email/i);

    const json = await api.call(`${BULK}/disable`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ users: ["a@example.com"] }),
    });
    expect(json.status).toBe(415);
    expect((await json.json()).error.code).toBe("http.unsupported_media_type");

    const badFlag = await api.call(`${BULK}/import?dryRun=maybe`, { method: "POST", body: HIRES });
    expect(badFlag.status).toBe(400);
    expect((await badFlag.json()).error.code).toBe("http.bad_parameter");

    const [counts] = await queryRows<{ plans: number; jobs: number }>(
      ctx.handle.db,
      sql`select (select count(*)::int from plans) as plans, (select count(*)::int from jobs) as jobs`,
    );
    expect(counts).toEqual({ plans: 0, jobs: 0 });
  });

  it("413 with a JSON error when the body is over the limit", async () => {
    const engine = testEngine(ctx.handle);
    api = await startApi(ctx.handle, engine, { limits: { csvBytes: 1024 } });
    const big = `UserPrincipalName,DisplayName\r\n${"x".repeat(4096)}@example.com,X\r\n`;
    const res = await api.call(`${BULK}/import`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: "http.payload_too_large", message: expect.stringContaining("larger than") },
    });
  });

  it("?strict=true: rows with errors → 422 with the plan, nothing queued; a clean file is queued", async () => {
    const engine = testEngine(ctx.handle);
    api = await startApi(ctx.handle, engine);
    const res = await api.call(`${BULK}/import?strict=true`, { method: "POST", body: HIRES });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe("plan.has_errors");
    expect(body.plan.summary).toEqual({ change: 2, skip: 0, error: 1 });
    expect(body.plan.rows[1]).toMatchObject({ row: 2, outcome: "error" });
    const [jobs] = await queryRows<{ n: number }>(ctx.handle.db, sql`select count(*)::int as n from jobs`);
    expect(jobs?.n).toBe(0);

    const clean = await api.call(`${BULK}/import?strict=true`, {
      method: "POST",
      body: "UserPrincipalName,DisplayName\r\nada@example.com,Ada\r\n",
    });
    expect(clean.status).toBe(202);
  });

  it("licenses: assign by default, ?action=remove removes, another action is a 400", async () => {
    const engine = testEngine(ctx.handle);
    api = await startApi(ctx.handle, engine);
    await ctx.handle.db.insert(users).values({ email: "ada@example.com", displayName: "Ada" });
    await ctx.handle.db.execute(
      sql`insert into licenses (sku, name, total_seats) values ('E5', 'Office E5', 10)`,
    );
    const file = "UserPrincipalName,License\r\nada@example.com,E5\r\n";
    const assign = await api.call(`${BULK}/licenses?dryRun=true`, { method: "POST", body: file });
    expect(await assign.json()).toMatchObject({ operation: "assign-license", summary: { change: 1 } });
    const remove = await api.call(`${BULK}/licenses?dryRun=true&action=remove`, {
      method: "POST",
      body: file,
    });
    expect(await remove.json()).toMatchObject({ operation: "remove-license", summary: { skip: 1 } });
    const bad = await api.call(`${BULK}/licenses?action=swap`, { method: "POST", body: file });
    expect(bad.status).toBe(400);

    const queued = await api.call(`${BULK}/licenses`, { method: "POST", body: file });
    expect(queued.status).toBe(202);
    const { jobId } = await queued.json();
    await runUntilFinished(engine, jobId, { owner: "w" });
    const [seat] = await queryRows<{ n: number }>(
      ctx.handle.db,
      sql`select count(*)::int as n from license_assignments`,
    );
    expect(seat?.n).toBe(1);
  });

  it("the disable and update routes run their operations", async () => {
    // A moving clock: jobs queued at the same instant have no defined order.
    const engine = { ...testEngine(ctx.handle), clock: () => new Date() };
    api = await startApi(ctx.handle, engine);
    await ctx.handle.db.insert(users).values([
      { email: "ada@example.com", displayName: "Ada", department: "Sales" },
      { email: "bob@example.com", displayName: "Bob" },
    ]);
    const update = await api.call(`${BULK}/update`, {
      method: "POST",
      body: "UserPrincipalName,Department\r\nada@example.com,Legal\r\n",
    });
    const disable = await api.call(`${BULK}/disable`, {
      method: "POST",
      body: "UserPrincipalName\r\nbob@example.com\r\n",
    });
    expect([update.status, disable.status]).toEqual([202, 202]);
    const [first, second] = [await update.json(), await disable.json()];
    expect(second.queuePosition).toBe(2);
    await runUntilFinished(engine, second.jobId, { owner: "w" });
    const rows = await ctx.handle.db.select().from(users).orderBy(users.email);
    expect(rows.map((u) => [u.email, u.department, u.status])).toEqual([
      ["ada@example.com", "Legal", "active"],
      ["bob@example.com", null, "disabled"],
    ]);
    const audit = await queryRows<{ action: string; actor: string; ip: string }>(
      ctx.handle.db,
      sql`select action, actor, details->>'ip' as ip from audit_log where job_id in (${first.jobId}, ${second.jobId})
          and action like 'user.%' order by id`,
    );
    expect(audit).toEqual([
      { action: "user.update", actor: "api:admin", ip: "127.0.0.1" },
      { action: "user.disable", actor: "api:admin", ip: "127.0.0.1" },
    ]);
  });

  it("404 for an unknown job; 409 for results before the job has finished", async () => {
    const engine = testEngine(ctx.handle);
    api = await startApi(ctx.handle, engine);
    const unknown = await api.call(`${BULK}/jobs/job_nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { code: "job.not_found", message: "No job with id 'job_nope'." },
    });
    const unknownResults = await api.call(`${BULK}/jobs/job_nope/results.csv`);
    expect(unknownResults.status).toBe(404);

    const queued = await (await api.call(`${BULK}/import`, { method: "POST", body: HIRES })).json();
    const early = await api.call(queued.resultsUrl);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: { code: "job.not_finished" }, status: "queued" });
    const status = await (await api.call(queued.statusUrl)).json();
    expect(status).toMatchObject({
      status: "queued",
      queuePosition: 1,
      startedAt: null,
      durationMs: null,
      processed: 1,
    });

    await runUntilFinished(engine, queued.jobId, { owner: "w" });
    expect((await api.call(queued.resultsUrl)).status).toBe(200);
  });

  it("Idempotency-Key: a retried request gets the same job; the key with another file is a 422", async () => {
    const engine = testEngine(ctx.handle);
    api = await startApi(ctx.handle, engine);
    const send = (body: string) =>
      api!.call(`${BULK}/import`, { method: "POST", headers: { "idempotency-key": "hire-batch-42" }, body });
    const first = await send(HIRES);
    const again = await send(HIRES);
    expect([first.status, again.status]).toEqual([202, 202]);
    const [a, b] = [await first.json(), await again.json()];
    expect(b.jobId).toBe(a.jobId);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(api.wakes).toBe(1);
    const other = await send("UserPrincipalName,DisplayName\r\nzed@example.com,Zed\r\n");
    expect(other.status).toBe(422);
    expect((await other.json()).error.code).toBe("api.idempotency_key_reused");
    const [jobs] = await queryRows<{ n: number }>(ctx.handle.db, sql`select count(*)::int as n from jobs`);
    expect(jobs?.n).toBe(1);
  });

  it("credentials.csv: the approving token downloads the generated passwords once", async () => {
    const engine = testEngine(ctx.handle);
    api = await startApi(ctx.handle, engine);
    const queued = await (await api.call(`${BULK}/import`, { method: "POST", as: "hr", body: HIRES })).json();
    const url = `${BULK}/jobs/${queued.jobId}/credentials.csv`;
    expect((await api.call(url, { as: "hr" })).status).toBe(409);
    await runUntilFinished(engine, queued.jobId, { owner: "w" });
    expect((await api.call(url, { as: "admin" })).status).toBe(403);
    const res = await api.call(url, { as: "hr" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const lines = new TextDecoder()
      .decode((await res.arrayBuffer()).slice(3))
      .trimEnd()
      .split("\r\n");
    expect(lines[0]).toBe("UserPrincipalName,TemporaryPassword");
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["ada@example.com", "grace@example.com"]);
    expect(lines[1]?.split(",")[1]?.length).toBeGreaterThanOrEqual(16);
    expect((await api.call(url, { as: "hr" })).status).toBe(410);
    const [audit] = await queryRows<{ actor: string; ip: string }>(
      ctx.handle.db,
      sql`select actor, details->>'ip' as ip from audit_log where action = 'job.credentials_delivered'`,
    );
    expect(audit).toEqual({ actor: "api:hr-sync", ip: "127.0.0.1" });
  });
});
