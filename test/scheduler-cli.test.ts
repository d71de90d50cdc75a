// The scheduler's CLI commands (DESIGN §5): deactivate-inactive's exact JSON and exit statuses,
// record-sign-ins, and the schedule commands, run in-process through runCli on every database target;
// plus one real process once the commands are registered in the CLI.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../src/cli/commands.ts";
import type { CliIo } from "../src/cli/context.ts";
import { runCli } from "../src/cli/run-cli.ts";
import { scheduleCommands } from "../src/cli/schedule.ts";
import type { DatabaseHandle } from "../src/directory/client.ts";
import { licenses } from "../src/directory/schema.ts";
import { auditRows, daysBefore, seedUsers, statusOf, T0 } from "./scheduler-support.ts";
import { describeEachDatabase } from "./support/db.ts";

const ROOT = join(import.meta.dirname, "..");

interface Captured {
  status: number;
  stdout: string;
  stderr: string;
}

async function cli(handle: DatabaseHandle, cwd: string, ...argv: string[]): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { USER: "tester" },
    cwd,
    now: () => new Date(T0),
    openDb: async () => ({ ...handle, close: async () => {} }),
  };
  const status = await runCli(argv, io, scheduleCommands);
  return { status, stdout, stderr };
}

// biome-ignore lint/suspicious/noExplicitAny: the documents' shapes are what the assertions check
const json = (r: Captured): any => JSON.parse(r.stdout);

const DIRECTORY = [
  { email: "stale@x.com", signedIn: 120 },
  { email: "never@x.com", signedIn: null, created: 150 },
  { email: "fresh@x.com", signedIn: 3 },
  { email: "boss@x.com", signedIn: 300, accountType: "admin" as const },
  { email: "bot@x.com", signedIn: null, created: 900, accountType: "service" as const },
  { email: "vip@x.com", signedIn: 200, groups: ["Executives"] },
];

describeEachDatabase("scheduler cli", (ctx) => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "bulkusers-sched-"));
    dirs.push(dir);
    return dir;
  };

  it("deactivate-inactive --dry-run --json: exactly the documented document; nothing changes", async () => {
    await seedUsers(ctx.handle.db, DIRECTORY);
    const result = await cli(
      ctx.handle,
      ROOT,
      "deactivate-inactive",
      "--days",
      "90",
      "--exclude-group",
      "executives",
      "--dry-run",
      "--json",
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(json(result)).toEqual({
      dryRun: true,
      summary: { candidates: 2, deactivated: 0, excluded: 3 },
      users: [
        {
          email: "never@x.com",
          lastLoginAt: null,
          action: "would-deactivate",
          reason: "Never signed in; created 150 days ago (2026-06-05)",
        },
        {
          email: "stale@x.com",
          lastLoginAt: daysBefore(120),
          action: "would-deactivate",
          reason: "No sign-in for 120 days (last 2026-07-05)",
        },
        { email: "bot@x.com", lastLoginAt: null, action: "excluded", reason: "Service account" },
        { email: "boss@x.com", lastLoginAt: daysBefore(300), action: "excluded", reason: "Admin account" },
        {
          email: "vip@x.com",
          lastLoginAt: daysBefore(200),
          action: "excluded",
          reason: "Member of excluded group Executives",
        },
      ],
    });
    expect(Object.values(await statusOf(ctx.handle.db)).every((s) => s === "active")).toBe(true);
  });

  it("deactivate-inactive --action remove-access: removes the SKU and group, users stay active", async () => {
    await seedUsers(ctx.handle.db, [
      { email: "stale@x.com", signedIn: 120, groups: ["Figma Users", "Sales"] },
      { email: "fresh@x.com", signedIn: 3, groups: ["Figma Users"] },
    ]);
    await ctx.handle.db.insert(licenses).values({ sku: "VISIO", name: "Visio", totalSeats: 3 });
    const bad = await cli(ctx.handle, ROOT, "deactivate-inactive", "--days", "90", "--sku", "VISIO");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("remove-access");
    const run = await cli(
      ctx.handle,
      ROOT,
      "deactivate-inactive",
      "--days",
      "90",
      "--action",
      "remove-access",
      "--group",
      "figma users",
      "--json",
    );
    expect(run.status).toBe(0);
    const doc = json(run);
    expect(doc.summary).toEqual({ candidates: 1, deactivated: 1, excluded: 0 });
    expect(doc.action).toEqual({ kind: "remove-access", skus: [], groups: ["Figma Users"] });
    expect(doc.jobIds).toHaveLength(1);
    expect(doc.users).toEqual([
      {
        email: "stale@x.com",
        lastLoginAt: daysBefore(120),
        action: "access-removed",
        reason: "No sign-in for 120 days (last 2026-07-05)",
      },
    ]);
    expect(await statusOf(ctx.handle.db)).toEqual({ "stale@x.com": "active", "fresh@x.com": "active" });
    const removed = await auditRows(ctx.handle.db, "user.remove-from-group");
    expect(removed.map((a) => [a.target, a.source])).toEqual([["stale@x.com", "cli"]]);

    const added = await cli(
      ctx.handle,
      ROOT,
      "schedule",
      "add",
      "--name",
      "Seats",
      "--days",
      "60",
      "--action",
      "remove-access",
      "--sku",
      "visio",
      "--json",
    );
    expect(added.status).toBe(0);
    expect(json(added).schedule.action).toEqual({ kind: "remove-access", skus: ["VISIO"], groups: [] });
  });

  it("deactivate-inactive: deactivates as a CLI job (audited, undoable); a second run finds nothing", async () => {
    await seedUsers(ctx.handle.db, DIRECTORY);
    const first = await cli(
      ctx.handle,
      ROOT,
      "deactivate-inactive",
      "--days",
      "90",
      "--json",
      "--as",
      "cli:ops",
    );
    expect(first.status).toBe(0);
    const doc = json(first);
    expect(doc.dryRun).toBe(false);
    expect(doc.summary).toEqual({ candidates: 3, deactivated: 3, excluded: 2 });
    expect(
      doc.users
        .filter((u: { action: string }) => u.action === "deactivated")
        .map((u: { email: string }) => u.email),
    ).toEqual(["vip@x.com", "never@x.com", "stale@x.com"]);
    expect(await auditRows(ctx.handle.db, "user.disable")).toHaveLength(3);
    expect(
      (await auditRows(ctx.handle.db, "user.disable")).every(
        (a) => a.source === "cli" && a.actor === "cli:ops",
      ),
    ).toBe(true);

    const second = await cli(ctx.handle, ROOT, "deactivate-inactive", "--days", "90", "--json");
    expect(json(second).summary).toEqual({ candidates: 0, deactivated: 0, excluded: 5 });
    expect(
      json(second).users.filter((u: { reason: string }) => u.reason === "Already disabled"),
    ).toHaveLength(3);

    const text = await cli(ctx.handle, ROOT, "deactivate-inactive", "--days", "90", "--dry-run");
    expect(text.stdout).toMatch(
      /^Dry run: 0 user\(s\) inactive for more than 90 days would be deactivated; 5 excluded/,
    );
  });

  it("deactivate-inactive refuses bad usage and unknown groups with exit 2 and an error document", async () => {
    await seedUsers(ctx.handle.db, DIRECTORY);
    const missing = await cli(ctx.handle, ROOT, "deactivate-inactive", "--json");
    expect(missing.status).toBe(2);
    expect(json(missing)).toEqual({
      error: { code: "cli.missing_option", message: "--days N is required." },
    });
    const bad = await cli(ctx.handle, ROOT, "deactivate-inactive", "--days", "ninety", "--json");
    expect(bad.status).toBe(2);
    expect(json(bad).error.code).toBe("cli.bad_option");
    const zero = await cli(ctx.handle, ROOT, "deactivate-inactive", "--days", "0", "--json");
    expect(zero.status).toBe(2);
    const unknown = await cli(
      ctx.handle,
      ROOT,
      "deactivate-inactive",
      "--days",
      "90",
      "--exclude-group",
      "Nope",
      "--json",
    );
    expect(unknown.status).toBe(2);
    expect(json(unknown).error).toEqual({
      code: "schedule.unknown_group",
      message: "Unknown group: Nope. Nothing was changed.",
    });
    expect(Object.values(await statusOf(ctx.handle.db)).every((s) => s === "active")).toBe(true);
  });

  it("record-sign-ins: moves sign-ins forward, lists unknown and invalid rows; a refused file exits 2", async () => {
    await seedUsers(ctx.handle.db, DIRECTORY);
    const dir = await tempDir();
    await writeFile(
      join(dir, "signins.csv"),
      [
        "Email,LastSignIn",
        "stale@x.com,2026-11-01T08:00:00Z",
        "NEVER@x.com,2026-10-30",
        "fresh@x.com,2020-01-01T00:00:00Z",
        "ghost@x.com,2026-11-01T00:00:00Z",
        "not-an-email,2026-11-01T00:00:00Z",
        "vip@x.com,yesterday",
        "new@x.com,Never logged in",
      ].join("\n"),
    );
    const result = await cli(ctx.handle, dir, "record-sign-ins", "signins.csv", "--json");
    expect(result.status).toBe(0);
    expect(json(result)).toEqual({
      received: 6,
      never: 1,
      updated: 2,
      unchanged: 1,
      unknown: ["ghost@x.com"],
      invalid: [
        {
          email: "not-an-email",
          at: "2026-11-01T00:00:00Z",
          reason: "'not-an-email' is not a valid e-mail address",
        },
        { email: "vip@x.com", at: "yesterday", reason: "'yesterday' is not an ISO 8601 date-time" },
      ],
    });
    // The stale user is no longer inactive.
    const after = await cli(ctx.handle, ROOT, "deactivate-inactive", "--days", "90", "--dry-run", "--json");
    expect(json(after).summary.candidates).toBe(1);

    await writeFile(join(dir, "bad.csv"), "Name,When\nx,y\n");
    const refused = await cli(ctx.handle, dir, "record-sign-ins", "bad.csv", "--json");
    expect(refused.status).toBe(2);
    expect(json(refused).error.code).toBe("csv.missing_column");
    const absent = await cli(ctx.handle, dir, "record-sign-ins", "nope.csv", "--json");
    expect(absent.status).toBe(2);
    expect(json(absent).error.code).toBe("cli.file_unreadable");
  });

  it("schedule add | list | pause | resume | run-now | delete", async () => {
    await seedUsers(ctx.handle.db, DIRECTORY);
    const added = await cli(
      ctx.handle,
      ROOT,
      "schedule",
      "add",
      "--name",
      "Weekly",
      "--days",
      "90",
      "--cron",
      "0 9 * * 1",
      "--timezone",
      "Europe/Berlin",
      "--exclude-group",
      "Executives",
      "--cap-percent",
      "50",
      "--json",
    );
    expect(added.status, added.stderr).toBe(0);
    const schedule = json(added).schedule;
    expect(schedule).toMatchObject({
      name: "Weekly",
      mode: "report",
      enabled: true,
      excludeGroups: ["Executives"],
      capPercent: 50,
      nextRun: "2026-11-09T08:00:00.000Z",
      createdBy: "cli:tester",
    });

    const invalid = await cli(
      ctx.handle,
      ROOT,
      "schedule",
      "add",
      "--name",
      "X",
      "--days",
      "90",
      "--cron",
      "whenever",
      "--json",
    );
    expect(invalid.status).toBe(2);
    expect(json(invalid).error.code).toBe("schedule.invalid");

    const list = await cli(ctx.handle, ROOT, "schedule", "list", "--json");
    expect(json(list).schedules.map((s: { id: string }) => s.id)).toEqual([schedule.id]);

    const dry = await cli(ctx.handle, ROOT, "schedule", "run-now", "Weekly", "--dry-run", "--json");
    expect(dry.status).toBe(0);
    expect(json(dry)).toMatchObject({ dryRun: true, decision: "report", summary: { toDeactivate: 2 } });
    expect(json(dry).planId).toMatch(/^plan_/);

    const paused = await cli(ctx.handle, ROOT, "schedule", "pause", schedule.id, "--json");
    expect(json(paused).schedule).toMatchObject({ enabled: false, nextRun: null });
    const resumed = await cli(ctx.handle, ROOT, "schedule", "resume", "weekly", "--json");
    expect(json(resumed).schedule.enabled).toBe(true);
    const gone = await cli(ctx.handle, ROOT, "schedule", "delete", schedule.id, "--json");
    expect(json(gone)).toEqual({ deleted: schedule.id });
    const missing = await cli(ctx.handle, ROOT, "schedule", "pause", schedule.id, "--json");
    expect(missing.status).toBe(2);
    expect(json(missing).error.code).toBe("schedule.not_found");
  });
});

const registered = COMMANDS.some((c) => c.name === "deactivate-inactive");

describe.skipIf(!registered)("scheduler cli process", () => {
  it("deactivate-inactive in a real process: exit 0 with one JSON document, 2 for bad usage", {
    timeout: 240_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "bulkusers-sched-proc-"));
    try {
      const db = `pglite:${join(dir, "db")}`;
      const run = (...args: string[]) =>
        new Promise<Captured>((resolve, reject) => {
          const {
            VITEST: _v,
            VITEST_POOL_ID: _p,
            VITEST_WORKER_ID: _w,
            DATABASE_URL: _d,
            ...env
          } = process.env;
          const child = spawn(process.execPath, ["bin/bulkusers.js", ...args, "--db", db], {
            cwd: ROOT,
            env,
          });
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (c) => {
            stdout += c;
          });
          child.stderr.on("data", (c) => {
            stderr += c;
          });
          child.on("error", reject);
          child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
        });
      const ok = await run("deactivate-inactive", "--days", "90", "--dry-run", "--json");
      expect(ok.status, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toEqual({
        dryRun: true,
        summary: { candidates: 0, deactivated: 0, excluded: 0 },
        users: [],
      });
      const bad = await run("deactivate-inactive", "--json");
      expect(bad.status).toBe(2);
      expect(JSON.parse(bad.stdout).error.code).toBe("cli.missing_option");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
