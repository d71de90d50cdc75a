// Property: whatever the file, no user is ever planned with a dangling or cyclic manager.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { directoryOf, planOf, tableOf, userOf } from "./operations/test-helpers.ts";
import type { DirectoryUser } from "./types.ts";

const email = (i: number) => `u${i}@example.com`;

/** Follows reporting lines from every user; true when none loops. */
function acyclic(manager: Map<string, string | null>): boolean {
  for (const start of manager.keys()) {
    const seen = new Set<string>();
    let x: string | null | undefined = start;
    while (x) {
      if (seen.has(x)) return false;
      seen.add(x);
      x = manager.get(x) ?? null;
    }
  }
  return true;
}

describe("reporting lines stay acyclic", () => {
  it("updates: directory forest + any manager changes → the accepted changes leave no cycle", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }).chain((n) =>
          fc.tuple(
            // directory: user i reports to a user with a smaller index (a forest), or to nobody
            fc.array(fc.option(fc.nat(), { nil: null }), { minLength: n, maxLength: n }),
            fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.option(fc.nat({ max: n - 1 }), { nil: null })), {
              maxLength: 2 * n,
            }),
            fc.constant(n),
          ),
        ),
        ([dirManagers, updates, n]) => {
          const users: DirectoryUser[] = [];
          for (let i = 0; i < n; i++) {
            const m = dirManagers[i];
            users.push(
              userOf(email(i), { manager: i > 0 && m !== null && m !== undefined ? email(m % i) : null }),
            );
          }
          const dir = directoryOf({ users });
          const rows = updates.map(([who, m]) => [email(who), m === null ? "[clear]" : email(m)]);
          const { plan } = planOf("update", tableOf(["UserPrincipalName", "Manager"], rows), dir);
          const final = new Map(users.map((u) => [u.email, u.manager]));
          for (const r of plan.rows) {
            if (r.outcome === "change" && r.action?.set && "manager" in r.action.set) {
              final.set(r.key, r.action.set.manager ?? null);
            }
          }
          expect(acyclic(final)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("creates: every planned manager exists or is created earlier in execution order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 15 }), fc.option(fc.nat({ max: 19 }), { nil: null }), fc.boolean()), {
          maxLength: 16,
        }),
        (spec) => {
          // users 16..19 exist in the directory (19 is deleted); file rows create users 0..15
          const dir = directoryOf({
            users: [16, 17, 18].map((i) => userOf(email(i))).concat(userOf(email(19), { status: "deleted" })),
          });
          const rows = spec.map(([who, m, badPassword]) => [
            email(who),
            `User ${who}`,
            m === null ? "" : email(m),
            badPassword ? "short" : "",
          ]);
          const { plan } = planOf(
            "create",
            tableOf(["UserPrincipalName", "DisplayName", "Manager", "Password"], rows),
            dir,
          );
          const created = new Set<string>();
          const byRow = new Map(plan.rows.map((r) => [r.row, r]));
          for (const rowNumber of plan.executionOrder) {
            const r = byRow.get(rowNumber)!;
            const m = r.action?.set?.manager;
            if (m) {
              const existing = dir.users.get(m);
              expect(created.has(m) || (existing !== undefined && existing.status !== "deleted")).toBe(true);
            }
            created.add(r.key);
          }
          expect(plan.executionOrder.length).toBe(plan.summary.change);
        },
      ),
      { numRuns: 400 },
    );
  });
});
