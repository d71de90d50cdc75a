// A worker in its own process, for the durability tests (test/worker-*.test.ts):
//   node --import tsx test/support/worker-child.ts <db-url> [--owner X] [--lease S] [--batch N]
//        [--poll MS] [--renew-ms MS] [--until-idle]
// It runs the real worker (startWorker) on the database and prints one JSON line per event on stdout:
// {"event":"ready"}, {"event":"progress","jobId","processed","total","owner"}, {"event":"finished",…},
// {"event":"stopped"}. SIGTERM: stop taking work, finish the batch, release the lease, exit 0.
import { parseArgs } from "node:util";
import { openDatabase } from "../../src/directory/client.ts";
import type { JobRecord } from "../../src/directory/schema.ts";
import { createSealer } from "../../src/jobs/secrets.ts";
import type { Engine } from "../../src/jobs/service.ts";
import { startWorker, stopOnSignals } from "../../src/jobs/worker.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    owner: { type: "string" },
    lease: { type: "string" },
    batch: { type: "string" },
    poll: { type: "string" },
    "renew-ms": { type: "string" },
    "until-idle": { type: "boolean" },
  },
});

const url = positionals[0];
if (!url) {
  process.stderr.write("usage: worker-child.ts <db-url> [options]\n");
  process.exit(2);
}

const emit = (event: string, data: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, at: Date.now(), ...data })}\n`);
const summary = (job: JobRecord) => ({
  jobId: job.id,
  status: job.status,
  processed: job.processed,
  total: job.total,
  owner,
});

const owner = values.owner ?? `child:${process.pid}`;
const handle = await openDatabase(url, { maxConnections: 4 });
const engine: Engine = {
  db: handle.db,
  sealer: createSealer("test-secret-key"),
  clock: () => new Date(),
  limits: { maxRows: 150_000, passwordMinLength: 6, leaseSeconds: Number(values.lease ?? 30) },
};
const worker = startWorker(engine, {
  owner,
  pollMs: Number(values.poll ?? 100),
  ...(values.batch ? { batchSize: Number(values.batch) } : {}),
  ...(values["renew-ms"] ? { renewEveryMs: Number(values["renew-ms"]) } : {}),
  untilIdle: values["until-idle"] === true,
  reporter: {
    onProgress: (job) => void emit("progress", summary(job)),
    onFinished: (job) => void emit("finished", summary(job)),
  },
});

let exiting = false;
const finish = async (signal?: string) => {
  if (exiting) return;
  exiting = true;
  await handle.close();
  emit("stopped", { signal: signal ?? null });
  process.exit(0);
};
stopOnSignals(worker, (signal) => finish(signal));
emit("ready", { owner, pid: process.pid });
await worker.done;
// Stopped by a signal: the handler above closes and exits once the batch is done.
if (!worker.stopping) await finish();
