// Welcome messages are never sent twice, across real crashes: a delivering process is killed (SIGKILL)
// between two sends, or in the middle of one; the next process resumes where it stopped. Processes start
// with tsx and open the database from disk: slow on a busy machine, hence the generous timeouts.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { asc, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../src/directory/client.ts";
import { auditLog, users, welcomeMessages } from "../src/directory/schema.ts";
import { getJob } from "../src/jobs/job-store.ts";
import { confirm, planFile } from "../src/jobs/service.ts";
import { createWelcomeDelivery } from "../src/jobs/welcome-delivery.ts";
import { createSmtpMailer } from "../src/mail/mailer.ts";
import { createPostgresDatabase, databaseTargets } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";
import { startTestSmtp, type TestSmtp } from "./support/smtp.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HIRES = 5;
const personal = (i: number) => `hire${i}@home.example`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A database URL a child process can open after this one closed it (PGlite on disk, or PostgreSQL). */
async function sharedDatabase(kind: "pglite" | "postgres"): Promise<string> {
  if (kind === "postgres") {
    const { url, drop } = await createPostgresDatabase();
    cleanups.push(drop);
    return url;
  }
  const dir = await mkdtemp(join(tmpdir(), "bulkusers-welcome-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return `pglite:${dir}`;
}

/** Queues a create job of HIRES people, each with a personal address, asking for welcome messages. */
async function queueHires(url: string, smtp: TestSmtp): Promise<string> {
  const handle = await openDatabase(url);
  try {
    const engine = testEngine(handle);
    const mailer = createSmtpMailer({ url: smtp.url, from: "it@corp.example" });
    engine.welcome = createWelcomeDelivery({
      db: handle.db,
      sealer: engine.sealer,
      mailer,
      owner: "planner",
      settings: { credentials: "link", linkHours: 72, publicUrl: "https://bulkusers.test" },
    });
    const lines = ["UserPrincipalName,DisplayName,Personal Email"];
    for (let i = 1; i <= HIRES; i++) lines.push(`hire${i}@corp.example,Hire ${i},${personal(i)}`);
    const planned = await planFile(engine, {
      operation: "create",
      bytes: new TextEncoder().encode(lines.join("\n")),
      source: "cli",
      actor: "cli:hr",
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    const { job } = await confirm(engine, {
      planId: planned.stored.id,
      approvedBy: "cli:hr",
      source: "cli",
      allowPartial: true,
    });
    mailer.close();
    return job.id;
  } finally {
    await handle.close();
  }
}

function runChild(url: string, smtpUrl: string, crashAfter?: number) {
  const args = ["--import", "tsx", join(ROOT, "test/support/welcome-child.ts"), url, smtpUrl];
  if (crashAfter !== undefined) args.push("--crash-after", String(crashAfter));
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  proc.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    out: string;
    err: string;
  }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, out, err })));
  return { proc, exited };
}

async function rows(handle: DatabaseHandle) {
  return handle.db
    .select({ row: welcomeMessages.row, status: welcomeMessages.status, to: welcomeMessages.recipient })
    .from(welcomeMessages)
    .orderBy(asc(welcomeMessages.row));
}

for (const kind of databaseTargets()) {
  describe(`welcome delivery across crashes [${kind}]`, () => {
    it("a crash between two sends: the next process sends the rest, nobody gets a second e-mail", async () => {
      const smtp = await startTestSmtp();
      cleanups.push(() => smtp.close());
      const url = await sharedDatabase(kind);
      const jobId = await queueHires(url, smtp);

      const first = await runChild(url, smtp.url, 2).exited;
      expect(first.signal, first.err).toBe("SIGKILL");
      expect(smtp.received.map((m) => m.to[0])).toEqual([personal(1), personal(2)]);

      const second = await runChild(url, smtp.url).exited;
      expect(second.code, second.err).toBe(0);
      expect(smtp.received.map((m) => m.to[0])).toEqual([1, 2, 3, 4, 5].map(personal));

      const handle = await openDatabase(url);
      cleanups.push(() => handle.close());
      expect((await getJob(handle.db, jobId))?.status).toBe("succeeded");
      expect(await rows(handle)).toEqual(
        [1, 2, 3, 4, 5].map((i) => ({ row: i, status: "sent", to: personal(i) })),
      );
      const sent = await handle.db.select().from(auditLog).where(eq(auditLog.action, "welcome.sent"));
      expect(sent).toHaveLength(HIRES);
    }, 300_000);

    it("a crash in the middle of a send: that one is not sent again, and is reported once it is stale", async () => {
      const smtp = await startTestSmtp();
      cleanups.push(() => smtp.close());
      const url = await sharedDatabase(kind);
      await queueHires(url, smtp);

      const child = runChild(url, smtp.url);
      // The third message has been transmitted but not yet acknowledged when the sender dies.
      smtp.beforeAccept = async (mail) => {
        if (mail.to[0] !== personal(3)) return;
        child.proc.kill("SIGKILL");
        await child.exited;
        throw new Error("sender gone");
      };
      const first = await child.exited;
      expect(first.signal).toBe("SIGKILL");
      smtp.beforeAccept = undefined;

      const second = await runChild(url, smtp.url).exited;
      expect(second.code, second.err).toBe(0);
      expect(smtp.received.map((m) => m.to[0])).toEqual([1, 2, 4, 5].map(personal));

      const handle = await openDatabase(url);
      cleanups.push(() => handle.close());
      expect((await rows(handle)).map((r) => r.status)).toEqual(["sent", "sent", "sending", "sent", "sent"]);
      // Five minutes later the stuck row is reported as failed, with why it was not resent.
      const engine = testEngine(handle);
      engine.setNow(new Date(Date.now() + 6 * 60_000).toISOString());
      const mailer = createSmtpMailer({ url: smtp.url, from: "it@corp.example" });
      cleanups.push(() => mailer.close());
      await createWelcomeDelivery({
        db: handle.db,
        sealer: engine.sealer,
        mailer,
        owner: "later",
        clock: engine.clock,
        settings: { credentials: "link", linkHours: 72, publicUrl: "https://bulkusers.test" },
      }).deliverPending();
      const [third] = await handle.db.select().from(welcomeMessages).where(eq(welcomeMessages.row, 3));
      expect(third).toMatchObject({
        status: "failed",
        reason: "interrupted while sending: it may have arrived, so it was not sent again",
      });
      expect(smtp.received).toHaveLength(4);
      // Its account exists all the same.
      expect(await handle.db.select().from(users).where(eq(users.email, "hire3@corp.example"))).toHaveLength(
        1,
      );
    }, 300_000);
  });
}
