import { describe, expect, it } from "vitest";
import { readCsv } from "./csv/index.ts";
import {
  checkCap,
  DAY_MS,
  describeAction,
  evaluateInactivity,
  exclusionCounts,
  type InactivityPolicy,
  type InactivityUser,
  lastActivityOf,
  parseInactivityAction,
} from "./inactivity.ts";
import { buildReportRows, reportCsv } from "./inactivity-report.ts";

const NOW = "2026-11-02T09:00:00.000Z";
const daysAgo = (n: number, from = NOW) => new Date(Date.parse(from) - n * DAY_MS).toISOString();

let nextId = 0;
function user(email: string, overrides: Partial<InactivityUser> = {}): InactivityUser {
  nextId += 1;
  return {
    id: `u${nextId}`,
    email,
    displayName: email.split("@")[0] ?? email,
    status: "active",
    groups: [],
    lastLoginAt: daysAgo(1),
    createdAt: daysAgo(400),
    accountType: "user",
    ...overrides,
  };
}

const policy = (overrides: Partial<InactivityPolicy> = {}): InactivityPolicy => ({
  inactiveDays: 90,
  excludeGroups: [],
  mode: "report",
  warnDays: 7,
  capCount: null,
  capPercent: null,
  ...overrides,
});

describe("inactivity policy: candidates", () => {
  it("finds users idle for more than N days, counting never-signed-in users from creation", () => {
    const users = [
      user("recent@x.com", { lastLoginAt: daysAgo(10) }),
      user("stale@x.com", { lastLoginAt: daysAgo(120) }),
      user("exactly90@x.com", { lastLoginAt: daysAgo(90) }),
      user("never-old@x.com", { lastLoginAt: null, createdAt: daysAgo(200) }),
      user("never-new@x.com", { lastLoginAt: null, createdAt: daysAgo(5) }),
    ];
    const result = evaluateInactivity({ users, policy: policy(), now: NOW });
    expect(result.candidates.map((c) => c.user.email)).toEqual(["never-old@x.com", "stale@x.com"]);
    const [never, stale] = result.candidates;
    expect(never).toMatchObject({
      lastActivity: daysAgo(200),
      lastActivitySource: "created",
      daysInactive: 200,
    });
    expect(never?.reason).toBe("Never signed in; created 200 days ago (2026-04-16)");
    expect(stale?.reason).toBe("No sign-in for 120 days (last 2026-07-05)");
    // Exactly N days is not "more than N" (same rule as the filter inactive:>90d).
    expect(result.cutoff).toBe(daysAgo(90));
    expect(result.decision).toBe("report");
    expect(result.toDeactivate).toHaveLength(2);
  });

  it("counts an admin's re-enable as activity, so a reactivated user is not deactivated again", () => {
    const back = user("back@x.com", { lastLoginAt: daysAgo(200), reactivatedAt: daysAgo(3) });
    expect(lastActivityOf(back)).toEqual({ at: daysAgo(3), source: "reactivated" });
    const result = evaluateInactivity({ users: [back], policy: policy(), now: NOW });
    expect(result.candidates).toEqual([]);
    const later = evaluateInactivity({ users: [back], policy: policy(), now: daysAgo(-100) });
    expect(later.candidates[0]?.reason).toMatch(/since re-enabled on/);
  });

  it("excludes admins, service accounts, excluded groups (any case) and users already disabled or deleted", () => {
    const old = { lastLoginAt: daysAgo(300) };
    const users = [
      user("admin@x.com", { ...old, accountType: "admin" }),
      user("svc@x.com", { ...old, accountType: "service", lastLoginAt: null, createdAt: daysAgo(900) }),
      user("exec@x.com", { ...old, groups: ["Staff", "Executives"] }),
      user("off@x.com", { ...old, status: "disabled" }),
      user("gone@x.com", { ...old, status: "deleted" }),
      user("plain@x.com", old),
    ];
    const result = evaluateInactivity({ users, policy: policy({ excludeGroups: ["executives"] }), now: NOW });
    expect(result.candidates.map((c) => c.user.email)).toEqual(["plain@x.com"]);
    const reasons = Object.fromEntries(result.excluded.map((e) => [e.user.email, [e.reason, e.detail]]));
    expect(reasons).toEqual({
      "admin@x.com": ["admin", "Admin account"],
      "svc@x.com": ["service-account", "Service account"],
      "exec@x.com": ["excluded-group", "Member of excluded group Executives"],
      "off@x.com": ["disabled", "Already disabled"],
      "gone@x.com": ["deleted", "Deleted"],
    });
    expect(exclusionCounts(result.excluded)).toEqual({
      admin: 1,
      "service-account": 1,
      "excluded-group": 1,
      disabled: 1,
      deleted: 1,
    });
  });

  it("a second evaluation after the deactivation finds nothing to do", () => {
    const users = [
      user("a@x.com", { lastLoginAt: daysAgo(100) }),
      user("b@x.com", { lastLoginAt: null, createdAt: daysAgo(100) }),
    ];
    const first = evaluateInactivity({ users, policy: policy({ mode: "deactivate" }), now: NOW });
    expect(first.decision).toBe("deactivate");
    const after = users.map((u) => ({ ...u, status: "disabled" as const }));
    const second = evaluateInactivity({ users: after, policy: policy({ mode: "deactivate" }), now: NOW });
    expect(second.decision).toBe("nothing");
    expect(second.toDeactivate).toEqual([]);
    expect(second.excluded.map((e) => e.reason)).toEqual(["disabled", "disabled"]);
  });
});

describe("inactivity policy: the cap", () => {
  it("takes the smaller of the count and the share of active users (rounded down)", () => {
    expect(checkCap(policy(), 1000, 10)).toEqual({ limit: null, exceeded: false });
    expect(checkCap(policy({ capCount: 5 }), 5, 100)).toEqual({ limit: 5, exceeded: false });
    expect(checkCap(policy({ capCount: 5 }), 6, 100)).toEqual({ limit: 5, exceeded: true });
    expect(checkCap(policy({ capPercent: 10 }), 10, 105)).toEqual({ limit: 10, exceeded: false });
    expect(checkCap(policy({ capPercent: 10 }), 11, 105)).toEqual({ limit: 10, exceeded: true });
    expect(checkCap(policy({ capCount: 50, capPercent: 10 }), 11, 100)).toEqual({
      limit: 10,
      exceeded: true,
    });
  });

  it("turns a deactivate run over the cap into an approval request", () => {
    const users = [
      ...Array.from({ length: 3 }, (_, i) => user(`old${i}@x.com`, { lastLoginAt: daysAgo(200) })),
      ...Array.from({ length: 7 }, (_, i) => user(`new${i}@x.com`)),
    ];
    const within = evaluateInactivity({
      users,
      policy: policy({ mode: "deactivate", capCount: 3 }),
      now: NOW,
    });
    expect(within.decision).toBe("deactivate");
    const over = evaluateInactivity({
      users,
      policy: policy({ mode: "deactivate", capPercent: 20 }),
      now: NOW,
    });
    expect(over.activeUserCount).toBe(10);
    expect(over.cap).toEqual({ limit: 2, exceeded: true });
    expect(over.decision).toBe("approval");
    expect(over.toDeactivate).toHaveLength(3);
    // A directory-wide count given by the adapter wins over the users passed in.
    const big = evaluateInactivity({
      users,
      policy: policy({ mode: "deactivate", capPercent: 20 }),
      now: NOW,
      activeUserCount: 1000,
    });
    expect(big.decision).toBe("deactivate");
    // Report mode never deactivates by itself, cap or not.
    expect(evaluateInactivity({ users, policy: policy({ capCount: 0 }), now: NOW }).decision).toBe("report");
  });
});

describe("inactivity policy: warn, then deactivate", () => {
  const warnPolicy = policy({ mode: "warn-then-deactivate", warnDays: 7 });

  it("warns first, waits the lead time, then deactivates; signing in meanwhile clears the warning", () => {
    const idle = user("idle@x.com", { lastLoginAt: daysAgo(100) });
    const returns = user("returns@x.com", { lastLoginAt: daysAgo(100) });
    const day0 = evaluateInactivity({ users: [idle, returns], policy: warnPolicy, now: NOW });
    expect(day0.toWarn.map((c) => [c.user.email, c.warnedAt, c.deactivateAfter])).toEqual([
      ["idle@x.com", NOW, daysAgo(-7)],
      ["returns@x.com", NOW, daysAgo(-7)],
    ]);
    expect(day0.toDeactivate).toEqual([]);
    expect(day0.decision).toBe("nothing");
    const warnings = day0.toWarn.map((c) => ({
      userId: c.user.id,
      warnedAt: c.warnedAt,
      deactivateAfter: c.deactivateAfter,
    }));

    const day3 = daysAgo(-3);
    const waiting = evaluateInactivity({ users: [idle, returns], policy: warnPolicy, warnings, now: day3 });
    expect(waiting.toWarn).toEqual([]);
    expect(waiting.waiting.map((c) => c.user.email)).toEqual(["idle@x.com", "returns@x.com"]);
    expect(waiting.decision).toBe("nothing");

    const day7 = daysAgo(-7);
    const signedIn = { ...returns, lastLoginAt: daysAgo(-5) };
    const due = evaluateInactivity({ users: [idle, signedIn], policy: warnPolicy, warnings, now: day7 });
    expect(due.due.map((c) => c.user.email)).toEqual(["idle@x.com"]);
    expect(due.toDeactivate.map((c) => c.user.email)).toEqual(["idle@x.com"]);
    expect(due.decision).toBe("deactivate");
    expect(due.clearWarnings).toEqual([returns.id]);
  });

  it("clears the warnings of users who left the candidates, and all warnings in the other modes", () => {
    const a = user("a@x.com", { lastLoginAt: daysAgo(100) });
    const warnings = [
      { userId: a.id, warnedAt: daysAgo(1), deactivateAfter: daysAgo(-6) },
      { userId: "gone", warnedAt: daysAgo(1), deactivateAfter: daysAgo(-6) },
    ];
    const warn = evaluateInactivity({ users: [a], policy: warnPolicy, warnings, now: NOW });
    expect(warn.clearWarnings).toEqual(["gone"]);
    const report = evaluateInactivity({ users: [a], policy: policy(), warnings, now: NOW });
    expect(report.clearWarnings.sort()).toEqual([a.id, "gone"].sort());
    // Excluded after the warning (e.g. made an admin): the warning is void.
    const promoted = evaluateInactivity({
      users: [{ ...a, accountType: "admin" }],
      policy: warnPolicy,
      warnings,
      now: NOW,
    });
    expect(promoted.clearWarnings.sort()).toEqual([a.id, "gone"].sort());
  });

  it("asks for approval when the due users exceed the cap (warnings are not capped)", () => {
    const users = Array.from({ length: 4 }, (_, i) => user(`u${i}@x.com`, { lastLoginAt: daysAgo(100) }));
    const capped = policy({ mode: "warn-then-deactivate", capCount: 2 });
    const day0 = evaluateInactivity({ users, policy: capped, now: NOW });
    expect(day0.toWarn).toHaveLength(4);
    const warnings = day0.toWarn.map((c) => ({
      userId: c.user.id,
      warnedAt: c.warnedAt,
      deactivateAfter: c.deactivateAfter,
    }));
    const later = evaluateInactivity({ users, policy: capped, warnings, now: daysAgo(-8) });
    expect(later.due).toHaveLength(4);
    expect(later.decision).toBe("approval");
  });
});

describe("inactivity report rows and CSV", () => {
  it("lists every inactive user once with what happened, and writes a formula-safe CSV that reads back", () => {
    const users = [
      user("done@x.com", { lastLoginAt: daysAgo(150), displayName: "=cmd|' /C calc'!A0" }),
      user("failed@x.com", { lastLoginAt: null, createdAt: daysAgo(120) }),
      user("admin@x.com", { lastLoginAt: daysAgo(300), accountType: "admin" }),
    ];
    const evaluation = evaluateInactivity({ users, policy: policy({ mode: "deactivate" }), now: NOW });
    const rows = buildReportRows({
      evaluation,
      deactivation: {
        kind: "done",
        outcomes: new Map([
          ["done@x.com", { status: "succeeded" as const, reason: "" }],
          ["failed@x.com", { status: "failed" as const, reason: "User is deleted; restore it first" }],
        ]),
      },
      warningsSent: true,
    });
    expect(rows.map((r) => [r.email, r.action, r.lastSignIn])).toEqual([
      ["done@x.com", "deactivated", daysAgo(150)],
      ["failed@x.com", "failed", null],
      ["admin@x.com", "excluded", daysAgo(300)],
    ]);
    const bytes = reportCsv(rows);
    expect(Array.from(bytes.slice(0, 3))).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes); // drops the BOM
    expect(text.split("\r\n")[0]).toBe(
      "Email,Display Name,Last Sign-In,Last Activity,Days Inactive,Action,Reason,Deactivate After",
    );
    expect(text).toContain("'=cmd|");
    const read = readCsv(bytes, { maxRows: 100 });
    expect(read.ok).toBe(true);
    if (read.ok) expect(read.table.records).toHaveLength(3);
  });

  it("marks proposed deactivations and warnings in a dry run", () => {
    const users = [user("a@x.com", { lastLoginAt: daysAgo(100) })];
    const evaluation = evaluateInactivity({
      users,
      policy: policy({ mode: "warn-then-deactivate" }),
      now: NOW,
    });
    const rows = buildReportRows({ evaluation, deactivation: { kind: "none" }, warningsSent: false });
    expect(rows).toEqual([
      expect.objectContaining({ email: "a@x.com", action: "would-warn", deactivateAfter: daysAgo(-7) }),
    ]);
  });
});

describe("inactivity action", () => {
  it("deactivate by default; remove-access takes all licenses unless SKUs or groups are named", () => {
    expect(parseInactivityAction({})).toEqual({ ok: true, action: { kind: "deactivate" } });
    expect(parseInactivityAction({ action: "remove-access" })).toEqual({
      ok: true,
      action: { kind: "remove-access", skus: null, groups: [] },
    });
    expect(
      parseInactivityAction({ action: "remove-access", groups: ["Figma Users; Sales", "figma users"] }),
    ).toEqual({
      ok: true,
      action: { kind: "remove-access", skus: [], groups: ["Figma Users", "Sales"] },
    });
    expect(
      parseInactivityAction({ action: "remove-access", skus: ["m365_e3", "Visio"], groups: ["A"] }),
    ).toEqual({
      ok: true,
      action: { kind: "remove-access", skus: ["M365_E3", "VISIO"], groups: ["A"] },
    });
    const all = parseInactivityAction({ action: "remove-access", skus: ["all"], groups: ["A"] });
    expect(all).toEqual({ ok: true, action: { kind: "remove-access", skus: null, groups: ["A"] } });
    if (all.ok) expect(describeAction(all.action)).toBe("remove access (all licenses; groups A)");
  });

  it("refuses SKUs without remove-access, all mixed with SKUs, and unknown actions", () => {
    expect(parseInactivityAction({ skus: ["VISIO"] })).toMatchObject({ ok: false });
    expect(parseInactivityAction({ action: "remove-access", skus: ["all", "VISIO"] })).toMatchObject({
      ok: false,
    });
    expect(parseInactivityAction({ action: "delete" })).toEqual({
      ok: false,
      error: "The action must be one of deactivate, remove-access.",
    });
  });
});
