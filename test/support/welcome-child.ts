// Welcome delivery in its own process, for the crash tests (test/welcome-crash.test.ts):
//   node --import tsx test/support/welcome-child.ts <db-url> <smtp-url> [--crash-after N]
// Runs the queue (the job, then its welcome messages) until idle. With --crash-after N it kills itself
// with SIGKILL right after the Nth message is settled: a real crash between two sends.
import { parseArgs } from "node:util";
import { openDatabase } from "../../src/directory/client.ts";
import { drainQueue } from "../../src/jobs/queue.ts";
import { createSealer } from "../../src/jobs/secrets.ts";
import { type Engine, executorDeps } from "../../src/jobs/service.ts";
import { createWelcomeDelivery } from "../../src/jobs/welcome-delivery.ts";
import { createSmtpMailer } from "../../src/mail/mailer.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "crash-after": { type: "string" } },
});
const [url, smtpUrl] = positionals;
if (!url || !smtpUrl) {
  process.stderr.write("usage: welcome-child.ts <db-url> <smtp-url> [--crash-after N]\n");
  process.exit(2);
}
const crashAfter = values["crash-after"] ? Number(values["crash-after"]) : undefined;
const owner = `welcome-child:${process.pid}`;
const handle = await openDatabase(url, { maxConnections: 2 });
const sealer = createSealer("test-secret-key");
const mailer = createSmtpMailer({ url: smtpUrl, from: "it@corp.example" });
let settled = 0;
const engine: Engine = {
  db: handle.db,
  sealer,
  clock: () => new Date(),
  limits: { maxRows: 5000, passwordMinLength: 6, leaseSeconds: 30 },
  welcome: createWelcomeDelivery({
    db: handle.db,
    sealer,
    mailer,
    owner,
    settings: { credentials: "link", linkHours: 72, publicUrl: "https://bulkusers.test" },
    onSettled: (message) => {
      settled += 1;
      process.stdout.write(`${JSON.stringify({ event: "settled", ...message })}\n`);
      if (settled === crashAfter) process.kill(process.pid, "SIGKILL");
    },
  }),
};
await drainQueue(executorDeps(engine), { owner, leaseSeconds: 30 });
mailer.close();
await handle.close();
process.stdout.write(`${JSON.stringify({ event: "idle" })}\n`);
