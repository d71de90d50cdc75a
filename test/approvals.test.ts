// The two-person rule through the use cases, the CLI and the HTTP API: a 30-row disable waits for a second
// person; the requester cannot approve it; a rejection runs nothing; an approval runs it exactly once; a
// directory that changed under the plan is re-planned and shown, not run. Every step is in the audit log.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc, eq, sql } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import type { CliIo } from "../src/cli/context.ts";
import { runCli } from "../src/cli/run-cli.ts";
import { parseApprovalRules } from "../src/core/approval-rules.ts";
import type { DatabaseHandle } from "../src/directory/client.ts";
import { approvalRequests, auditLog, jobs, plans, users } from "../src/directory/schema.ts";
import { ApprovalError } from "../src/jobs/approvals.ts";
import { decideApproval, planFile, runUntilFinished, submitPlan } from "../src/jobs/service.ts";
import { type RunningApi, startApi, TOKENS } from "./support/api.ts";
import { describeEachDatabase, queryRows } from "./support/db.ts";
import { testEngine } from "./support/engine.ts";

const emails = (n: number) => Array.from({ length: n }, (_, i) => `leaver${i + 1}@example.com`);
const disableFile = (list: string[]) =>
  new TextEncoder().encode(`UserPrincipalName\r\n${list.map((e) => `${e}\r\n`).join("")}`);

async function seedUsers(handle: DatabaseHandle, list: string[]) {
  await handle.db
    .insert(users)
    .values(list.map((email, i) => ({ email, displayName: `Leaver ${i + 1}`, department: "Sales" })));
}

async function statuses(handle: DatabaseHandle): Promise<Record<string, number>> {
  const rows = await queryRows<{ status: string; n: number }>(
    handle.db,
    sql`select status, count(*)::int as n from users group by status`,
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

async function auditSteps(handle: DatabaseHandle) {
  const rows = await handle.db
    .select({ actor: auditLog.actor, source: auditLog.source, action: auditLog.action, at: auditLog.at })
    .from(auditLog)
    .where(sql`${auditLog.action} like 'approval.%' or ${auditLog.action} = 'job.confirm'`)
    .orderBy(asc(auditLog.id));
  return rows.map((r) => ({ actor: r.actor, source: r.source, action: r.action }));
}

describeEachDatabase("two-person rule", (ctx) => {
  let api: RunningApi | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function planDisable(engine: ReturnType<typeof testEngine>, actor: string, n = 30) {
    const planned = await planFile(engine, {
      operation: "disable",
      bytes: disableFile(emails(n)),
      fileName: "leavers.csv",
      source: "slack",
      actor,
    });
    if (!planned.ok) throw new Error(planned.refusal.message);
    return planned.stored;
  }

  it("a 30-row disable needs a second admin: own approval refused, approval runs it once (injected clock)", async () => {
    const engine = testEngine(ctx.handle);
    await seedUsers(ctx.handle, emails(30));
    const stored = await planDisable(engine, "slack:UALICE");

    const submitted = await submitPlan(engine, {
      planId: stored.id,
      approvedBy: "slack:UALICE",
      source: "slack",
      allowPartial: false,
    });
    expect(submitted.kind).toBe("awaiting_approval");
    if (submitted.kind !== "awaiting_approval") return;
    expect(submitted.request).toMatchObject({
      status: "pending",
      rule: "disable of more than 25 rows",
      summary: { change: 30, skip: 0, error: 0 },
      requestedBy: "slack:UALICE",
    });
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);
    // Submitting again (a double click) files nothing new.
    const again = await submitPlan(engine, {
      planId: stored.id,
      approvedBy: "slack:UALICE",
      source: "slack",
      allowPartial: false,
    });
    expect(again).toMatchObject({ kind: "awaiting_approval", created: false });

    // The requester cannot approve their own plan.
    const own = decideApproval(engine, {
      approvalId: submitted.request.id,
      decision: "approve",
      actor: "slack:UALICE",
      source: "slack",
    });
    await expect(own).rejects.toBeInstanceOf(ApprovalError);
    await expect(own).rejects.toMatchObject({ code: "approval.own_request" });
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);

    engine.setNow("2026-11-02T10:15:00.000Z");
    const approved = await decideApproval(engine, {
      approvalId: submitted.request.id,
      decision: "approve",
      actor: "slack:UBOB",
      source: "slack",
    });
    expect(approved.kind).toBe("approved");
    if (approved.kind !== "approved") return;
    expect(approved.created).toBe(true);
    expect(approved.job).toMatchObject({ requestedBy: "slack:UALICE", approvedBy: "slack:UBOB" });
    // A second click (or another approver) gets the same job: it runs once.
    const twice = await decideApproval(engine, {
      approvalId: submitted.request.id,
      decision: "approve",
      actor: "slack:UCAROL",
      source: "slack",
    });
    expect(twice).toMatchObject({ kind: "approved", created: false, job: { id: approved.job.id } });
    await runUntilFinished(engine, approved.job.id, { owner: "test" });
    expect(await statuses(ctx.handle)).toEqual({ disabled: 30 });
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(1);

    const [request] = await ctx.handle.db.select().from(approvalRequests);
    expect(request).toMatchObject({
      status: "approved",
      decidedBy: "slack:UBOB",
      decidedSource: "slack",
      jobId: approved.job.id,
    });
    expect(new Date(request!.decidedAt!).toISOString()).toBe("2026-11-02T10:15:00.000Z");
    expect(await auditSteps(ctx.handle)).toEqual([
      { actor: "slack:UALICE", source: "slack", action: "approval.requested" },
      { actor: "slack:UALICE", source: "slack", action: "approval.refused" },
      { actor: "slack:UBOB", source: "slack", action: "approval.approved" },
      { actor: "slack:UBOB", source: "slack", action: "job.confirm" },
    ]);
  });

  it("a rejection runs nothing, says why, and the plan can no longer be confirmed", async () => {
    const engine = testEngine(ctx.handle);
    await seedUsers(ctx.handle, emails(30));
    const stored = await planDisable(engine, "slack:UALICE");
    const submitted = await submitPlan(engine, {
      planId: stored.id,
      approvedBy: "slack:UALICE",
      source: "slack",
      allowPartial: false,
    });
    if (submitted.kind !== "awaiting_approval") throw new Error("expected a request");
    await expect(
      decideApproval(engine, {
        approvalId: submitted.request.id,
        decision: "reject",
        actor: "slack:UBOB",
        source: "slack",
      }),
    ).rejects.toMatchObject({ code: "approval.reason_required" });
    const rejected = await decideApproval(engine, {
      approvalId: submitted.request.id,
      decision: "reject",
      actor: "slack:UBOB",
      source: "slack",
      reason: "Half of these are contractors staying until March",
    });
    expect(rejected).toMatchObject({
      kind: "rejected",
      request: { status: "rejected", reason: "Half of these are contractors staying until March" },
    });
    // Approving afterwards changes nothing; submitting the plan again is refused.
    expect(
      await decideApproval(engine, {
        approvalId: submitted.request.id,
        decision: "approve",
        actor: "slack:UCAROL",
        source: "slack",
      }),
    ).toMatchObject({ kind: "rejected" });
    await expect(
      submitPlan(engine, {
        planId: stored.id,
        approvedBy: "slack:UALICE",
        source: "slack",
        allowPartial: false,
      }),
    ).rejects.toMatchObject({ code: "approval.rejected" });
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);
    expect(await statuses(ctx.handle)).toEqual({ active: 30 });
    const [plan] = await ctx.handle.db.select({ status: plans.status }).from(plans);
    expect(plan?.status).toBe("cancelled");
  });

  it("approval re-checks the directory: a changed user re-plans, shows the difference, runs nothing", async () => {
    const engine = testEngine(ctx.handle);
    await seedUsers(ctx.handle, emails(30));
    const stored = await planDisable(engine, "cli:alice");
    const submitted = await submitPlan(engine, {
      planId: stored.id,
      approvedBy: "cli:alice",
      source: "cli",
      allowPartial: true,
    });
    if (submitted.kind !== "awaiting_approval") throw new Error("expected a request");
    // Meanwhile someone disabled one of them by hand, and another was deleted.
    await ctx.handle.db
      .update(users)
      .set({ status: "disabled" })
      .where(eq(users.email, "leaver3@example.com"));
    await ctx.handle.db
      .update(users)
      .set({ status: "deleted" })
      .where(eq(users.email, "leaver7@example.com"));
    const result = await decideApproval(engine, {
      approvalId: submitted.request.id,
      decision: "approve",
      actor: "cli:bob",
      source: "cli",
    });
    expect(result.kind).toBe("changed");
    if (result.kind !== "changed") return;
    expect(
      result.differences.map((d) => [d.row, d.key, d.before.split(" ")[0], d.after.split(":")[0]]),
    ).toEqual([
      [3, "leaver3@example.com", "change", "skip"],
      [7, "leaver7@example.com", "change", "error"],
    ]);
    expect(result.request).toMatchObject({ status: "superseded", supersededBy: result.next.id });
    expect(result.next).toMatchObject({
      status: "pending",
      requestedBy: "cli:alice",
      supersedes: submitted.request.id,
      summary: { change: 28, skip: 1, error: 1 },
    });
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(0);
    // The new plan is approved as any other.
    const approved = await decideApproval(engine, {
      approvalId: result.next.id,
      decision: "approve",
      actor: "cli:bob",
      source: "cli",
    });
    expect(approved).toMatchObject({ kind: "approved", job: { total: 30, failed: 1, skipped: 1 } });
  });

  it("an expired plan is not approved; small plans and undo are not held; the rules are configurable", async () => {
    const engine = testEngine(ctx.handle);
    await seedUsers(ctx.handle, emails(30));
    const stored = await planDisable(engine, "slack:UALICE");
    const submitted = await submitPlan(engine, {
      planId: stored.id,
      approvedBy: "slack:UALICE",
      source: "slack",
      allowPartial: false,
    });
    if (submitted.kind !== "awaiting_approval") throw new Error("expected a request");
    engine.setNow("2026-11-03T09:00:01.000Z"); // plans live 24 h
    await expect(
      decideApproval(engine, {
        approvalId: submitted.request.id,
        decision: "approve",
        actor: "slack:UBOB",
        source: "slack",
      }),
    ).rejects.toMatchObject({ code: "plan.expired" });
    const [after] = await ctx.handle.db.select().from(approvalRequests);
    expect(after?.status).toBe("expired");

    const small = await planDisable(engine, "slack:UALICE", 25);
    expect(
      await submitPlan(engine, {
        planId: small.id,
        approvedBy: "slack:UALICE",
        source: "slack",
        allowPartial: false,
      }),
    ).toMatchObject({ kind: "job", created: true });

    const strict = parseApprovalRules("*>1");
    if (!strict.ok) throw new Error(strict.message);
    const held = { ...engine, approvalPolicy: strict.policy };
    const two = await planFile(held, {
      operation: "update",
      bytes: new TextEncoder().encode(
        "UserPrincipalName,Department\nleaver1@example.com,HR\nleaver2@example.com,HR\n",
      ),
      source: "api",
      actor: "api:hr",
    });
    if (!two.ok) throw new Error(two.refusal.message);
    expect(
      await submitPlan(held, {
        planId: two.stored.id,
        approvedBy: "api:hr",
        source: "api",
        allowPartial: false,
      }),
    ).toMatchObject({ kind: "awaiting_approval", request: { rule: "any operation of more than 1 rows" } });
    const undo = await planFile(held, {
      operation: "update",
      bytes: new TextEncoder().encode(
        "UserPrincipalName,Department\nleaver1@example.com,Ops\nleaver2@example.com,Ops\n",
      ),
      source: "slack",
      actor: "slack:UALICE",
    });
    if (!undo.ok) throw new Error(undo.refusal.message);
    expect(
      await submitPlan(held, {
        planId: undo.stored.id,
        approvedBy: "slack:UALICE",
        source: "slack",
        allowPartial: false,
        undoOf: "job_x",
      }),
    ).toMatchObject({ kind: "job" });
  });

  it("CLI: run prints the request and exits 3; --approved-by and self-approval are refused; approve runs it once", async () => {
    await seedUsers(ctx.handle, emails(30));
    dir = await mkdtemp(join(tmpdir(), "bulkusers-approvals-"));
    await writeFile(join(dir, "leavers.csv"), disableFile(emails(30)));
    const cli = async (...argv: string[]) => {
      let stdout = "";
      let stderr = "";
      const io: CliIo = {
        stdout: (t) => {
          stdout += t;
        },
        stderr: (t) => {
          stderr += t;
        },
        env: { USER: "alice" },
        cwd: dir!,
        now: () => new Date("2026-11-02T09:00:00Z"),
        openDb: async () => ({ ...ctx.handle, close: async () => {} }),
      };
      const status = await runCli(argv, io);
      return { status, stdout, stderr };
    };

    const flagged = await cli("run", "disable", "leavers.csv", "--approved-by", "bob", "--json");
    expect(flagged.status).toBe(2);
    expect(JSON.parse(flagged.stdout).error.code).toBe("approval.flag_refused");
    expect(await ctx.handle.db.select().from(plans)).toHaveLength(0);

    const run = await cli("run", "disable", "leavers.csv", "--json");
    expect(run.status).toBe(3);
    const request = JSON.parse(run.stdout);
    expect(request).toMatchObject({
      status: "awaiting_approval",
      operation: "disable",
      requestedBy: "cli:alice",
      summary: { change: 30 },
    });
    const text = await cli("approvals");
    expect(text.stdout).toContain(request.approvalId);

    const own = await cli("approve", request.approvalId, "--json");
    expect(own.status).toBe(2);
    expect(JSON.parse(own.stdout).error.code).toBe("approval.own_request");
    expect(await statuses(ctx.handle)).toEqual({ active: 30 });

    const approved = await cli("approve", request.approvalId, "--as", "cli:bob", "--json");
    expect(approved.stderr).toBe("");
    expect(approved.status).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({
      status: "approved",
      decidedBy: "cli:bob",
      jobStatus: "succeeded",
    });
    expect(await statuses(ctx.handle)).toEqual({ disabled: 30 });
    const again = await cli("approve", request.approvalId, "--as", "cli:carol", "--json");
    expect(JSON.parse(again.stdout).jobId).toBe(JSON.parse(approved.stdout).jobId);
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(1);

    // Rejection from the CLI: nothing runs.
    await writeFile(join(dir, "delete.csv"), "UserPrincipalName\nleaver1@example.com\n");
    const del = JSON.parse((await cli("run", "delete", "delete.csv", "--json")).stdout);
    expect(del.rule).toBe("any delete");
    expect((await cli("reject", del.approvalId, "--as", "cli:bob")).status).toBe(2); // no reason
    const rejected = await cli("reject", del.approvalId, "--as", "cli:bob", "--reason", "wrong file");
    expect(rejected.status).toBe(0);
    expect(rejected.stdout).toContain("wrong file");
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(1);
    expect(await statuses(ctx.handle)).toEqual({ disabled: 30 });
    const steps = await auditSteps(ctx.handle);
    expect(steps.filter((s) => s.action.startsWith("approval."))).toEqual([
      { actor: "cli:alice", source: "cli", action: "approval.requested" },
      { actor: "cli:alice", source: "cli", action: "approval.refused" },
      { actor: "cli:bob", source: "cli", action: "approval.approved" },
      { actor: "cli:alice", source: "cli", action: "approval.requested" },
      { actor: "cli:bob", source: "cli", action: "approval.rejected" },
    ]);
  });

  it("HTTP API: 202 awaiting_approval; the same token may not approve; another token approves once or rejects", async () => {
    const engine = testEngine(ctx.handle);
    await seedUsers(ctx.handle, emails(30));
    const approver = {
      name: "second",
      token: "second-token-0123456789abcdef",
      rights: ["approve", "read"] as const,
    };
    api = await startApi(ctx.handle, engine, {
      tokens: [
        { ...TOKENS.admin!, rights: [...TOKENS.admin!.rights, "approve"] },
        { ...approver, rights: [...approver.rights] },
      ],
    });
    const post = await api.call("/api/automation/bulk-users/disable", {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: disableFile(emails(30)),
    });
    expect(post.status).toBe(202);
    const body = await post.json();
    expect(body).toMatchObject({
      status: "awaiting_approval",
      operation: "disable",
      requestedBy: "api:admin",
      summary: { change: 30, skip: 0, error: 0 },
    });
    expect(post.headers.get("location")).toBe(`/api/automation/bulk-users/approvals/${body.approvalId}`);
    expect(api.wakes).toBe(0);

    const own = await api.call(`/api/automation/bulk-users/approvals/${body.approvalId}/approve`, {
      method: "POST",
    });
    expect(own.status).toBe(403);
    expect((await own.json()).error.code).toBe("approval.own_request");

    const second = async (path: string, init: RequestInit = {}) =>
      fetch(`${api!.base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${approver.token}`, "content-type": "application/json" },
      });
    const ok = await second(`/api/automation/bulk-users/approvals/${body.approvalId}/approve`, {
      method: "POST",
    });
    expect(ok.status).toBe(200);
    const decided = (await ok.json()) as Record<string, unknown>;
    expect(decided).toMatchObject({ status: "approved", decidedBy: "api:second", decidedSource: "api" });
    expect(api.wakes).toBe(1);
    await second(`/api/automation/bulk-users/approvals/${body.approvalId}/approve`, { method: "POST" });
    expect(api.wakes).toBe(1);
    await runUntilFinished(engine, String(decided.jobId), { owner: "test" });
    expect(await statuses(ctx.handle)).toEqual({ disabled: 30 });

    const del = await api.call("/api/automation/bulk-users/disable", {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "UserPrincipalName\nnobody@example.com\n",
    });
    expect(del.status).toBe(202); // 1 row: no rule, queued
    expect((await del.json()).status).toBe("queued");

    const others = emails(30).map((e) => e.replace("leaver", "other"));
    await seedUsers(ctx.handle, others);
    const pending = await api.call("/api/automation/bulk-users/disable", {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: disableFile(others),
    });
    const held = await pending.json();
    const noReason = await second(`/api/automation/bulk-users/approvals/${held.approvalId}/reject`, {
      method: "POST",
      body: "{}",
    });
    expect(noReason.status).toBe(400);
    const rejected = await second(`/api/automation/bulk-users/approvals/${held.approvalId}/reject`, {
      method: "POST",
      body: JSON.stringify({ reason: "not our users" }),
    });
    expect(rejected.status).toBe(200);
    expect(await rejected.json()).toMatchObject({ status: "rejected", reason: "not our users" });
    const list = await api.call("/api/automation/bulk-users/approvals?status=rejected");
    expect((await list.json()).approvals.map((a: { approvalId: string }) => a.approvalId)).toEqual([
      held.approvalId,
    ]);
    expect(await ctx.handle.db.select().from(jobs)).toHaveLength(2);
    expect(await statuses(ctx.handle)).toEqual({ disabled: 30, active: 30 });
  });
});
