// DESIGN §2: src/core is pure. No I/O (files, network, processes, databases, Slack, HTTP, cron,
// logging), no randomness, no clock, no environment, nothing from the adapters around it. This test
// reads the import statements of every module under src/core and fails with the offending lines.
// Tests beside the core code (`*.test.ts`) may read fixtures and are not scanned.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const CORE = join(ROOT, "src", "core");

/** Node built-ins that do I/O, read the environment, or produce randomness/time. */
const FORBIDDEN_BUILTINS = [
  "fs",
  "fs/promises",
  "net",
  "http",
  "https",
  "http2",
  "child_process",
  "crypto",
  "dgram",
  "dns",
  "dns/promises",
  "tls",
  "os",
  "process",
  "cluster",
  "worker_threads",
  "readline",
  "perf_hooks",
  "timers",
  "timers/promises",
  "inspector",
  "vm",
  "v8",
  "sqlite",
];

/** Packages that are adapters (databases, Slack, HTTP, cron, logging, ids from crypto). */
const FORBIDDEN_PACKAGES = [
  "postgres",
  "@electric-sql/",
  "drizzle-orm",
  "drizzle-kit",
  "@slack/",
  "express",
  "node-cron",
  "pino",
  "undici",
  "nanoid",
];

interface Violation {
  line: number;
  text: string;
  rule: string;
}

const IMPORT_PATTERNS = [
  // import x from "m"; import { a } from "m"; import type … from "m"; export … from "m" (multi-line too)
  /(?:^|[\s;])(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/g,
  // import "m";
  /(?:^|[\s;])import\s*["']([^"']+)["']/g,
  // import("m"), require("m")
  /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** Removes comments (keeping line breaks so line numbers stay right); strings are left alone. */
function stripComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`\\])\/\/[^\n]*/g, "$1");
}

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split("\n").length;
}

/** Every rule a core module breaks; `file` is its absolute path (to resolve relative imports). */
function coreViolations(source: string, file: string): Violation[] {
  const code = stripComments(source);
  const violations: Violation[] = [];
  const add = (index: number, rule: string) => {
    const line = lineOf(code, index);
    violations.push({ line, text: (source.split("\n")[line - 1] ?? "").trim(), rule });
  };

  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const specifier = match[1] ?? "";
      const index = (match.index ?? 0) + match[0].indexOf(specifier);
      const bare = specifier.replace(/^node:/, "");
      if (specifier.startsWith(".")) {
        const target = resolve(dirname(file), specifier);
        if (target !== CORE && !target.startsWith(CORE + sep)) {
          add(index, `imports '${specifier}' from outside src/core`);
        }
      } else if (specifier.startsWith("/") || /^file:/.test(specifier)) {
        add(index, `imports '${specifier}' by absolute path`);
      } else if (
        FORBIDDEN_BUILTINS.includes(bare) ||
        FORBIDDEN_BUILTINS.some((b) => bare.startsWith(`${b}/`))
      ) {
        add(index, `imports the I/O built-in '${specifier}'`);
      } else if (
        FORBIDDEN_PACKAGES.some((p) =>
          p.endsWith("/") ? specifier.startsWith(p) : specifier === p || specifier.startsWith(`${p}/`),
        )
      ) {
        add(index, `imports the adapter package '${specifier}'`);
      }
    }
  }

  const banned: Array<[RegExp, string]> = [
    [/\bprocess\s*\.\s*env\b/g, "reads process.env (configuration comes in as data)"],
    [/\bprocess\s*\.\s*(?:argv|cwd|exit|stdout|stderr|hrtime)\b/g, "uses the process"],
    [/\bDate\s*\.\s*now\s*\(/g, "reads the clock: Date.now() (take `now` as data)"],
    [/\bnew\s+Date\s*\(\s*\)/g, "reads the clock: new Date() without arguments (take `now` as data)"],
    [/\bperformance\s*\.\s*now\s*\(/g, "reads the clock: performance.now()"],
    [/\bMath\s*\.\s*random\s*\(/g, "uses randomness: Math.random()"],
    [/\bcrypto\s*\.\s*(?:getRandomValues|randomUUID|randomBytes)\s*\(/g, "uses randomness: crypto"],
    [/\bfetch\s*\(/g, "does network I/O: fetch()"],
  ];
  for (const [pattern, rule] of banned) {
    for (const match of code.matchAll(pattern)) add(match.index ?? 0, rule);
  }
  return violations.sort((a, b) => a.line - b.line);
}

function coreFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return coreFiles(path);
    return /\.(?:ts|mts|cts|js|mjs)$/.test(entry.name) && !/\.test\.[mc]?[tj]s$/.test(entry.name)
      ? [path]
      : [];
  });
}

describe("architecture", () => {
  it("src/core does no I/O, reads no clock, environment or randomness, imports no adapter", () => {
    const files = coreFiles(CORE);
    expect(files.length).toBeGreaterThan(0);
    const report = files.flatMap((file) =>
      coreViolations(readFileSync(file, "utf8"), file).map(
        (v) => `${relative(ROOT, file)}:${v.line}: ${v.rule}\n    ${v.text}`,
      ),
    );
    expect(report, `src/core must stay pure (DESIGN §2):\n${report.join("\n")}`).toEqual([]);
  });

  describe("the scanner itself", () => {
    const file = join(CORE, "csv", "example.ts");
    const rules = (source: string) => coreViolations(source, file).map((v) => v.rule);

    it("catches every kind of forbidden import", () => {
      const source = [
        'import { readFileSync } from "node:fs";',
        'import { createHash } from "crypto";',
        'import type { Database } from "../../directory/client.ts";',
        "import {",
        "  sql,",
        '} from "drizzle-orm";',
        'import "pino";',
        'export { App } from "@slack/bolt";',
        'const pg = await import("@electric-sql/pglite");',
        'const cron = require("node-cron");',
        'import express from "express";',
        'import postgres from "postgres";',
        'import { readFile } from "node:fs/promises";',
      ].join("\n");
      expect(coreViolations(source, file).map((v) => v.line)).toEqual([1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13]);
    });

    it("catches the clock, the environment and randomness", () => {
      expect(rules("const t = Date.now();")).toHaveLength(1);
      expect(rules("const d = new Date();")).toHaveLength(1);
      expect(rules("const k = process.env.SECRET;")).toHaveLength(1);
      expect(rules("const r = Math.random();")).toHaveLength(1);
    });

    it("allows pure imports, dates from data, and mentions in comments", () => {
      const source = [
        'import { z } from "zod";',
        'import { parse } from "csv-parse/sync";',
        'import type { Plan } from "../plan.ts";',
        'import { decode } from "./decode.ts";',
        "const at = new Date(now);",
        "const ms = Date.parse(text);",
        "// never call Date.now() or read process.env here",
        "/* import fs from 'node:fs' */",
      ].join("\n");
      expect(coreViolations(source, file)).toEqual([]);
    });
  });
});
