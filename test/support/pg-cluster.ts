// A PostgreSQL cluster of the test's own (initdb into a temp folder, pg_ctl on a free port), so a test
// can stop it hard (`-m immediate`, like a crash or a failover) and start it again — never the machine's
// shared server. The binaries are PostgreSQL 15's; the cluster runs as the `postgres` user when the test
// runs as root (PostgreSQL refuses to run as root).
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export function clusterAvailable(): boolean {
  return existsSync(join(PG_BIN, "initdb")) && existsSync(join(PG_BIN, "pg_ctl"));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Cluster {
  port: number;
  url: string;
  start(): void;
  /** `pg_ctl stop -m immediate`: every connection is cut, nothing is shut down cleanly. */
  crash(): void;
  destroy(): void;
}

export async function createCluster(): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), "bulkusers-pg-"));
  const data = join(root, "data");
  const asRoot = userInfo().uid === 0;
  const postgresUser = asRoot
    ? Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
    : undefined;
  if (postgresUser !== undefined) chownSync(root, postgresUser, postgresUser);
  const run = (binary: string, args: string[]) =>
    asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", join(PG_BIN, binary), ...args], { stdio: "pipe" })
      : execFileSync(join(PG_BIN, binary), args, { stdio: "pipe" });
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const log = join(root, "log");
  const cluster: Cluster = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => {
      run("pg_ctl", ["-D", data, "-o", options, "-l", log, "-w", "start"]);
    },
    crash: () => {
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    },
    destroy: () => {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // not running
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}
