// What a person sees at the command line (issue 11), in-process on every database target: short plan
// output, the question before `run` on a terminal (and none without), progress summary lines, 0600
// credentials and the waiting-passwords hint, `job <id>` with its failed and skipped rows, the
// inspection commands, ISO 8601 times, the actor, a second undo.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CliIo } from "../src/cli/context.ts";
import { runCli } from "../src/cli/run-cli.ts";
import { describeEachDatabase, queryRows } from "./support/db.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bulkusers-cli-output-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describeEachDatabase("cli output", (ctx) => {
  interface Options {
    interactive?: boolean;
    answers?: string[];
    env?: Record<string, string | undefined>;
    osUser?: () => string | undefined;
    progressStream?: NodeJS.WritableStream;
  }
  async function cli(argv: string[], options: Options = {}) {
    let stdout = "";
    let stderr = "";
    const questions: string[] = [];
    const answers = [...(options.answers ?? [])];
    const io: CliIo = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      env: options.env ?? { USER: "tester" },
      cwd: dir,
      openDb: async () => ({ ...ctx.handle, close: async () => {} }),
      ...(options.interactive ? { interactive: true } : {}),
      ask: async (question) => {
        questions.push(question);
        const answer = answers.shift();
        if (answer === undefined) throw new Error(`unexpected question: ${question}`);
        return answer;
      },
      ...(options.osUser ? { osUser: options.osUser } : {}),
      ...(options.progressStream ? { progressStream: options.progressStream } : {}),
    };
    const status = await runCli(argv, io);
    return { status, stdout, stderr, questions, json: () => JSON.parse(stdout) };
  }
  const count = async (query: string) =>
    (await queryRows<{ n: number }>(ctx.handle.db, sql.raw(query)))[0]?.n ?? -1;

  async function seed(users = 60) {
    const seeded = await cli(["seed-demo", "--users", String(users), "--json"]);
    expect(seeded.status, seeded.stderr).toBe(0);
  }

  const hires = (n: number, bad = 0) =>
    [
      "UserPrincipalName,DisplayName,Department",
      ...Array.from({ length: n }, (_, i) => `new.hire${i}@example.com,New Hire ${i},Sales`),
      ...Array.from({ length: bad }, (_, i) => `not-an-email-${i},Broken ${i},Sales`),
    ].join("\n");

  it("plan of 20,000 rows: the summary first, 20 changes, 20 errors, how to see the rest — under 60 lines", async () => {
    await writeFile(join(dir, "big.csv"), hires(19_970, 30));
    const env = { USER: "tester", BULKUSERS_MAX_ROWS: "20000" };
    const result = await cli(["plan", "create", "big.csv"], { env });
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.length).toBeLessThanOrEqual(60);
    expect(lines[0]).toBe("create: 19,970 to change, 0 to skip, 30 with errors (nothing has changed yet)");
    expect(result.stdout).toContain("Changes (first 20 of 19,970):");
    expect(result.stdout).toContain("Errors (first 20 of 30):");
    expect(lines.at(-1)).toBe("… 19,960 more: --all, --errors, --out plan.csv");
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);

    const errors = await cli(["plan", "create", "big.csv", "--errors"], { env });
    expect(errors.stdout).toContain("Errors (30):");
    expect(errors.stdout.split("\n").filter((l) => /^\s*\d+\s+not-an-email-\d+ /.test(l))).toHaveLength(30);
    expect(errors.stdout).not.toContain("new.hire0@");

    const out = await cli(["plan", "create", "big.csv", "--out", "plan.csv"], { env });
    expect(out.stdout).toContain(`Every row: ${join(dir, "plan.csv")}`);
    const csv = (await readFile(join(dir, "plan.csv"), "utf8")).split("\r\n").filter(Boolean);
    expect(csv[0]).toBe("\uFEFFRow,Line,Key,Outcome,Reason,Changes");
    expect(csv).toHaveLength(20_001);
    expect(await count("select count(*)::int as n from users")).toBe(0);
  });

  it("plan --all lists every row, each line within 100 columns", async () => {
    await writeFile(join(dir, "few.csv"), hires(25, 1));
    const all = await cli(["plan", "create", "few.csv", "--all"]);
    const rows = all.stdout.split("\n").filter((l) => /^\s*\d+\s/.test(l));
    expect(rows).toHaveLength(26);
    for (const line of all.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });

  it("run on a terminal shows the plan and asks; 'n' changes nothing, 'y' runs; --yes and no terminal never ask", async () => {
    await seed();
    await writeFile(join(dir, "hires.csv"), hires(3, 1));
    const before = await count("select count(*)::int as n from users");

    const declined = await cli(["run", "create", "hires.csv"], { interactive: true, answers: ["n"] });
    expect(declined.status).toBe(0);
    expect(declined.questions).toEqual(["Apply 3 changes? [y/N] "]);
    expect(declined.stderr).toContain(
      "create: 3 to change, 0 to skip, 1 with errors (nothing has changed yet)",
    );
    expect(declined.stdout).toBe("Cancelled; nothing changed.\n");
    expect(await count("select count(*)::int as n from users")).toBe(before);
    expect(await count("select count(*)::int as n from jobs")).toBe(0);

    const accepted = await cli(["run", "create", "hires.csv", "--json"], {
      interactive: true,
      answers: ["y"],
    });
    expect(accepted.status).toBe(0);
    expect(accepted.questions).toHaveLength(1);
    expect(accepted.json().summary).toEqual({ succeeded: 3, failed: 1, skipped: 0 });
    expect(await count("select count(*)::int as n from users")).toBe(before + 3);

    await writeFile(join(dir, "more.csv"), hires(5));
    const yes = await cli(["run", "create", "more.csv", "--yes", "--json"], {
      interactive: true,
      answers: [],
    });
    expect(yes.questions).toEqual([]);
    expect(yes.json().summary.succeeded).toBe(2);

    await writeFile(join(dir, "script.csv"), hires(7));
    const script = await cli(["run", "create", "script.csv"]); // no terminal: a script, never asked
    expect(script.questions).toEqual([]);
    expect(script.status).toBe(0);
    expect(await count("select count(*)::int as n from users")).toBe(before + 7);
    // Without a terminal the progress is one summary line on stderr; --json keeps stderr quiet.
    expect(script.stderr).toMatch(/^create job_\w+: 7 rows in [\d.]+ m?s \([\d,]+ rows\/s\)\n$/);
    expect(yes.stderr).not.toMatch(/rows in/);
  });

  it("credentials files are created 0600 (also over an existing file); without --credentials a hint says where they wait", async () => {
    await seed();
    await writeFile(join(dir, "pw.csv"), hires(4));
    const run = await cli(["run", "create", "pw.csv"]);
    expect(run.status).toBe(0);
    const jobId = /Job (job_\w+)/.exec(run.stdout)?.[1];
    expect(run.stdout).toContain(
      `4 temporary passwords are waiting: \`npx bulkusers job ${jobId} --credentials FILE\``,
    );
    expect(await count("select coalesce(sum(count), 0)::int as n from job_credentials")).toBe(4);

    await writeFile(join(dir, "creds.csv"), "old");
    await chmod(join(dir, "creds.csv"), 0o644);
    const written = await cli(["job", jobId!, "--credentials", "creds.csv"]);
    expect(written.status).toBe(0);
    expect((await stat(join(dir, "creds.csv"))).mode & 0o777).toBe(0o600);
    const lines = (await readFile(join(dir, "creds.csv"), "utf8")).trim().split("\r\n");
    expect(lines).toHaveLength(5);
    expect(written.stdout).not.toContain("waiting");

    await writeFile(join(dir, "pw2.csv"), hires(6));
    const fresh = await cli(["run", "create", "pw2.csv", "--credentials", "fresh.csv", "--json"]);
    expect(fresh.status).toBe(0);
    expect((await stat(join(dir, "fresh.csv"))).mode & 0o777).toBe(0o600);
    expect(fresh.stderr).toBe("");
  });

  it("job <id> prints the counts and the first failed and skipped rows with their reasons", async () => {
    await seed();
    const existing = (await cli(["users", "--limit", "1", "--json"])).json().users[0].email;
    await writeFile(
      join(dir, "mixed.csv"),
      ["UserPrincipalName,Department", `${existing},Sales`, "ghost@example.com,Sales", "bad,Sales"].join(
        "\n",
      ),
    );
    const run = await cli(["run", "disable", "mixed.csv", "--json"]);
    const jobId = run.json().jobId;
    const job = await cli(["job", jobId]);
    expect(job.status).toBe(0);
    expect(job.stdout).toMatch(/3\/3 rows processed — 1 succeeded, 2 failed, 0 skipped/);
    expect(job.stdout).toContain("Failed (2):");
    expect(job.stdout).toMatch(/ 2 {2}ghost@example\.com {2}.*(unknown|no user|not found|does not exist)/i);
    expect(job.stdout).toMatch(/ 3 {2}bad {2}/);
    expect(job.stdout).toMatch(/queued \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z, finished \d{4}-/);
    expect(job.stdout).toContain(`\`npx bulkusers job ${jobId} --results results.csv\``);

    const again = await cli(["run", "disable", "mixed.csv", "--json"]);
    const skipped = await cli(["job", again.json().jobId]);
    expect(skipped.stdout).toContain("Skipped (1):");
    expect(skipped.stdout).toContain(existing);
  });

  it("users, groups, licenses and audit list the directory, as tables and as JSON", async () => {
    await seed(80);
    const users = await cli(["users", "--filter", "department:Sales", "--limit", "3"]);
    expect(users.status).toBe(0);
    const userLines = users.stdout.trimEnd().split("\n");
    expect(userLines[0]).toMatch(/^email\s+name\s+department\s+title\s+status\s+last sign-in$/);
    expect(userLines.slice(2, 5).every((l) => / Sales /.test(l))).toBe(true);
    expect(userLines[5]).toContain('`npx bulkusers export --filter "department:Sales" --out users.csv`');
    const usersJson = (await cli(["users", "--filter", "department:Sales", "--json"])).json();
    const salesCount = await count("select count(*)::int as n from users where department = 'Sales'");
    expect(usersJson.users).toHaveLength(salesCount);
    expect(usersJson.truncated).toBe(false);
    expect(usersJson.users[0].createdAt).toMatch(ISO);

    const groups = (await cli(["groups", "--json"])).json().groups;
    const allStaff = groups.find((g: { name: string }) => g.name === "all-staff");
    expect(allStaff.members).toBe(
      await count(
        "select count(*)::int as n from group_members m join groups g on g.id = m.group_id where g.name = 'all-staff'",
      ),
    );
    expect((await cli(["groups"])).stdout).toMatch(/^name\s+members\s+description\n/);

    const licenses = (await cli(["licenses", "--json"])).json().licenses;
    const e3 = licenses.find((l: { sku: string }) => l.sku === "M365_E3");
    const assigned = await count(
      "select count(*)::int as n from license_assignments a join licenses l on l.id = a.license_id where l.sku = 'M365_E3'",
    );
    expect(e3).toMatchObject({ assignedSeats: assigned, freeSeats: e3.totalSeats - assigned });
    const licenseText = (await cli(["licenses"])).stdout;
    expect(licenseText).toMatch(/^sku\s+name\s+total\s+assigned\s+free\n/);
    expect(licenseText).toMatch(
      new RegExp(`M365_E3\\s.*\\s${e3.totalSeats}\\s+${assigned}\\s+${e3.freeSeats}\\n`),
    );

    await writeFile(join(dir, "one.csv"), hires(1));
    const run = (await cli(["run", "create", "one.csv", "--json", "--as", "cli:alice"])).json();
    const audit = (await cli(["audit", "--job", run.jobId, "--json"])).json();
    expect(audit.entries.length).toBeGreaterThan(0);
    expect(
      audit.entries.every((e: { jobId: string; at: string }) => e.jobId === run.jobId && ISO.test(e.at)),
    ).toBe(true);
    const byActor = (await cli(["audit", "--actor", "cli:alice", "--json"])).json().entries;
    expect(byActor.map((e: { actor: string }) => e.actor)).toEqual(byActor.map(() => "cli:alice"));
    expect(byActor.length).toBeGreaterThan(0);
    const future = (await cli(["audit", "--since", "2999-01-01", "--json"])).json();
    expect(future.entries).toEqual([]);
    const limited = await cli(["audit", "--limit", "1"]);
    expect(limited.stdout.trimEnd().split("\n")).toHaveLength(4);
    expect(limited.stdout).toMatch(/^at\s+actor\s+action\s+target\s+job\n/);
    expect(limited.stdout).toContain("… more entries than the 1 shown");
    const bad = await cli(["audit", "--since", "yesterday", "--json"]);
    expect(bad.status).toBe(2);
    expect(bad.json().error.code).toBe("cli.bad_option");
  });

  it("times are ISO 8601 UTC in jobs text and JSON; the actor comes from the system when $USER is unset", async () => {
    await writeFile(join(dir, "t.csv"), hires(1));
    await cli(["run", "create", "t.csv"], { env: {}, osUser: () => "alice" });
    const jobs = (await cli(["jobs", "--json"])).json().jobs;
    expect(jobs[0].approvedBy).toBe("cli:alice");
    for (const key of ["queuedAt", "startedAt", "finishedAt"]) expect(jobs[0][key]).toMatch(ISO);
    const text = (await cli(["jobs"])).stdout;
    expect(text).toContain(jobs[0].queuedAt.replace(/\.\d{3}Z$/, "Z"));
    expect(text).not.toMatch(/\d{2}:\d{2}:\d{2}(\.\d+)?\+00/);
  });

  it("a second undo of the same job says it was already undone", async () => {
    await writeFile(join(dir, "u.csv"), hires(2));
    const run = (await cli(["run", "create", "u.csv", "--json"])).json();
    const first = await cli(["undo", run.jobId, "--yes"]);
    expect(first.stdout).toMatch(/^Undo of job_\w+: job job_\w+ succeeded — 2 succeeded/);
    const second = await cli(["undo", run.jobId]);
    expect(second.status).toBe(0);
    const undoJob = /job (job_\w+) succeeded/.exec(first.stdout)?.[1];
    expect(second.stdout).toMatch(
      new RegExp(
        `^Job ${run.jobId} was already undone by job ${undoJob} \\(\\d{4}-\\d{2}-\\d{2}T[^)]+Z\\); nothing left to change\\.\\n$`,
      ),
    );
    expect(second.stdout).not.toContain("--yes");
    const third = (await cli(["undo", run.jobId, "--yes", "--json"])).json();
    expect(third.alreadyUndoneBy).toBe(undoJob);
    expect(await count("select count(*)::int as n from jobs")).toBe(2);
  });

  it("undo on a terminal asks instead of requiring --yes", async () => {
    await writeFile(join(dir, "v.csv"), hires(2));
    const run = (await cli(["run", "create", "v.csv", "--json"])).json();
    const asked = await cli(["undo", run.jobId], { interactive: true, answers: ["y"] });
    expect(asked.questions).toEqual(["Apply 2 changes? [y/N] "]);
    expect(asked.stdout).toMatch(/^Undo of job_\w+: job job_\w+ succeeded — 2 succeeded/);
    expect(await count("select count(*)::int as n from users where status = 'deleted'")).toBe(2);
  });

  it("seed-demo, export, worker and undo report progress: one line each without a terminal, a bar on one", async () => {
    const seeded = await cli(["seed-demo", "--users", "40"]);
    expect(seeded.stderr).toMatch(/^seed-demo: 40 users in [\d.]+ m?s \([\d,]+ users\/s\)\n$/);
    const exported = await cli(["export", "--out", "all.csv"]);
    expect(exported.stderr).toMatch(/^export: 40 users read in [\d.]+ m?s \([\d,]+ users read\/s\)\n$/);

    await writeFile(join(dir, "q.csv"), hires(4));
    const queued = (await cli(["run", "create", "q.csv", "--queue", "--json"])).json();
    expect(queued.status).toBe("queued");
    const worker = await cli(["worker", "--until-idle"]);
    expect(worker.stderr).toMatch(
      new RegExp(`^create ${queued.jobId}: 4 rows in [\\d.]+ m?s \\([\\d,]+ rows/s\\)\\n$`),
    );
    expect(worker.stdout).toBe(`${queued.jobId}: succeeded — 4 succeeded, 0 failed, 0 skipped\n`);

    // A terminal: cli-progress draws on the stream (here a fake TTY), the count reaching the total.
    let drawn = "";
    const tty = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          drawn += chunk;
          done();
        },
      }),
      { isTTY: true, columns: 100 },
    );
    const undo = await cli(["undo", queued.jobId, "--yes"], { progressStream: tty });
    expect(undo.status).toBe(0);
    expect(drawn).toMatch(/delete job_\w+ \[█{24}\] 4\/4 rows \| [\d,]+ rows\/s \| ETA/);
    expect(undo.stderr).toBe("");
  });
});
