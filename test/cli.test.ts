// The command line (DESIGN §5): runCli in-process on every database target, plus the real process
// (exit statuses, exactly one JSON document on stdout).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/context.ts";
import { runCli } from "../src/cli/run-cli.ts";
import type { DatabaseHandle } from "../src/directory/client.ts";
import { describeEachDatabase, queryRows } from "./support/db.ts";

const ROOT = join(import.meta.dirname, "..");

interface Captured {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process against a borrowed, already open database (never closed by the CLI). */
async function cli(handle: DatabaseHandle | undefined, ...argv: string[]): Promise<Captured> {
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
    cwd: ROOT,
    now: () => new Date("2026-06-01T12:00:00Z"),
    openDb: async () => {
      if (!handle) throw new Error("this command should not open the database");
      return { ...handle, close: async () => {} };
    },
  };
  const status = await runCli(argv, io);
  return { status, stdout, stderr };
}

/** stdout with --json must be exactly one JSON document. */
// biome-ignore lint/suspicious/noExplicitAny: the documents' shapes are what the assertions check
function json(result: Captured): any {
  return JSON.parse(result.stdout);
}

describeEachDatabase("cli", (ctx) => {
  const count = async (table: string) => {
    const [row] = await queryRows<{ n: number }>(
      ctx.handle.db,
      sql.raw(`select count(*)::int as n from ${table}`),
    );
    return row?.n ?? -1;
  };

  it("seed-demo builds a realistic organisation without cycles or over-assigned seats", async () => {
    const result = await cli(ctx.handle, "seed-demo", "--users", "300", "--json");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const summary = json(result);
    expect(summary).toMatchObject({
      users: 300,
      seed: 42,
      domain: "example.com",
      serviceAccounts: 2,
      admins: 2,
    });

    expect(await count("users")).toBe(300);
    expect(await count("groups")).toBe(summary.groups);
    expect(await count("licenses")).toBe(summary.licenses.length);
    expect(await count("license_assignments")).toBe(summary.assignments);
    expect(await count("group_members")).toBe(summary.memberships);
    expect(summary.groups).toBeGreaterThanOrEqual(12);
    expect(summary.licenses.map((l: { sku: string }) => l.sku)).toEqual(
      expect.arrayContaining(["M365_E3", "M365_E5", "M365_BUSINESS_PREMIUM"]),
    );

    // Every department of a real company, each with its VP reporting to the single CEO.
    const departments = await queryRows<{ department: string; n: number }>(
      ctx.handle.db,
      sql`select department, count(*)::int as n from users group by 1 order by 1`,
    );
    expect(departments.map((d) => d.department)).toEqual(
      expect.arrayContaining([
        "Engineering",
        "Sales",
        "Finance",
        "HR",
        "Marketing",
        "Support",
        "Operations",
        "Legal",
      ]),
    );
    const roots = await queryRows<{ job_title: string }>(
      ctx.handle.db,
      sql`select job_title from users where manager_id is null and account_type <> 'service'`,
    );
    expect(roots).toEqual([{ job_title: "Chief Executive Officer" }]);

    // No manager cycle: walking up from every user reaches the top within the depth of the tree.
    const [cycles] = await queryRows<{ n: number; depth: number }>(
      ctx.handle.db,
      sql`with recursive chain(start_id, id, depth, path) as (
            select id, manager_id, 1, array[id] from users where manager_id is not null
            union all
            select c.start_id, u.manager_id, c.depth + 1, c.path || u.id
            from chain c join users u on u.id = c.id
            where u.manager_id is not null and not u.id = any(c.path) and c.depth < 50
          )
          select count(*) filter (where id = any(path))::int as n,
                 max(depth)::int as depth from chain`,
    );
    expect(cycles?.n).toBe(0);
    expect(cycles?.depth).toBeLessThanOrEqual(5);

    // Seats always cover the assignments.
    const over = await queryRows(
      ctx.handle.db,
      sql`select l.sku from licenses l left join license_assignments a on a.license_id = l.id
          group by l.id having count(a.user_id) > l.total_seats`,
    );
    expect(over).toEqual([]);

    const [stats] = await queryRows<{
      never: number;
      disabled: number;
      admins: number;
      services: number;
      zero_padded: number;
      bad_ids: number;
      oldest_days: number;
    }>(
      ctx.handle.db,
      sql`select count(*) filter (where last_login_at is null)::int as never,
                 count(*) filter (where status = 'disabled')::int as disabled,
                 count(*) filter (where account_type = 'admin')::int as admins,
                 count(*) filter (where account_type = 'service')::int as services,
                 count(*) filter (where employee_id like '0%')::int as zero_padded,
                 count(*) filter (where account_type <> 'service' and employee_id !~ '^[0-9]{6}$')::int as bad_ids,
                 max(extract(epoch from (timestamptz '2026-06-01T12:00:00Z' - last_login_at)) / 86400)::int as oldest_days
          from users`,
    );
    expect(stats?.never).toBeGreaterThan(0);
    expect(stats?.never).toBe(summary.neverSignedIn);
    expect(stats?.never).toBeLessThan(300 * 0.12);
    expect(stats?.disabled).toBeGreaterThan(0);
    expect(stats).toMatchObject({ admins: 2, services: 2, bad_ids: 0, zero_padded: 298 });
    expect(stats?.oldest_days).toBeGreaterThan(90);
    expect(stats?.oldest_days).toBeLessThanOrEqual(366);

    const [ceo] = await queryRows<{ employee_id: string; email: string }>(
      ctx.handle.db,
      sql`select employee_id, email from users where employee_id = '000001'`,
    );
    expect(ceo?.email).toMatch(/^[a-z0-9.-]+@example\.com$/);

    // A second run refuses rather than duplicating anyone.
    const again = await cli(ctx.handle, "seed-demo", "--users", "10", "--json");
    expect(again.status).toBe(2);
    expect(json(again).error.code).toBe("seed.not_empty");
    expect(await count("users")).toBe(300);
  });

  it("seed-demo prints a readable summary without --json, and reuses existing groups and licenses", async () => {
    expect((await cli(ctx.handle, "group", "add", "ALL-STAFF")).status).toBe(0);
    expect((await cli(ctx.handle, "license", "add", "m365_e3", "--seats", "1")).status).toBe(0);
    const result = await cli(ctx.handle, "seed-demo", "--users", "40", "--seed", "7");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Seeded 40 users at @example\.com \(seed 7\)/);
    expect(result.stdout).toContain("M365_E5");
    const [row] = await queryRows<{ name: string; members: number }>(
      ctx.handle.db,
      sql`select g.name, count(m.user_id)::int as members from groups g join group_members m on m.group_id = g.id
          where lower(g.name) = 'all-staff' group by g.name`,
    );
    expect(row).toEqual({ name: "ALL-STAFF", members: 38 });
    const [e3] = await queryRows<{ seats: number; assigned: number }>(
      ctx.handle.db,
      sql`select l.total_seats as seats, count(a.user_id)::int as assigned from licenses l
          left join license_assignments a on a.license_id = l.id where upper(l.sku) = 'M365_E3' group by l.id`,
    );
    expect(e3!.seats).toBeGreaterThanOrEqual(e3!.assigned);
    expect(e3!.assigned).toBeGreaterThan(1);
  });

  it("group add creates a group, audits it, and refuses a duplicate in any case", async () => {
    const created = await cli(
      ctx.handle,
      "group",
      "add",
      "Contractors",
      "--description",
      "External staff",
      "--json",
    );
    expect(created.status).toBe(0);
    expect(json(created)).toMatchObject({
      action: "created",
      group: { name: "Contractors", description: "External staff" },
    });
    const [audit] = await queryRows<{ actor: string; source: string; action: string; target: string }>(
      ctx.handle.db,
      sql`select actor, source, action, target from audit_log`,
    );
    expect(audit).toEqual({ actor: "cli:tester", source: "cli", action: "group.add", target: "Contractors" });

    const duplicate = await cli(ctx.handle, "group", "add", "contractors", "--json", "--as", "alice");
    expect(duplicate.status).toBe(2);
    expect(json(duplicate)).toEqual({
      error: { code: "group.exists", message: "A group named 'Contractors' already exists." },
    });

    const text = await cli(ctx.handle, "group", "add", "CONTRACTORS");
    expect(text.status).toBe(2);
    expect(text.stdout).toBe("");
    expect(text.stderr).toContain("already exists");
    expect(await count("groups")).toBe(1);

    const formula = await cli(ctx.handle, "group", "add", "=cmd()", "--json");
    expect(formula.status).toBe(2);
    expect(json(formula).error.code).toBe("group.invalid_name");
  });

  it("license add creates, sets seats, and never goes below the seats assigned", async () => {
    const created = await cli(ctx.handle, "license", "add", "M365_E5", "--seats", "10", "--json");
    expect(created.status).toBe(0);
    expect(json(created)).toMatchObject({
      action: "created",
      previousSeats: null,
      license: { sku: "M365_E5", name: "Microsoft 365 E5", totalSeats: 10, assignedSeats: 0, freeSeats: 10 },
    });

    const custom = await cli(
      ctx.handle,
      "license",
      "add",
      "ACME_TOOL",
      "--seats",
      "3",
      "--name",
      "Acme Tool",
    );
    expect(custom.status).toBe(0);
    expect(custom.stdout).toBe("Created license ACME_TOOL (Acme Tool): 3 seats, 0 assigned, 3 free.\n");

    await ctx.handle.db.execute(
      sql`insert into users (email, display_name) values ('a@example.com', 'A'), ('b@example.com', 'B')`,
    );
    await ctx.handle.db.execute(
      sql`insert into license_assignments (license_id, user_id)
          select l.id, u.id from licenses l, users u where l.sku = 'M365_E5'`,
    );

    const updated = await cli(ctx.handle, "license", "add", "m365_e5", "--seats", "4", "--json");
    expect(updated.status).toBe(0);
    expect(json(updated)).toMatchObject({
      action: "updated",
      previousSeats: 10,
      license: { sku: "M365_E5", totalSeats: 4, assignedSeats: 2, freeSeats: 2 },
    });

    const same = await cli(ctx.handle, "license", "add", "M365_E5", "--seats", "4", "--json");
    expect(json(same).action).toBe("unchanged");

    const below = await cli(ctx.handle, "license", "add", "M365_E5", "--seats", "1", "--json");
    expect(below.status).toBe(2);
    expect(json(below).error.code).toBe("license.seats_below_assigned");

    const missingSeats = await cli(ctx.handle, "license", "add", "M365_E3", "--json");
    expect(missingSeats.status).toBe(2);
    expect(json(missingSeats).error.code).toBe("cli.missing_option");
    expect(missingSeats.stderr).toContain("Usage: npx bulkusers license add <sku> --seats N");

    const badSeats = await cli(ctx.handle, "license", "add", "M365_E3", "--seats", "-3");
    expect(badSeats.status).toBe(2);
    const badSku = await cli(ctx.handle, "license", "add", "not a sku", "--seats", "3", "--json");
    expect(json(badSku).error.code).toBe("license.invalid_sku");

    const rows = await queryRows<{ sku: string; total_seats: number }>(
      ctx.handle.db,
      sql`select sku, total_seats from licenses order by sku`,
    );
    expect(rows).toEqual([
      { sku: "ACME_TOOL", total_seats: 3 },
      { sku: "M365_E5", total_seats: 4 },
    ]);
    const actions = await queryRows<{ action: string }>(
      ctx.handle.db,
      sql`select action from audit_log order by id`,
    );
    expect(actions.map((a) => a.action)).toEqual(["license.add", "license.add", "license.update"]);
  });

  it("db migrate reports the applied migrations", async () => {
    const result = await cli(ctx.handle, "db", "migrate", "--json");
    expect(result.status).toBe(0);
    expect(json(result)).toMatchObject({ kind: ctx.kind, migrations: expect.any(Number) });
    expect(json(result).migrations).toBeGreaterThan(0);
  });
});

describe("cli usage", () => {
  it("an unknown command is bad usage: exit 2, usage on stderr, nothing on stdout", async () => {
    const result = await cli(undefined, "frobnicate");
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("Unknown command 'frobnicate'");
    expect(result.stderr).toContain("Usage: npx bulkusers <command> [options]");
    expect(result.stderr).toContain("license add <sku> --seats N");
  });

  it("with --json a refusal is exactly one error document", async () => {
    const result = await cli(undefined, "--json", "frobnicate");
    expect(result.status).toBe(2);
    expect(json(result)).toEqual({
      error: { code: "cli.unknown_command", message: "Unknown command 'frobnicate'." },
    });
  });

  it("a partial command suggests the full ones", async () => {
    const result = await cli(undefined, "group", "--json");
    expect(result.status).toBe(2);
    expect(json(result).error.message).toContain("Did you mean: group add?");
  });

  it("no command, a missing argument, an unknown option: exit 2 with a code", async () => {
    expect(json(await cli(undefined, "--json")).error.code).toBe("cli.missing_command");
    const missing = await cli(undefined, "group", "add", "--json");
    expect(missing.status).toBe(2);
    expect(json(missing).error).toEqual({
      code: "cli.missing_argument",
      message: "Missing argument <name>.",
    });
    expect(missing.stderr).toContain('Usage: npx bulkusers group add <name> [--description "…"]');
    const extra = await cli(undefined, "group", "add", "a", "b", "--json");
    expect(json(extra).error.code).toBe("cli.unexpected_argument");
    const unknownOption = await cli(undefined, "group", "add", "a", "--colour", "red", "--json");
    expect(unknownOption.status).toBe(2);
    expect(json(unknownOption).error.code).toBe("cli.bad_option");
    const badUsers = await cli(undefined, "seed-demo", "--users", "many", "--json");
    expect(badUsers.status).toBe(2);
    expect(json(badUsers).error.message).toContain("--users must be a whole number");
    const badDb = await cli(undefined, "db", "migrate", "--db", "mysql://x", "--json");
    expect(json(badDb).error.code).toBe("cli.bad_database_url");
  });

  it("help lists every command; --help on a command shows its usage", async () => {
    const help = await cli(undefined, "help");
    expect(help.status).toBe(0);
    for (const name of ["db migrate", "seed-demo", "group add", "license add"])
      expect(help.stdout).toContain(name);
    expect(help.stdout).toContain("--db <url>");
    const dashed = await cli(undefined, "--help");
    expect(dashed.stdout).toBe(help.stdout);
    const one = await cli(undefined, "license", "add", "--help");
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/^Usage: npx bulkusers license add <sku> --seats N/);
    const listed = await cli(undefined, "help", "--json");
    const names = json(listed).commands.map((c: { name: string }) => c.name);
    // Every command of the contract (DESIGN.md §5) is there.
    for (const name of [
      "plan",
      "run",
      "export",
      "template",
      "jobs",
      "job",
      "undo",
      "worker",
      "group add",
      "license add",
      "record-sign-ins",
      "deactivate-inactive",
      "seed-demo",
      "db migrate",
    ])
      expect(names).toContain(name);
  });
});

// --- the real process ----------------------------------------------------------------------------

function run(command: string, args: string[]): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const { VITEST: _v, VITEST_POOL_ID: _p, VITEST_WORKER_ID: _w, DATABASE_URL: _d, ...env } = process.env;
    const child = spawn(command, args, { cwd: ROOT, env: { ...env, USER: "ci" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

describe("cli process", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("exits 0 / 2 / 1 with exactly one JSON document on stdout", { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "bulkusers-cli-"));
    dirs.push(dir);
    const db = `pglite:${join(dir, "db")}`;

    const seeded = await run("npx", [
      "tsx",
      "src/cli.ts",
      "seed-demo",
      "--users",
      "50",
      "--db",
      db,
      "--json",
    ]);
    expect(seeded.status, seeded.stderr).toBe(0);
    expect(JSON.parse(seeded.stdout)).toMatchObject({ users: 50, serviceAccounts: 2 });

    // The installed bin (bin/bulkusers.js) on the same on-disk database: the seeded E3 seats are in use.
    const refused = await run(process.execPath, [
      "bin/bulkusers.js",
      "license",
      "add",
      "M365_E3",
      "--seats",
      "0",
      "--db",
      db,
      "--json",
    ]);
    expect(refused.status, refused.stderr).toBe(2);
    expect(JSON.parse(refused.stdout).error.code).toBe("license.seats_below_assigned");

    const failed = await run(process.execPath, [
      "bin/bulkusers.js",
      "db",
      "migrate",
      "--db",
      "postgres://nobody@127.0.0.1:1/none",
      "--json",
    ]);
    // A database that cannot be reached: exit 1, with its own code and the reason in one line.
    expect(failed.status).toBe(1);
    expect(JSON.parse(failed.stdout).error.code).toBe("database.unavailable");
    expect(failed.stderr).toMatch(
      /^bulkusers: cannot reach the database \(connect ECONNREFUSED 127\.0\.0\.1:1\)/,
    );
    expect(failed.stderr).not.toMatch(/\n\s+at /);
  });
});
