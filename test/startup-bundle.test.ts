// What every CLI command compiles before it does anything: the entry (dist/cli.js) and the chunks it
// imports statically. Start-up time on this machine is mostly that — node itself is ~0.15 s of the
// ~0.4 s budget (DESIGN §8: CLI start-up ≤ 0.4 s; measured by `npm run bench`, never timed here) — so
// the size is guarded: a library pulled in whole again (zod's 40 locales, 360 KB, came with
// `import { z } from "zod"`; iconv-lite's code tables, 540 KB) shows here first.
import { basename, dirname, join } from "node:path";
import { expect, it } from "vitest";
// @ts-expect-error: plain JavaScript build script, without types
import { bundle, DIST } from "../scripts/build.mjs";

interface OutputFile {
  path: string;
  text: string;
}

it("a command loads ~1.5 MB of JavaScript at start, without zod's locales or iconv-lite", {
  timeout: 60_000,
}, async () => {
  const files = ((await bundle()) as OutputFile[]).filter((f) => f.path.endsWith(".js"));
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  // The static imports of the entry, followed through the chunks (dynamic import() is not followed).
  const loaded = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    const text = byPath.get(path);
    expect(text, `${path} is in the bundle`).toBeDefined();
    for (const match of text!.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)";/gms)) {
      visit(join(dirname(path), match[1]!));
    }
    for (const match of text!.matchAll(/^import\s*"(\.[^"]+)";/gm)) visit(join(dirname(path), match[1]!));
  };
  visit(join(DIST, "cli.js"));
  const text = [...loaded].map((path) => byPath.get(path)!).join("\n");
  const kb = Math.round(Buffer.byteLength(text) / 1024);

  expect(loaded.size).toBeGreaterThan(1);
  expect(text).toContain("node_modules/zod/v4/locales/en.js");
  expect(text).not.toMatch(/node_modules\/zod\/v4\/locales\/(?!en\.js)/);
  expect(text).not.toContain("node_modules/iconv-lite/");
  expect(text).not.toContain("node_modules/exceljs/");
  // 2.7 MB before the locales and iconv-lite were left out; 1.45 MB after.
  expect(kb, [...loaded].map((p) => basename(p)).join(", ")).toBeLessThan(1700);
});
