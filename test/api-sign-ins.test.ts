// POST /api/sign-ins over real HTTP: a batch of last sign-in times (JSON or CSV), set-based, only forward
// in time; unknown e-mails and invalid entries are reported; the batch is audited with token name and IP.
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { queryRows } from "../src/directory/client.ts";
import { users } from "../src/directory/schema.ts";
import { parseSignInsFile, parseSignInTime, recordSignIns } from "../src/directory/sign-ins.ts";
import { csv, type RunningApi, startApi } from "./support/api.ts";
import { describeEachDatabase } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

// The test engine's clock: 2026-11-02T09:00:00Z.
async function lastLogins(db: Parameters<typeof queryRows>[0]) {
  const rows = await queryRows<{ email: string; at: string | null }>(
    db,
    sql`select email, to_char(last_login_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at from users order by email`,
  );
  return Object.fromEntries(rows.map((r) => [r.email, r.at]));
}

describe("sign-in times", () => {
  it("reads ISO 8601 dates and date-times; no zone is UTC", () => {
    expect(parseSignInTime("2026-10-15T08:30:00Z")?.toISOString()).toBe("2026-10-15T08:30:00.000Z");
    expect(parseSignInTime("2026-10-15T10:30:00+02:00")?.toISOString()).toBe("2026-10-15T08:30:00.000Z");
    expect(parseSignInTime("2026-10-15T10:30:00+0200")?.toISOString()).toBe("2026-10-15T08:30:00.000Z");
    expect(parseSignInTime("2026-10-15 08:30")?.toISOString()).toBe("2026-10-15T08:30:00.000Z");
    expect(parseSignInTime("2026-10-15")?.toISOString()).toBe("2026-10-15T00:00:00.000Z");
    expect(parseSignInTime("2026-10-15T08:30:00.123456Z")?.toISOString()).toBe("2026-10-15T08:30:00.123Z");
    for (const bad of [
      "",
      "yesterday",
      "15/10/2026",
      "2026-02-31",
      "2026-13-01",
      "2026-10-15T25:00:00Z",
      "1600000000",
    ]) {
      expect(parseSignInTime(bad), bad).toBeNull();
    }
  });

  it("reads a sign-ins CSV with the usual headers, or refuses it in plain words", async () => {
    expect(
      await parseSignInsFile(csv("UserPrincipalName;LastLogonDate\r\nA@x.com;2026-10-01\r\n\r\n")),
    ).toEqual({
      ok: true,
      entries: [{ email: "A@x.com", at: "2026-10-01" }],
      never: 0,
    });
    expect(await parseSignInsFile(csv("Email\r\na@x.com\r\n"))).toEqual({
      ok: false,
      refusal: {
        code: "csv.missing_column",
        message:
          "The file has no last sign-in column. Add a column named LastSignIn (or Last Sign In, lastLogin, signInActivity.lastSignInDateTime, LastLogonDate).",
      },
    });
    expect(await parseSignInsFile(csv("Name,Department\r\nAda,Sales\r\n"))).toMatchObject({
      ok: false,
      refusal: {
        message: expect.stringMatching(
          /^The file has no e-mail column and no last sign-in column\. Add columns named Email/,
        ),
      },
    });
    expect(await parseSignInsFile(csv(""))).toMatchObject({ ok: false, refusal: { code: "csv.empty" } });
    expect(await parseSignInsFile(csv("Email,LastSignIn\r\n"))).toMatchObject({
      ok: false,
      refusal: { code: "csv.no_rows" },
    });
  });

  it("reads the vendors' exports as they are: their key and last sign-in columns, date formats and 'never'", async () => {
    // Google Workspace: Users > Download users.
    const google = await parseSignInsFile(
      csv(
        "First Name [Required],Last Name [Required],Email Address [Required],Password [Required],Last Sign In [READ ONLY]\n" +
          "Jane,Smith,jane@example.org,****,2026/02/27 14:03:11\n" +
          "Wei,Chen,wei@example.org,****,Never logged in\n",
      ),
    );
    expect(google).toEqual({
      ok: true,
      entries: [{ email: "jane@example.org", at: "2026-02-27T14:03:11Z" }],
      never: 1,
    });
    // Okta: user report (lastLogin empty for users who never signed in).
    const okta = await parseSignInsFile(
      csv(
        "login,email,firstName,lastLogin\nlee@example.io,lee@example.io,Lee,2026-02-27T09:30:12.000Z\nnew@example.io,new@example.io,New,\n",
      ),
    );
    expect(okta).toEqual({
      ok: true,
      entries: [{ email: "lee@example.io", at: "2026-02-27T09:30:12.000Z" }],
      never: 1,
    });
    // Entra: Graph export, and the admin center's list with a US date.
    const graph = await parseSignInsFile(
      csv(
        "userPrincipalName,signInActivity.lastNonInteractiveSignInDateTime,signInActivity.lastSignInDateTime\n" +
          "ana@contoso.com,2026-02-28T10:00:00Z,2026-02-20T08:00:00Z\n",
      ),
    );
    expect(graph).toMatchObject({
      ok: true,
      entries: [{ email: "ana@contoso.com", at: "2026-02-20T08:00:00Z" }],
    });
    const portal = await parseSignInsFile(
      csv(
        'User principal name,Display name,Last sign-in\nbo@contoso.com,Bo,"2/27/2026, 2:03:11 PM"\ncy@contoso.com,Cy,Never\n',
      ),
    );
    expect(portal).toEqual({
      ok: true,
      entries: [{ email: "bo@contoso.com", at: "2026-02-27T14:03:11Z" }],
      never: 1,
    });
  });

  it("reads a sign-ins workbook: date-time cells as ISO times", async () => {
    const bytes = new Uint8Array(
      readFileSync(new URL("./fixtures/xlsx/sign-ins-entra.xlsx", import.meta.url)),
    );
    expect(await parseSignInsFile(bytes)).toEqual({
      ok: true,
      entries: [{ email: "maria.lopez@example.com", at: "2026-02-27T09:30:00" }],
      never: 1,
    });
  });
});

describeEachDatabase("sign-ins", (ctx) => {
  let api: RunningApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  async function seed() {
    await ctx.handle.db.insert(users).values([
      { email: "ada@example.com", displayName: "Ada" },
      { email: "bob@example.com", displayName: "Bob", lastLoginAt: "2026-10-01T00:00:00Z" },
      { email: "cy@example.com", displayName: "Cy", lastLoginAt: "2026-10-30T12:00:00Z" },
    ]);
  }

  it("JSON batch: moves sign-ins forward only, reports unknown and invalid entries, audits the batch", async () => {
    await seed();
    api = await startApi(ctx.handle, testEngine(ctx.handle));
    const res = await api.call("/api/sign-ins", {
      method: "POST",
      as: "signer",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        signIns: [
          { email: "ADA@example.com", at: "2026-10-15T08:30:00Z" },
          { email: "ada@example.com", at: "2026-10-14T08:30:00Z" },
          { email: "bob@example.com", at: "2026-09-01T00:00:00Z" },
          { email: "cy@example.com", at: "2026-10-31T09:00:00+01:00" },
          { email: "ghost@example.com", at: "2026-10-31T09:00:00Z" },
          { email: "not an email", at: "2026-10-31T09:00:00Z" },
          { email: "ada@example.com", at: "last tuesday" },
          { email: "bob@example.com", at: "2026-12-01T00:00:00Z" },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      updated: 2,
      unchanged: 1,
      unknown: ["ghost@example.com"],
      invalid: [
        { email: "not an email", at: "2026-10-31T09:00:00Z", reason: expect.stringContaining("e-mail") },
        { email: "ada@example.com", at: "last tuesday", reason: expect.stringContaining("ISO 8601") },
        { email: "bob@example.com", at: "2026-12-01T00:00:00Z", reason: expect.stringContaining("future") },
      ],
    });
    expect(await lastLogins(ctx.handle.db)).toEqual({
      "ada@example.com": "2026-10-15T08:30:00Z",
      "bob@example.com": "2026-10-01T00:00:00Z",
      "cy@example.com": "2026-10-31T08:00:00Z",
    });
    const audit = await queryRows<{ actor: string; source: string; action: string; details: unknown }>(
      ctx.handle.db,
      sql`select actor, source, action, details from audit_log`,
    );
    expect(audit).toHaveLength(1);
    const details = typeof audit[0]?.details === "string" ? JSON.parse(audit[0].details) : audit[0]?.details;
    expect(audit[0]).toMatchObject({ actor: "api:idp", source: "api", action: "users.sign_ins" });
    expect(details).toEqual({
      received: 8,
      updated: 2,
      unchanged: 1,
      unknown: 1,
      invalid: 3,
      ip: "127.0.0.1",
    });
  });

  it("CSV batch (Email,LastSignIn), also as multipart; repeating a batch changes nothing", async () => {
    await seed();
    api = await startApi(ctx.handle, testEngine(ctx.handle));
    const file =
      "Email,LastSignIn\r\nada@example.com,2026-11-01T07:00:00Z\r\nbob@example.com,2026-11-01T07:30:00Z\r\n";
    const first = await api.call("/api/sign-ins", {
      method: "POST",
      as: "signer",
      headers: { "content-type": "text/csv" },
      body: file,
    });
    expect(await first.json()).toEqual({ updated: 2, unchanged: 0, unknown: [], invalid: [] });
    const form = new FormData();
    form.set("file", new Blob([file], { type: "text/csv" }), "signins.csv");
    const again = await api.call("/api/sign-ins", { method: "POST", as: "signer", body: form });
    expect(await again.json()).toEqual({ updated: 0, unchanged: 2, unknown: [], invalid: [] });
    expect(await lastLogins(ctx.handle.db)).toMatchObject({
      "ada@example.com": "2026-11-01T07:00:00Z",
      "bob@example.com": "2026-11-01T07:30:00Z",
    });
  });

  it("refuses bodies it cannot read: 400 for bad JSON or shape or CSV, 413 over the JSON limit", async () => {
    api = await startApi(ctx.handle, testEngine(ctx.handle));
    const post = (body: string, type: string) =>
      api!.call("/api/sign-ins", { method: "POST", as: "signer", headers: { "content-type": type }, body });
    const badJson = await post("{not json", "application/json");
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error.code).toBe("http.bad_json");
    const badShape = await post(JSON.stringify({ users: [] }), "application/json");
    expect(badShape.status).toBe(400);
    expect((await badShape.json()).error.code).toBe("sign_ins.bad_body");
    const badCsv = await post("Email\r\nada@example.com\r\n", "text/csv");
    expect(badCsv.status).toBe(400);
    expect((await badCsv.json()).error.code).toBe("csv.missing_column");
    const huge = JSON.stringify({
      signIns: Array.from({ length: 2000 }, (_, i) => ({
        email: `u${i}@example.com`,
        at: "2026-10-01T00:00:00Z",
      })),
    });
    const tooBig = await post(huge, "application/json");
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).error.code).toBe("http.payload_too_large");
  });

  it("recordSignIns is one statement for a large batch, and audit is optional", async () => {
    const emails = Array.from({ length: 5000 }, (_, i) => `user${i}@example.com`);
    await ctx.handle.db.execute(
      sql`insert into users (email, display_name) select e, e from unnest(${sql.raw(`ARRAY[${emails.map((e) => `'${e}'`).join(",")}]`)}::text[]) as e`,
    );
    const result = await recordSignIns(
      ctx.handle.db,
      [
        ...emails.map((email) => ({ email, at: "2026-10-20T10:00:00Z" })),
        { email: "nobody@example.com", at: "2026-10-20" },
      ],
      new Date("2026-11-02T09:00:00Z"),
    );
    expect(result).toEqual({ updated: 5000, unchanged: 0, unknown: ["nobody@example.com"], invalid: [] });
    const [audit] = await queryRows<{ n: number }>(
      ctx.handle.db,
      sql`select count(*)::int as n from audit_log`,
    );
    expect(audit?.n).toBe(0);
  });
});
