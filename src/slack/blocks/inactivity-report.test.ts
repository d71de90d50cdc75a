import { describe, expect, it } from "vitest";
import { validateMessage } from "../../../test/support/block-kit.ts";
import { hostile, unsafeMrkdwn, visibleText } from "./fixtures.ts";
import {
  buildInactivityReport,
  buildInactivityWarningDm,
  INACTIVITY_APPROVE_ACTION_ID,
  INACTIVITY_DEACTIVATE_ACTION_ID,
  INACTIVITY_REACTIVATE_ACTION_ID,
  type InactivityReportInput,
  type InactivityReportUser,
  REPORT_USERS_SHOWN,
  reactivateValue,
  readReactivateValue,
} from "./inactivity-report.ts";

const NOW = "2026-11-02T09:00:00.000Z";

function users(
  n: number,
  action: InactivityReportUser["action"],
  name = (i: number) => `User ${i}`,
): InactivityReportUser[] {
  return Array.from({ length: n }, (_, i) => ({
    email: `user${i}@example.com`,
    displayName: name(i),
    lastSignIn: i % 2 ? null : "2026-06-01T00:00:00.000Z",
    lastActivity: i % 2 ? "2026-05-01T00:00:00.000Z" : "2026-06-01T00:00:00.000Z",
    daysInactive: 150,
    action,
    reason: "No sign-in",
  }));
}

function input(overrides: Partial<InactivityReportInput> = {}): InactivityReportInput {
  return {
    scheduleId: "sch_1",
    scheduleName: "Weekly",
    mode: "report",
    inactiveDays: 90,
    excludeGroups: ["Executives"],
    cron: "0 9 * * 1",
    timezone: "UTC",
    dryRun: false,
    decision: "report",
    now: NOW,
    counts: { candidates: 3, toDeactivate: 3, deactivated: 0, failed: 0, excluded: 2, warned: 0, waiting: 0 },
    excludedBy: { admins: 1, serviceAccounts: 1, groups: 0, disabledOrDeleted: 0 },
    cap: { limit: null, capCount: null, capPercent: null, activeUsers: 100 },
    plan: { id: "plan_abc", expiresAt: "2026-11-03T09:00:00.000Z", change: 3 },
    job: null,
    dms: { sent: 0, failed: 0 },
    users: users(3, "would-deactivate"),
    ...overrides,
  };
}

function buttonsOf(message: { blocks: unknown[] }) {
  const out: Array<{ action_id: string; value: string; style?: string; text: { text: string } }> = [];
  for (const b of message.blocks as Array<{ elements?: unknown[]; accessory?: unknown }>) {
    for (const e of (b.elements ?? []) as Array<{ type: string }>)
      if (e.type === "button") out.push(e as never);
    if ((b.accessory as { type?: string } | undefined)?.type === "button") out.push(b.accessory as never);
  }
  return out;
}

describe("inactivity report message", () => {
  it("report mode: counts, the first users with their last sign-in, and Deactivate these N", () => {
    const message = buildInactivityReport(input());
    expect(validateMessage(message)).toEqual([]);
    expect(unsafeMrkdwn(message.blocks)).toEqual([]);
    const text = visibleText(message.blocks);
    expect(text).toContain("*3 users* have not signed in for more than 90 days");
    expect(text).toContain("last sign-in 2026-06-01 (150 days ago)");
    expect(text).toContain("never signed in (created 2026-05-01)");
    expect(text).toContain("1 admin, 1 service account");
    expect(buttonsOf(message)).toEqual([
      expect.objectContaining({
        action_id: INACTIVITY_DEACTIVATE_ACTION_ID,
        value: "plan_abc",
        style: "primary",
      }),
    ]);
    expect(buttonsOf(message)[0]?.text.text).toBe("Deactivate these 3");
    expect(message.text).toBe("Weekly: 3 inactive users to review.");
  });

  it("remove-access: says what it removes, that accounts stay active, and offers no disable button", () => {
    const done = buildInactivityReport(
      input({
        mode: "deactivate",
        decision: "deactivate",
        removeAccess: "all licenses; groups Figma Users",
        counts: {
          candidates: 3,
          toDeactivate: 3,
          deactivated: 3,
          failed: 0,
          excluded: 2,
          warned: 0,
          waiting: 0,
        },
        job: { id: "job_1", status: "succeeded" },
        users: users(3, "access-removed"),
      }),
    );
    expect(validateMessage(done)).toEqual([]);
    const text = visibleText(done.blocks);
    expect(text).toContain(
      "Removed the access of *3 users* inactive for more than 90 days (all licenses; groups Figma Users); their accounts stay active.",
    );
    expect(text).toContain("*Access removed*");
    expect(text).not.toContain("Deactivated");
    expect(buttonsOf(done)).toEqual([]);
    expect(done.text).toBe(
      "Weekly: removed the access of 3 inactive users (all licenses; groups Figma Users); accounts stay active.",
    );

    const review = buildInactivityReport(input({ removeAccess: "licenses VISIO" }));
    expect(visibleText(review.blocks)).toContain("This policy would remove their access (licenses VISIO)");
    expect(buttonsOf(review)).toEqual([]);
  });

  it("over the cap: Approve, nothing deactivated", () => {
    const message = buildInactivityReport(
      input({
        mode: "deactivate",
        decision: "approval",
        cap: { limit: 2, capCount: 2, capPercent: 5, activeUsers: 40 },
      }),
    );
    expect(validateMessage(message)).toEqual([]);
    expect(visibleText(message.blocks)).toContain(
      "more than this policy's cap (2 users or 5% of 40 active users)",
    );
    expect(buttonsOf(message)).toEqual([
      expect.objectContaining({ action_id: INACTIVITY_APPROVE_ACTION_ID, style: "danger" }),
    ]);
  });

  it("after a deactivation: Reactivate per user (first ten), the rest in the CSV, no Deactivate button", () => {
    const message = buildInactivityReport(
      input({
        mode: "deactivate",
        decision: "deactivate",
        counts: {
          candidates: 40,
          toDeactivate: 40,
          deactivated: 39,
          failed: 1,
          excluded: 0,
          warned: 0,
          waiting: 0,
        },
        job: { id: "job_1", status: "completed_with_errors" },
        users: users(39, "deactivated"),
      }),
    );
    expect(validateMessage(message)).toEqual([]);
    const buttons = buttonsOf(message);
    expect(buttons).toHaveLength(REPORT_USERS_SHOWN);
    expect(buttons.every((b) => b.action_id === INACTIVITY_REACTIVATE_ACTION_ID)).toBe(true);
    expect(readReactivateValue(buttons[0]?.value)).toEqual({ email: "user0@example.com", jobId: "job_1" });
    const text = visibleText(message.blocks);
    expect(text).toContain("Deactivated *39 users*");
    expect(text).toContain("1 could not be deactivated");
    expect(text).toContain("/bulkusers undo job_1");
  });

  it("a dry run says nothing changed and still offers the reviewed deactivation", () => {
    const message = buildInactivityReport(
      input({ dryRun: true, decision: "deactivate", mode: "deactivate", ranBy: "U0ADMIN" }),
    );
    expect(validateMessage(message)).toEqual([]);
    const text = visibleText(message.blocks);
    expect(text).toContain("*Dry run:* nothing was changed");
    expect(text).toContain("Run now by <@U0ADMIN>");
    expect(buttonsOf(message).map((b) => b.action_id)).toEqual([INACTIVITY_DEACTIVATE_ACTION_ID]);
  });

  it("nothing to do: no buttons; warn mode shows warned users", () => {
    const none = buildInactivityReport(
      input({
        decision: "nothing",
        plan: null,
        users: [],
        counts: {
          candidates: 0,
          toDeactivate: 0,
          deactivated: 0,
          failed: 0,
          excluded: 0,
          warned: 0,
          waiting: 0,
        },
      }),
    );
    expect(validateMessage(none)).toEqual([]);
    expect(buttonsOf(none)).toEqual([]);
    expect(visibleText(none.blocks)).toContain("Nothing to do");
    const warned = buildInactivityReport(
      input({
        mode: "warn-then-deactivate",
        decision: "nothing",
        plan: null,
        counts: {
          candidates: 2,
          toDeactivate: 0,
          deactivated: 0,
          failed: 0,
          excluded: 0,
          warned: 2,
          waiting: 0,
        },
        dms: { sent: 1, failed: 1 },
        users: users(2, "warned").map((u) => ({ ...u, deactivateAfter: "2026-11-09T09:00:00.000Z" })),
      }),
    );
    expect(validateMessage(warned)).toEqual([]);
    const text = visibleText(warned.blocks);
    expect(text).toContain("2 inactive users were warned by DM");
    expect(text).toContain("warned now, deactivation after 2026-11-09");
    expect(text).toContain("1 warning DM could not be delivered");
  });

  it("stays within Slack's limits and inert with hostile names, many users and many groups", () => {
    const message = buildInactivityReport(
      input({
        scheduleName: hostile(500),
        excludeGroups: Array.from({ length: 30 }, () => hostile(200)),
        users: users(5000, "would-deactivate", () => hostile(300)).map((u) => ({
          ...u,
          email: `${hostile(80)}@x.com`,
        })),
        counts: {
          candidates: 5000,
          toDeactivate: 5000,
          deactivated: 0,
          failed: 0,
          excluded: 0,
          warned: 0,
          waiting: 0,
        },
        plan: { id: "plan_x", expiresAt: NOW, change: 5000 },
      }),
    );
    expect(validateMessage(message)).toEqual([]);
    expect(unsafeMrkdwn(message.blocks)).toEqual([]);
    expect(visibleText(message.blocks)).toContain("…and 4,990 more users in the CSV below.");
    const deactivated = buildInactivityReport(
      input({
        decision: "deactivate",
        mode: "deactivate",
        job: { id: "job_x", status: "succeeded" },
        users: users(100, "deactivated", () => hostile(300)).map((u) => ({
          ...u,
          email: `${hostile(200)}@x.com`,
        })),
      }),
    );
    expect(validateMessage(deactivated)).toEqual([]);
    expect(unsafeMrkdwn(deactivated.blocks)).toEqual([]);
  });

  it("the warning DM is valid and names the date", () => {
    const dm = buildInactivityWarningDm({
      displayName: hostile(100),
      deactivateAfter: "2026-11-09T09:00:00.000Z",
      daysInactive: 95,
      neverSignedIn: false,
      policyName: "Weekly",
    });
    expect(validateMessage(dm)).toEqual([]);
    expect(unsafeMrkdwn(dm.blocks)).toEqual([]);
    expect(dm.text).toContain("2026-11-09");
    expect(visibleText(dm.blocks)).toContain("You have not signed in for 95 days");
    const removing = buildInactivityWarningDm({
      displayName: "Jane",
      deactivateAfter: "2026-11-09T09:00:00.000Z",
      daysInactive: 95,
      neverSignedIn: false,
      policyName: "Seats",
      removeAccess: "licenses VISIO",
    });
    expect(validateMessage(removing)).toEqual([]);
    expect(removing.text).toBe(
      "Your access (licenses VISIO) will be removed after 2026-11-09 unless you sign in.",
    );
    expect(visibleText(removing.blocks)).toContain("Your account stays active.");
    expect(visibleText(removing.blocks)).not.toContain("deactivated");
    expect(reactivateValue("a@x.com", null)).toBe('{"email":"a@x.com","jobId":null}');
    expect(readReactivateValue("nonsense")).toBeNull();
  });
});
