#!/usr/bin/env node
// The installed `bulkusers` command. It runs the compiled CLI (dist/cli.js, plain JavaScript: no
// transpiler, fast start). When dist/ is missing or older than src/ (a fresh clone, an edited source),
// it builds first (esbuild, well under a second); only if that is impossible (no esbuild, a read-only
// folder) does it fall back to running the TypeScript through tsx.
import { isStale } from "../scripts/build.mjs";

let entry = "../dist/cli.js";
if (isStale()) {
  try {
    const { build } = await import("../scripts/build.mjs");
    await build();
  } catch (error) {
    const { register } = await import("tsx/esm/api");
    register();
    entry = "../src/cli.ts";
    if (process.env.LOG_LEVEL === "debug") {
      process.stderr.write(
        `bulkusers: could not build dist/ (${error?.message ?? error}); running from src/\n`,
      );
    }
  }
}
await import(entry);
