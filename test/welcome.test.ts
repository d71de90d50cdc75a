// Welcome messages end to end: a create job → e-mails that reach a real SMTP server on loopback → a
// one-time link served by the app that shows the password once, then answers 410; the manager's Slack DM
// (never the password); bounces, retries, the password-in-the-e-mail setting, reset-password on request.
import { WebClient } from "@slack/web-api";
import { parse } from "csv-parse/sync";
import { asc, eq, like } from "drizzle-orm";
import { afterEach, beforeEach, expect, it } from "vitest";
import { auditLog, users, welcomeMessages } from "../src/directory/schema.ts";
import { createHttpApp, type ListeningServer, listen } from "../src/http/server.ts";
import { createWelcomeRouter } from "../src/http/welcome-router.ts";
import { getJob } from "../src/jobs/job-store.ts";
import { readCredentials, resultsCsv } from "../src/jobs/results.ts";
import { verifyPassword } from "../src/jobs/secrets.ts";
import { confirm, planFile, runUntilFinished } from "../src/jobs/service.ts";
import { createWelcomeDelivery, type WelcomeSettings } from "../src/jobs/welcome-delivery.ts";
import { createLogger } from "../src/logger.ts";
import { createSmtpMailer, type Mailer } from "../src/mail/mailer.ts";
import { describeEachDatabase } from "./support/db.ts";
import { type TestEngine, testEngine } from "./support/engine.ts";
import { type FakeSlack, startFakeSlack } from "./support/fake-slack.ts";
import { startTestSmtp, type TestSmtp } from "./support/smtp.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const csvRows = (data: Uint8Array) => parse(Buffer.from(data).toString("utf8"), { bom: true }) as string[][];

// Google Workspace's bulk-upload headers, with its personal-address column.
const HIRES = [
  "First Name [Required],Last Name [Required],Email Address [Required],Home Secondary Email,Manager Email,Start Date",
  "Ada,Lovelace,ada@corp.example,ada.l@home.example,boss@corp.example,2026-11-09",
  "Bob,Stone,bob@corp.example,,boss@corp.example,2026-11-16",
  "Cy,Nobody,cy@corp.example,,,",
].join("\r\n");

describeEachDatabase("welcome messages", (ctx) => {
  let smtp: TestSmtp;
  let http: ListeningServer;
  let engine: TestEngine;
  let mailer: Mailer;
  const closers: Array<() => Promise<void> | void> = [];

  beforeEach(async () => {
    smtp = await startTestSmtp();
    engine = testEngine(ctx.handle);
    const app = createHttpApp({
      db: ctx.handle.db,
      logger: createLogger("silent"),
      routers: [
        {
          path: "/welcome",
          router: createWelcomeRouter({ db: ctx.handle.db, sealer: engine.sealer, clock: engine.clock }),
        },
      ],
    });
    http = await listen(app, 0, "127.0.0.1");
    mailer = createSmtpMailer({ url: smtp.url, from: "IT <it@corp.example>" });
    closers.push(
      () => mailer.close(),
      () => smtp.close(),
      () => http.close(),
    );
    await ctx.handle.db.insert(users).values([
      { email: "boss@corp.example", displayName: "Grace Boss", firstName: "Grace" },
      { email: "other@corp.example", displayName: "Otto Other" },
    ]);
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  const base = () => `http://127.0.0.1:${http.port}`;

  function withWelcome(settings: Partial<WelcomeSettings> = {}, extra: { slack?: FakeSlack } = {}) {
    const slackClient = extra.slack
      ? new WebClient(extra.slack.botToken, {
          slackApiUrl: extra.slack.url,
          retryConfig: { retries: 0 },
        })
      : undefined;
    engine.welcome = createWelcomeDelivery({
      db: ctx.handle.db,
      sealer: engine.sealer,
      mailer,
      owner: "test",
      clock: engine.clock,
      settings: { credentials: "link", linkHours: 72, publicUrl: base(), ...settings },
      retryDelayMs: () => 60_000,
      maxAttempts: 3,
      ...(slackClient ? { slack: () => slackClient } : {}),
    });
    return engine;
  }

  async function run(operation: "create" | "reset-password", text: string, welcome?: boolean) {
    const planned = await planFile(engine, {
      operation,
      bytes: bytes(text),
      source: "cli",
      actor: "cli:hr",
      ...(welcome !== undefined ? { welcome } : {}),
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    const { job } = await confirm(engine, {
      planId: planned.stored.id,
      approvedBy: "cli:hr",
      source: "cli",
      allowPartial: true,
    });
    await runUntilFinished(engine, job.id, { owner: "test-worker" });
    return (await getJob(ctx.handle.db, job.id))!;
  }

  const linkIn = (text: string) => {
    const found = text.match(/http:\/\/127\.0\.0\.1:\d+\/welcome\/[A-Za-z0-9_-]+/);
    if (!found) throw new Error(`no link in: ${text}`);
    return found[0];
  };

  it("sends one welcome per hire (personal address, else manager), with a one-time link that shows the password once", async () => {
    withWelcome();
    const job = await run("create", HIRES);
    expect(job.status).toBe("succeeded");
    const passwords = new Map(
      (await readCredentials(ctx.handle.db, engine.sealer, job.id)).map((c) => [c.email, c.password]),
    );
    expect(passwords.size).toBe(3);

    // Ada's goes to her personal address, Bob's (no personal address) to his manager, Cy gets none.
    expect(smtp.received.map((m) => m.to)).toEqual([["ada.l@home.example"], ["boss@corp.example"]]);
    const ada = smtp.received[0]!;
    expect(ada.from).toBe("it@corp.example");
    expect(ada.subject).toBe("Welcome, Ada: your account is ready");
    expect(ada.text).toContain("You sign in as ada@corp.example.");
    expect(ada.text).toContain("Your first day is 2026-11-09.");
    expect(ada.text).toContain("Your manager is Grace Boss.");
    expect(ada.text).toContain("It works once, until 2026-11-05T09:00Z");
    expect(ada.html).toContain("<strong>ada@corp.example</strong>");
    for (const mail of smtp.received) {
      for (const password of passwords.values()) {
        expect(mail.text).not.toContain(password);
        expect(mail.html).not.toContain(password);
      }
    }

    // The results CSV says where each went; the audit log too.
    const results = csvRows(await resultsCsv(ctx.handle.db, job));
    expect(results[0]!.slice(0, 4)).toEqual(["Status", "Reason", "Welcome", "First Name [Required]"]);
    expect(results.slice(1).map((r) => r[2])).toEqual([
      "Sent to ada.l@home.example",
      "Sent to the manager boss@corp.example",
      "Not sent: no address (no personal e-mail in the file and no manager)",
    ]);
    const audit = await ctx.handle.db
      .select()
      .from(auditLog)
      .where(like(auditLog.action, "welcome.%"))
      .orderBy(asc(auditLog.id));
    expect(audit.map((a) => [a.action, a.target, (a.after as { recipient?: string }).recipient])).toEqual([
      ["welcome.sent", "ada@corp.example", "ada.l@home.example"],
      ["welcome.sent", "bob@corp.example", "boss@corp.example"],
      ["welcome.no_address", "cy@corp.example", undefined],
    ]);

    // GET only offers the button (mail scanners fetch links); POST shows the password, once.
    const link = linkIn(ada.text);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    const pageText = await page.text();
    expect(pageText).toContain("Show my password");
    expect(pageText).not.toContain(passwords.get("ada@corp.example")!);

    const revealed = await fetch(link, { method: "POST" });
    expect(revealed.status).toBe(200);
    const shown = (await revealed.text()).match(/<code>([^<]+)<\/code>/)?.[1];
    expect(shown).toBe(passwords.get("ada@corp.example"));
    const [stored] = await ctx.handle.db.select().from(users).where(eq(users.email, "ada@corp.example"));
    expect(await verifyPassword(shown!, stored!.passwordHash!)).toBe(true);

    expect((await fetch(link, { method: "POST" })).status).toBe(410);
    expect((await fetch(link)).status).toBe(410);
    expect((await fetch(`${base()}/welcome/not-a-token`)).status).toBe(404);
    const [adaRow] = await ctx.handle.db
      .select()
      .from(welcomeMessages)
      .where(eq(welcomeMessages.email, "ada@corp.example"));
    expect(adaRow).toMatchObject({ status: "sent", sealedPassword: null });
    expect(adaRow!.linkRevealedAt).not.toBeNull();

    // Bob's link expires after 72 hours unused.
    const bobLink = linkIn(smtp.received[1]!.text);
    engine.setNow("2026-11-05T09:00:01.000Z");
    expect((await fetch(bobLink)).status).toBe(410);
    expect((await fetch(bobLink, { method: "POST" })).status).toBe(410);
  });

  it("DMs the manager in Slack that the account is ready, never with the password", async () => {
    const slack = await startFakeSlack();
    closers.push(() => slack.close());
    const bossId = slack.addMember("boss@corp.example");
    withWelcome({}, { slack });
    // Cy's manager is not in Slack: no DM, and the row says so.
    const job = await run(
      "create",
      HIRES.replace("Cy,Nobody,cy@corp.example,,,", "Cy,Nobody,cy@corp.example,,other@corp.example,"),
    );
    const passwords = (await readCredentials(ctx.handle.db, engine.sealer, job.id)).map((c) => c.password);

    expect(slack.callsTo("conversations.open").map((c) => c.args.users)).toEqual([bossId, bossId]);
    const dms = slack.messages.filter((m) => m.channel.startsWith("D"));
    expect(dms.map((m) => m.text)).toEqual([
      "The account of Ada Lovelace (starting 2026-11-09) is ready: they sign in as ada@corp.example. Sign-in instructions went to their personal address ada.l@home.example.",
      "The account of Bob Stone (starting 2026-11-16) is ready: they sign in as bob@corp.example. The sign-in instructions were e-mailed to you: please pass them on.",
    ]);
    for (const call of slack.calls)
      expect(JSON.stringify(call.args)).not.toMatch(new RegExp(passwords.join("|")));
    expect(slack.callsTo("users.lookupByEmail").map((c) => c.args.email)).toEqual([
      "boss@corp.example",
      "boss@corp.example",
      "other@corp.example",
    ]);
    const rows = await ctx.handle.db
      .select({ email: welcomeMessages.email, dm: welcomeMessages.managerDm })
      .from(welcomeMessages)
      .orderBy(asc(welcomeMessages.row));
    expect(rows).toEqual([
      { email: "ada@corp.example", dm: "sent" },
      { email: "bob@corp.example", dm: "sent" },
      { email: "cy@corp.example", dm: "not_in_slack" },
    ]);
  });

  it("reports a bounce, retries a deferral later, and never sends one twice", async () => {
    withWelcome();
    smtp.reject.add("ada.l@home.example");
    smtp.deferOnce.set("boss@corp.example", 1);
    const job = await run("create", HIRES);
    expect(smtp.received).toHaveLength(0);
    let results = csvRows(await resultsCsv(ctx.handle.db, job)).slice(1);
    expect(results[0]![2]).toMatch(/^Bounced by ada\.l@home\.example: 550 5\.1\.1 No such user here/);
    expect(results[1]![2]).toMatch(/^Waiting to be sent \(will retry: .*451 4\.2\.1 Mailbox busy/);

    // Not due yet: nothing is sent.
    await engine.welcome!.deliverPending();
    expect(smtp.received).toHaveLength(0);
    engine.setNow("2026-11-02T09:01:00.000Z");
    await engine.welcome!.deliverPending();
    await engine.welcome!.deliverPending();
    expect(smtp.received.map((m) => m.to)).toEqual([["boss@corp.example"]]);
    results = csvRows(await resultsCsv(ctx.handle.db, job)).slice(1);
    expect(results[1]![2]).toBe("Sent to the manager boss@corp.example");
    const bounced = await ctx.handle.db.select().from(auditLog).where(eq(auditLog.action, "welcome.bounced"));
    expect(bounced.map((a) => a.target)).toEqual(["ada@corp.example"]);
    const [adaRow] = await ctx.handle.db
      .select()
      .from(welcomeMessages)
      .where(eq(welcomeMessages.email, "ada@corp.example"));
    expect(adaRow).toMatchObject({ status: "bounced", sealedPassword: null, linkHash: null });
  });

  it("puts the password in the e-mail when the organisation chose that, and keeps no copy", async () => {
    withWelcome({ credentials: "password" });
    const job = await run("create", HIRES);
    const password = (await readCredentials(ctx.handle.db, engine.sealer, job.id)).find(
      (c) => c.email === "ada@corp.example",
    )!.password;
    expect(smtp.received[0]!.text).toContain(`Your temporary password: ${password}`);
    expect(smtp.received[0]!.text).not.toContain("/welcome/");
    const sealed = await ctx.handle.db.select({ p: welcomeMessages.sealedPassword }).from(welcomeMessages);
    expect(sealed.every((r) => r.p === null)).toBe(true);
  });

  it("sends nothing when a create job says no, and reset-password only when asked", async () => {
    withWelcome();
    await run("create", HIRES, false);
    expect(smtp.received).toHaveLength(0);
    expect(await ctx.handle.db.select().from(welcomeMessages)).toHaveLength(0);

    await run("reset-password", "UserPrincipalName\nada@corp.example\n");
    expect(smtp.received).toHaveLength(0);
    await run("reset-password", "UserPrincipalName\nada@corp.example\n", true);
    expect(smtp.received.map((m) => m.to)).toEqual([["ada.l@home.example"]]);
  });

  it("refuses to plan welcome messages without mail configured, or for an operation that sets no password", async () => {
    const planned = await planFile(engine, {
      operation: "create",
      bytes: bytes(HIRES),
      source: "cli",
      actor: "cli:hr",
      welcome: true,
    });
    expect(planned).toMatchObject({ ok: false, refusal: { code: "welcome.mail_off" } });
    withWelcome();
    const other = await planFile(engine, {
      operation: "disable",
      bytes: bytes("UserPrincipalName\nboss@corp.example\n"),
      source: "cli",
      actor: "cli:hr",
      welcome: true,
    });
    expect(other).toMatchObject({ ok: false, refusal: { code: "welcome.not_applicable" } });
  });
});
