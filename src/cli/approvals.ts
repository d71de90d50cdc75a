// The two-person rule on the command line. `run` of a plan that needs a second approver prints the request
// and exits with EXIT_AWAITING_APPROVAL (3), or with `--wait` waits for the decision (then runs the job, or
// exits EXIT_NOT_APPROVED (4) on a rejection). A second person decides with `approve <id>` / `reject <id>
// --reason …`; the one who asked cannot (there is no `--approved-by`: `run` refuses that flag).
import type { JobRecord } from "../directory/schema.ts";
import { type ApprovalRequest, approvalJson, getApproval, listApprovals } from "../jobs/approvals.ts";
import { getJob, JobError } from "../jobs/job-store.ts";
import { batchesOfPlan, type ScheduledBatch } from "../jobs/scheduled-rows.ts";
import { decideApproval, type Engine, runUntilFinished } from "../jobs/service.ts";
import {
  CLI,
  type CliCommand,
  type CommandContext,
  EXIT_OK,
  formatTable,
  printTable,
  stringOption,
} from "./context.ts";
import { cliEngine } from "./engine.ts";
import { finishScheduledRun } from "./scheduled.ts";

/** `run` filed an approval request: nothing ran; a second person must approve it. */
export const EXIT_AWAITING_APPROVAL = 3;
/** `run --wait`: the request was rejected (or expired, or superseded by a changed directory). */
export const EXIT_NOT_APPROVED = 4;

/** Poll interval of `run --wait` (a decision is a row in the shared database). */
const WAIT_POLL_MS = 1000;

function requestText(request: ApprovalRequest): string {
  const { change, skip, error } = request.summary;
  return [
    `Approval needed (${request.rule}): ${request.operation} of ${change} row(s) (${skip} to skip, ${error} with errors). Nothing has changed yet.`,
    `Request ${request.id}, plan ${request.planId}. Someone other than ${request.requestedBy} must run:`,
    `  ${CLI} approve ${request.id}`,
    `  ${CLI} reject ${request.id} --reason "…"`,
  ].join("\n");
}

/** `--approved-by` is not a way around the rule: refused before anything is read. */
export function refuseApprovedBy(ctx: CommandContext): void {
  if (ctx.options["approved-by"] !== undefined) {
    ctx.usageError(
      "approval.flag_refused",
      `--approved-by is refused: a second person approves with \`${CLI} approve <request id>\` under their own name.`,
    );
  }
}

/**
 * After `run` filed a request: print it and exit 3, or (`--wait`) wait for the decision. Returns the approved
 * job to run, or an exit status.
 */
export async function awaitApproval(
  ctx: CommandContext,
  engine: Engine,
  request: ApprovalRequest,
  wait: boolean,
): Promise<
  { job: JobRecord } | { scheduled: { batches: ScheduledBatch[]; jobs: JobRecord[] } } | { exit: number }
> {
  if (!wait) {
    ctx.print({ ...approvalJson(request), status: "awaiting_approval" }, () => requestText(request));
    return { exit: EXIT_AWAITING_APPROVAL };
  }
  ctx.io.stderr(`${requestText(request)}\nWaiting for the decision…\n`);
  let current = request;
  while (current.status === "pending") {
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    current = (await getApproval(engine.db, request.id)) ?? current;
  }
  if (current.status === "approved") {
    // A dated plan has batches, not one job.
    const batches = await batchesOfPlan(engine.db, current.planId);
    if (batches.length) return { scheduled: { batches, jobs: [] } };
    const job = await waitForJob(engine, current);
    if (job) return { job };
  }
  if (current.status === "superseded" && current.supersededBy) {
    const next = await getApproval(engine.db, current.supersededBy);
    if (next) {
      ctx.io.stderr(`The directory changed before approval; the new plan needs its own approval:\n`);
      return awaitApproval(ctx, engine, next, true);
    }
  }
  ctx.print(approvalJson(current), () => {
    const by = current.decidedBy ? ` by ${current.decidedBy}` : "";
    return `Not approved: ${current.status}${by}${current.reason ? ` — ${current.reason}` : ""}. Nothing was changed.`;
  });
  return { exit: EXIT_NOT_APPROVED };
}

/** The approver's side creates the job right after marking the request approved. */
async function waitForJob(engine: Engine, request: ApprovalRequest): Promise<JobRecord | null> {
  let current = request;
  for (let i = 0; i < 30 && !current.jobId; i++) {
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    current = (await getApproval(engine.db, request.id)) ?? current;
  }
  return current.jobId ? getJob(engine.db, current.jobId) : null;
}

function decisionCommand(decision: "approve" | "reject"): CliCommand {
  return {
    name: decision,
    usage:
      decision === "approve"
        ? "approve <request-id> [--queue]"
        : 'reject <request-id> --reason "why it is rejected"',
    summary:
      decision === "approve"
        ? "Approve someone else's change held by the two-person rule, and run it (--queue: only enqueue)"
        : "Reject someone else's change held by the two-person rule (nothing runs)",
    args: [{ name: "request-id", required: true }],
    options: decision === "approve" ? { queue: { type: "boolean" } } : { reason: { type: "string" } },
    async run(ctx) {
      const reason = stringOption(ctx, "reason");
      if (decision === "reject" && !reason?.trim()) {
        ctx.usageError("approval.reason_required", 'Say why: --reason "…".');
      }
      const engine = await cliEngine(ctx);
      let result: Awaited<ReturnType<typeof decideApproval>>;
      try {
        result = await decideApproval(engine, {
          approvalId: ctx.args[0] ?? "",
          decision,
          actor: ctx.actor,
          source: "cli",
          ...(reason ? { reason } : {}),
        });
      } catch (error) {
        if (error instanceof JobError) return ctx.refuse(error.code, error.message);
        throw error;
      }
      if (result.kind === "rejected") {
        ctx.print(approvalJson(result.request), `Rejected ${result.request.id}: ${result.request.reason}`);
        return EXIT_OK;
      }
      if (result.kind === "changed") {
        const lines = result.differences
          .slice(0, 50)
          .map((d) => ({ row: d.row, key: d.key, before: d.before, now: d.after }));
        ctx.print(
          {
            ...approvalJson(result.request),
            differences: result.differences,
            next: approvalJson(result.next),
          },
          () =>
            [
              `The directory changed under ${result.differences.length} row(s) since the request; nothing ran.`,
              formatTable(lines),
              `The plan was made again: approve the new request with \`${CLI} approve ${result.next.id}\`.`,
            ].join("\n"),
        );
        return EXIT_NOT_APPROVED;
      }
      if (result.kind === "scheduled") return finishScheduledRun(ctx, engine, result);
      let job = result.job;
      if (!ctx.options.queue) {
        await runUntilFinished(engine, job.id, { owner: `cli:${process.pid}` });
        job = (await getJob(engine.db, job.id)) ?? job;
      }
      ctx.print(
        { ...approvalJson(result.request), jobId: job.id, jobStatus: job.status },
        `Approved ${result.request.id}: job ${job.id} ${job.status} — ${job.succeeded} succeeded, ${job.failed} failed, ${job.skipped} skipped`,
      );
      return EXIT_OK;
    },
  };
}

export const approvalCommands: CliCommand[] = [
  {
    name: "approvals",
    usage: "approvals [--all]",
    summary: "List changes waiting for a second approver (--all: decided ones too)",
    options: { all: { type: "boolean" } },
    async run(ctx) {
      const engine = await cliEngine(ctx);
      const list = await listApprovals(engine.db, ctx.options.all ? {} : { status: "pending" });
      if (ctx.json) {
        ctx.printJson({ approvals: list.map(approvalJson) });
        return EXIT_OK;
      }
      printTable(
        ctx,
        "approvals",
        list.map((a) => ({
          id: a.id,
          operation: a.operation,
          rows: a.summary.change,
          status: a.status,
          requestedBy: a.requestedBy,
          requestedAt: new Date(a.requestedAt).toISOString(),
          decidedBy: a.decidedBy ?? "",
        })),
      );
      return EXIT_OK;
    },
  },
  decisionCommand("approve"),
  decisionCommand("reject"),
];
