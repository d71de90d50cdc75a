// The engine's CLI contract (DESIGN.md §5): plan/run JSON documents with exactly the promised keys, exit
// statuses, refusals, results and credentials files, export → template → undo.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CliIo } from "../src/cli/context.ts";
import { runCli } from "../src/cli/run-cli.ts";
import { licenses, users } from "../src/directory/schema.ts";
import { describeEachDatabase } from "./support/db.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bulkusers-cli-engine-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SAMPLES = join(import.meta.dirname, "fixtures/csv/samples");

describeEachDatabase("cli engine", (ctx) => {
  async function cli(...argv: string[]) {
    let stdout = "";
    let stderr = "";
    const io: CliIo = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      env: { USER: "tester" },
      cwd: dir,
      openDb: async () => ({ ...ctx.handle, close: async () => {} }),
    };
    const status = await runCli(argv, io);
    return { status, stdout, stderr, json: () => JSON.parse(stdout) };
  }

  it("plan --json has exactly the contract's keys and changes nothing", async () => {
    const result = await cli("plan", "create", join(SAMPLES, "create-template.csv"), "--json");
    expect(result.status).toBe(0);
    const doc = result.json();
    expect(Object.keys(doc).sort()).toEqual(["operation", "rows", "summary", "warnings"]);
    expect(doc.summary).toEqual({ change: 0, skip: 0, error: 1 });
    expect(Object.keys(doc.rows[0]).sort()).toEqual(["changes", "key", "line", "outcome", "reason", "row"]);
    expect(doc.rows[0]).toMatchObject({ row: 1, line: 2, key: "john.doe@company.com", outcome: "error" });
    expect(doc.rows[0].reason).toMatch(/M365_BUSINESS_PREMIUM/);
    const jobs = await cli("jobs", "--json");
    expect(jobs.json()).toEqual({ jobs: [] });
  });

  it("run --json: counts equal the plan's; results and credentials files written; passwords only there", async () => {
    await ctx.handle.db.insert(licenses).values([
      { sku: "M365_E5", name: "E5", totalSeats: 5 },
      { sku: "M365_BUSINESS_PREMIUM", name: "BP", totalSeats: 5 },
    ]);
    const file = join(SAMPLES, "new-hires.csv");
    const plan = (await cli("plan", "create", file, "--json")).json();
    const result = await cli("run", "create", file, "--json", "--results", "r.csv", "--credentials", "c.csv");
    expect(result.status).toBe(0);
    const doc = result.json();
    expect(Object.keys(doc).sort()).toEqual(["jobId", "rows", "status", "summary"]);
    expect(doc.status).toBe("succeeded");
    expect(doc.summary).toEqual({
      succeeded: plan.summary.change,
      failed: plan.summary.error,
      skipped: plan.summary.skip,
    });
    expect(Object.keys(doc.rows[0]).sort()).toEqual(["key", "line", "reason", "row", "status"]);
    const results = await readFile(join(dir, "r.csv"), "utf8");
    expect(results.split("\r\n")[0]).toBe(
      "\uFEFFStatus,Reason,UserPrincipalName,DisplayName,FirstName,LastName,Department,JobTitle,Manager,License",
    );
    const creds = (await readFile(join(dir, "c.csv"), "utf8")).trim().split("\r\n");
    expect(creds).toHaveLength(5);
    const password = creds[1]!.split(",")[1]!;
    expect(result.stdout).not.toContain(password);
    expect(results).not.toContain(password);
    // Delivered once: asking the job again gives no passwords.
    const again = await cli("job", doc.jobId, "--credentials", "c2.csv", "--json");
    expect(again.status).toBe(0);
    expect((await readFile(join(dir, "c2.csv"), "utf8")).trim().split("\r\n")).toHaveLength(1);
    const listed = (await cli("jobs", "--json")).json();
    expect(listed.jobs[0]).toMatchObject({
      id: doc.jobId,
      operation: "create",
      status: "succeeded",
      summary: doc.summary,
    });
  });

  it("refusals: exit 2 with one JSON error document; unknown operation and missing file too", async () => {
    await writeFile(join(dir, "empty.csv"), "");
    const empty = await cli("run", "create", "empty.csv", "--json");
    expect(empty.status).toBe(2);
    expect(empty.json()).toEqual({ error: { code: "csv.empty", message: expect.any(String) } });
    const missing = await cli("plan", "create", "nope.csv", "--json");
    expect(missing.status).toBe(2);
    expect(missing.json().error.code).toBe("cli.file_unreadable");
    const unknown = await cli("plan", "explode", "empty.csv", "--json");
    expect(unknown.status).toBe(2);
    expect(unknown.json().error.code).toBe("cli.unknown_operation");
    await writeFile(join(dir, "nokey.csv"), "DisplayName\nAnn\n");
    const noKey = await cli("plan", "disable", "nokey.csv", "--json");
    expect(noKey.status).toBe(2);
    expect(noKey.json().error.code).toBe("csv.missing_column");
  });

  it("Excel: template --xlsx → filled in → run from the .xlsx; spreadsheets we cannot read exit 2 saying how to save them", async () => {
    const template = await cli("template", "create", "--xlsx", "--out", "hires.xlsx", "--json");
    expect(template.status).toBe(0);
    expect(template.json()).toMatchObject({
      operation: "create",
      format: "xlsx",
      out: join(dir, "hires.xlsx"),
    });
    // By the --out extension too; a workbook never goes to stdout.
    expect((await cli("template", "update", "--out", "u.xlsx")).status).toBe(0);
    expect((await readFile(join(dir, "u.xlsx"))).subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004");
    const noOut = await cli("template", "create", "--format", "xlsx", "--json");
    expect(noOut.status).toBe(2);
    expect(noOut.json().error.code).toBe("cli.missing_option");
    expect((await cli("template", "create", "--format", "ods", "--json")).json().error.code).toBe(
      "cli.bad_option",
    );

    // HR fills in the template in Excel: the example rows replaced by a real one, the id typed with zeros.
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(dir, "hires.xlsx"));
    const sheet = book.getWorksheet("create")!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    const row: Record<string, string> = {
      UserPrincipalName: "nia.hart@example.com",
      DisplayName: "Nia Hart",
      EmployeeId: "00042",
    };
    header.forEach((h, i) => {
      sheet.getRow(2).getCell(i + 1).value = row[h] ?? null;
      sheet.getRow(3).getCell(i + 1).value = null;
    });
    await writeFile(join(dir, "filled.xlsx"), Buffer.from(await book.xlsx.writeBuffer()));
    const run = await cli("run", "create", "filled.xlsx", "--json");
    expect(run.status).toBe(0);
    expect(run.json().summary).toMatchObject({ succeeded: 1, failed: 0 });
    const [stored] = await ctx.handle.db.select().from(users).where(eq(users.email, "nia.hart@example.com"));
    expect(stored?.employeeId).toBe("00042");

    for (const [file, code] of [
      ["legacy.xls", "xlsx.legacy_xls"],
      ["macro-enabled.xlsm", "xlsx.macro_enabled"],
      ["encrypted.xlsx", "xlsx.encrypted"],
    ] as const) {
      const refused = await cli("plan", "create", join(import.meta.dirname, "fixtures/xlsx", file), "--json");
      expect(refused.status).toBe(2);
      expect(refused.json().error).toEqual({
        code,
        message: expect.stringMatching(/Save As > Excel Workbook|clear the password/),
      });
    }
  });

  it("template → run → export --filter → undo --yes", async () => {
    const template = await cli("template", "update", "--out", "t.csv");
    expect(template.status).toBe(0);
    expect((await readFile(join(dir, "t.csv"), "utf8")).startsWith("\uFEFFUserPrincipalName,")).toBe(true);
    await writeFile(
      join(dir, "people.csv"),
      "UserPrincipalName,DisplayName,Department\na@example.com,A,Sales\nb@example.com,B,Legal\n",
    );
    expect((await cli("run", "create", "people.csv")).status).toBe(0);
    const exported = await cli("export", "--filter", "department:sales", "--out", "sales.csv", "--json");
    expect(exported.json()).toMatchObject({ count: 1 });
    await writeFile(join(dir, "move.csv"), "UserPrincipalName,Department\na@example.com,Finance\n");
    const moved = (await cli("run", "update", "move.csv", "--json")).json();
    expect(moved.summary.succeeded).toBe(1);
    const preview = await cli("undo", moved.jobId, "--json");
    expect(preview.json()).toMatchObject({
      undoOf: moved.jobId,
      operation: "update",
      summary: { change: 1 },
    });
    const undone = await cli("undo", moved.jobId, "--yes", "--json");
    expect(undone.json()).toMatchObject({ undoOf: moved.jobId, summary: { succeeded: 1 } });
    const back = await cli("export", "--filter", "department:sales", "--json");
    expect(back.json().count).toBe(1);
  });
});
