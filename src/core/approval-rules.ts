// The two-person rule as data: which operations, from which size on, need a second person's approval before
// they run. Written as `BULKUSERS_APPROVAL_RULES`, e.g. "delete, disable>25, remove-license>25" (an operation
// alone means any size; `*>N` covers every operation; `off` turns the rule off). Pure: parsing and matching.
import { isOperation, OPERATIONS, type Operation } from "./types.ts";

export interface ApprovalRule {
  /** The operation, or `*` for every operation. */
  operation: Operation | "*";
  /** Approval is needed when more than this many rows would change (0: any change at all). */
  above: number;
}

export interface ApprovalPolicy {
  rules: ApprovalRule[];
}

/** Without configuration: any delete, and disable / remove-license / reset-password of more than 25 rows. */
export const DEFAULT_APPROVAL_RULES = "delete, disable>25, remove-license>25, reset-password>25";

const ENTRY = /^([a-z*-]+)\s*(?:>\s*(\d+))?$/;

export function parseApprovalRules(
  text: string,
): { ok: true; policy: ApprovalPolicy } | { ok: false; message: string } {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === "off" || trimmed === "none") return { ok: true, policy: { rules: [] } };
  const rules: ApprovalRule[] = [];
  for (const entry of trimmed.split(/[,;]/).map((e) => e.trim())) {
    if (entry === "") continue;
    const match = ENTRY.exec(entry);
    const name = match?.[1] ?? "";
    if (!match || (name !== "*" && !isOperation(name))) {
      return {
        ok: false,
        message: `'${entry}' is not a rule: write <operation>[>rows] (operations: ${OPERATIONS.join(", ")}, or *), or off`,
      };
    }
    rules.push({ operation: name as Operation | "*", above: match[2] ? Number(match[2]) : 0 });
  }
  if (rules.length === 0) return { ok: false, message: "no rules: give at least one, or write off" };
  return { ok: true, policy: { rules } };
}

export function defaultApprovalPolicy(): ApprovalPolicy {
  const parsed = parseApprovalRules(DEFAULT_APPROVAL_RULES);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.policy;
}

/** The rule that makes a plan of `changes` changed rows need a second approver, or null. */
export function approvalRuleFor(
  policy: ApprovalPolicy,
  operation: Operation,
  changes: number,
): ApprovalRule | null {
  if (changes <= 0) return null;
  const matching = policy.rules.filter(
    (r) => (r.operation === operation || r.operation === "*") && changes > r.above,
  );
  // The strictest rule is the one to name (the smallest threshold).
  return matching.sort((a, b) => a.above - b.above)[0] ?? null;
}

/** A rule in words, for messages: "any delete", "disable of more than 25 rows". */
export function describeRule(rule: ApprovalRule): string {
  const what = rule.operation === "*" ? "any operation" : rule.operation;
  if (rule.above === 0) return rule.operation === "*" ? "any change" : `any ${what}`;
  return `${what} of more than ${rule.above} rows`;
}

export function describePolicy(policy: ApprovalPolicy): string {
  if (policy.rules.length === 0) return "off: no operation needs a second approver";
  return policy.rules.map(describeRule).join("; ");
}
