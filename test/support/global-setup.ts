// Runs once before the suite: migrates one PGlite and dumps its data dir, so every test file starts
// from that dump (~0.3 s) instead of a fresh PGlite plus migrations (~2–5 s and ~700 MB each).
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/directory/client.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteDumpPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const handle = await openDatabase("pglite:memory");
  const client = (handle.db as unknown as { $client: { dumpDataDir(c: "none"): Promise<Blob> } }).$client;
  const dump = await client.dumpDataDir("none");
  await handle.close();
  const path = join(tmpdir(), `bulkusers-test-pglite-${process.pid}.tar`);
  await writeFile(path, Buffer.from(await dump.arrayBuffer()));
  project.provide("pgliteDumpPath", path);
  return async () => {
    await rm(path, { force: true });
  };
}
