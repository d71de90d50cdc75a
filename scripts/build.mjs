// `npm run build` (and `npm start`'s prestart): bundles the two entries, src/main.ts (the server) and
// src/cli.ts (the command line), into dist/ as plain ESM JavaScript for `node`, with no transpiler at run
// time; shared code goes to a chunk both entries import. The small pure-JavaScript libraries every command
// loads (BUNDLED) are bundled in: resolving and reading their ~450 files one by one took ~120 ms of every
// CLI start (`jobs`: 0.64 → 0.52 s). The others stay external and are resolved in node_modules at run
// time: PGlite finds its WASM next to itself, esbuild and tsx are native or loaders, and Slack, Express,
// ExcelJS and nodemailer are loaded by the server or on demand only. bin/bulkusers.js calls `build()` on demand
// when dist/ is missing or older than src/.
//
// Every file is written to a temporary name and renamed into place, chunks before entries, so a process
// starting while another builds reads either the old build or the new one, never half a file.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = join(ROOT, "dist");
const ENTRIES = { main: "src/main.ts", cli: "src/cli.ts" };
const BUNDLED = new Set([
  "chardet",
  "cli-progress",
  "cli-table3",
  "csv-parse",
  "csv-stringify",
  "drizzle-orm",
  "nanoid",
  "node-cron",
  "numfmt",
  "pino",
  "pino-pretty",
  "postgres",
  "zod",
]);

/** Every package the project depends on, less BUNDLED: resolved in node_modules at run time. */
function externals() {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  return names.filter((name) => !BUNDLED.has(name)).flatMap((name) => [name, `${name}/*`]);
}

/** Newest modification time (ms) of the files under `dir`, recursively. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (time > newest) newest = time;
  }
  return newest;
}

/** True when dist/ lacks an entry or src/ changed after the last build. */
export function isStale() {
  let built;
  try {
    built = Math.min(...Object.keys(ENTRIES).map((name) => statSync(join(DIST, `${name}.js`)).mtimeMs));
  } catch {
    return true;
  }
  // An installed copy without sources (e.g. a Docker image with only dist/) is never stale.
  if (!existsSync(join(ROOT, "src"))) return false;
  return newestMtime(join(ROOT, "src")) > built;
}

/** The bundle's files, made in memory (esbuild's OutputFile: path, contents, text). */
export async function bundle() {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20.19",
    external: externals(),
    // Bundled CommonJS calls require(): ESM output has none unless given one.
    banner: {
      js: 'import { createRequire as __bulkusersRequire } from "node:module"; const require = __bulkusersRequire(import.meta.url);',
    },
    // Tests (x.test.ts) are never imported from the entries; nothing else to exclude.
    sourcemap: "linked",
    chunkNames: "chunks/[name]-[hash]",
    legalComments: "none",
    logLevel: "warning",
    write: false,
  });
  return result.outputFiles;
}

export async function build() {
  const outputFiles = await bundle();
  const isEntry = (path) => Object.keys(ENTRIES).some((name) => path.startsWith(join(DIST, `${name}.js`)));
  const files = [...outputFiles].sort((a, b) => Number(isEntry(a.path)) - Number(isEntry(b.path)));
  const written = new Set();
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
    written.add(relative(DIST, file.path));
  }
  // Chunks of earlier builds are no longer imported by anything: remove them.
  const chunks = join(DIST, "chunks");
  for (const name of readdirSync(chunks)) {
    if (!written.has(join("chunks", name)) && !name.endsWith(".tmp"))
      rmSync(join(chunks, name), { force: true });
  }
  return [...written];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const written = await build();
  process.stderr.write(
    `built ${written.filter((f) => f.endsWith(".js")).length} files into dist/ in ${Date.now() - started} ms\n`,
  );
}
