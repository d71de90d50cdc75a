import { describe, expect, it } from "vitest";
import {
  approvalRuleFor,
  DEFAULT_APPROVAL_RULES,
  defaultApprovalPolicy,
  describePolicy,
  parseApprovalRules,
} from "./approval-rules.ts";

describe("approval rules", () => {
  it("by default: any delete, and disable / remove-license / reset-password above 25 rows", () => {
    const policy = defaultApprovalPolicy();
    expect(approvalRuleFor(policy, "delete", 1)).toEqual({ operation: "delete", above: 0 });
    expect(approvalRuleFor(policy, "disable", 25)).toBeNull();
    expect(approvalRuleFor(policy, "disable", 26)).toEqual({ operation: "disable", above: 25 });
    expect(approvalRuleFor(policy, "remove-license", 30)).not.toBeNull();
    expect(approvalRuleFor(policy, "reset-password", 30)).not.toBeNull();
    expect(approvalRuleFor(policy, "create", 5000)).toBeNull();
    // Nothing would change: nothing to approve.
    expect(approvalRuleFor(policy, "delete", 0)).toBeNull();
    expect(describePolicy(policy)).toBe(
      "any delete; disable of more than 25 rows; remove-license of more than 25 rows; reset-password of more than 25 rows",
    );
    expect(DEFAULT_APPROVAL_RULES).toContain("delete");
  });

  it("reads `*`, thresholds, separators and off; names the strictest matching rule", () => {
    const parsed = parseApprovalRules(" Disable > 10 ; *>100 ");
    expect(parsed).toEqual({
      ok: true,
      policy: {
        rules: [
          { operation: "disable", above: 10 },
          { operation: "*", above: 100 },
        ],
      },
    });
    if (!parsed.ok) return;
    expect(approvalRuleFor(parsed.policy, "disable", 200)).toEqual({ operation: "disable", above: 10 });
    expect(approvalRuleFor(parsed.policy, "create", 101)).toEqual({ operation: "*", above: 100 });
    expect(approvalRuleFor(parsed.policy, "create", 100)).toBeNull();
    expect(parseApprovalRules("off")).toEqual({ ok: true, policy: { rules: [] } });
  });

  it("refuses what it cannot read, naming the entry", () => {
    const bad = parseApprovalRules("delete, purge>3");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toContain("'purge>3'");
    expect(parseApprovalRules(" , ").ok).toBe(false);
    expect(parseApprovalRules("disable>x").ok).toBe(false);
  });
});
