// The composition root: `npm start` on a fresh clone (embedded database, no Slack settings) serves
// /healthz, warns once about Slack, refuses a bad config without a stack trace, stops on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pino } from "pino";
import { afterEach, describe, expect, inject, it } from "vitest";
import { ConfigError } from "../src/config.ts";
import { type RunningApp, startServer } from "../src/main.ts";
import { createPostgresDatabase, databaseTargets, openTestDatabase } from "./support/db.ts";
import { startFakeSlack } from "./support/fake-slack.ts";

const ROOT = join(import.meta.dirname, "..");

/** A pino logger whose JSON lines land in `lines` (the project logger is silent under vitest). */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe("main", () => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  for (const kind of databaseTargets()) {
    it(`starts with nothing configured but the database [${kind}]: /healthz, one Slack warning`, {
      timeout: 180_000,
    }, async () => {
      const created = kind === "postgres" ? await createPostgresDatabase() : undefined;
      try {
        const { logger, lines } = capturingLogger();
        running = await startServer({
          env: { DATABASE_URL: created?.url ?? "pglite:memory", PORT: "0" },
          logger,
          host: "127.0.0.1",
        });
        const base = `http://127.0.0.1:${running.port}`;

        const health = await fetch(`${base}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ ok: true });

        const missing = await fetch(`${base}/nowhere`);
        expect(missing.status).toBe(404);
        expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("http.not_found");

        expect(running.slackProblems).toHaveLength(2);
        const warnings = lines.filter((line) => line.level === 40);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.msg).toContain("SLACK_BOT_TOKEN");
        expect(warnings[0]?.msg).toContain("SLACK_SIGNING_SECRET");
        expect(warnings[0]?.msg).toContain("SLACK_APP_TOKEN");

        await running.stop();
        await expect(fetch(`${base}/healthz`)).rejects.toThrow();
        running = undefined;
      } finally {
        await running?.stop();
        running = undefined;
        await created?.drop();
      }
    });
  }

  it("does not warn when Slack is configured", async () => {
    const { logger, lines } = capturingLogger();
    const fake = await startFakeSlack();
    try {
      running = await startServer({
        env: {
          PORT: "0",
          SLACK_BOT_TOKEN: fake.botToken,
          SLACK_SIGNING_SECRET: "signing-secret-value-42",
          SLACK_API_URL: fake.url,
        },
        logger,
        host: "127.0.0.1",
        openDb: () => openTestDatabase("pglite"),
      });
      expect(running.slackProblems).toEqual([]);
      expect(lines.filter((line) => line.level >= 40)).toEqual([]);
      // Secrets never reach the logs.
      expect(JSON.stringify(lines)).not.toContain("signing-secret-value-42");
      expect(JSON.stringify(lines)).not.toContain(fake.botToken);
      await running.stop();
      running = undefined;
    } finally {
      await fake.close();
    }
  });

  it("refuses a bad configuration before starting anything", async () => {
    let opened = false;
    const error = await startServer({
      env: { PORT: "abc", BULKUSERS_MAX_ROWS: "0" },
      openDb: async () => {
        opened = true;
        throw new Error("should not open");
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^PORT: /),
      expect.stringMatching(/^BULKUSERS_MAX_ROWS: /),
    ]);
    expect(opened).toBe(false);
  });
});

// --- the real process ----------------------------------------------------------------------------

function startProcess(env: Record<string, string>): {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<number | null>;
} {
  const { VITEST: _v, VITEST_POOL_ID: _p, VITEST_WORKER_ID: _w, ...base } = process.env;
  for (const key of Object.keys(base))
    if (/^(SLACK_|BULKUSERS_|DATABASE_URL|PORT|API_TOKENS)/.test(key)) delete base[key];
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { ...base, ...env },
  });
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk) => {
    output.stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output, exited };
}

describe("main process", () => {
  it("exits 1 on a bad PORT with the problem and no stack trace", { timeout: 120_000 }, async () => {
    const { output, exited } = startProcess({ PORT: "abc" });
    expect(await exited).toBe(1);
    expect(output.stderr).toContain("Configuration is invalid");
    expect(output.stderr).toContain("PORT: ");
    expect(output.stderr).not.toMatch(/\n\s+at /);
    expect(output.stdout).toBe("");
  });

  it("serves /healthz and exits 0 on SIGTERM", { timeout: 180_000 }, async () => {
    // An on-disk embedded database prepared from the migrated dump (a fresh one is proven above).
    const dir = await mkdtemp(join(tmpdir(), "bulkusers-main-"));
    const prepared = await PGlite.create({
      dataDir: join(dir, "db"),
      loadDataDir: new Blob([await readFile(inject("pgliteDumpPath"))]),
    });
    await prepared.close();
    const { child, output, exited } = startProcess({
      DATABASE_URL: `pglite:${join(dir, "db")}`,
      PORT: "0",
      LOG_LEVEL: "info",
    });
    try {
      let port: number | undefined;
      for (let i = 0; i < 1500 && port === undefined && child.exitCode === null; i++) {
        const match = /"port":(\d+)/.exec(output.stdout);
        if (match) port = Number(match[1]);
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(port, output.stderr).toBeDefined();
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ ok: true });
      // Logs are JSON lines: the one Slack warning names what to set.
      const warnings = output.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .filter((line) => line.level === 40);
      expect(warnings).toHaveLength(1);
      expect(warnings[0].msg).toContain("SLACK_BOT_TOKEN");
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
