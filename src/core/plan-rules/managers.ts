// Manager graphs: cycles among users created by the same file, and cycles that updates would create
// together with the directory's existing reporting lines. Everything is linear in the nodes visited.

/** A readable cycle, shortened when long: `a → b → c → a`. */
export function formatCycle(members: readonly string[], max = 6): string {
  if (members.length === 0) return "";
  const shown = members.length > max ? [...members.slice(0, max), "…"] : [...members];
  const tail = members.length > max ? ` (${members.length} users)` : "";
  return `${shown.join(" → ")} → ${members[0]}${tail}`;
}

/**
 * Rows of a file form a forest through `parent` (index of the in-file row that creates the manager, or -1).
 * Returns the cycles among the rows for which `active(i)` holds (each cycle as row indexes, in chain order).
 */
export function findRowCycles(parent: Int32Array, active: (i: number) => boolean): number[][] {
  const n = parent.length;
  const state = new Uint8Array(n); // 0 new, 1 on the current path, 2 done
  const pos = new Int32Array(n);
  const cycles: number[][] = [];
  const path: number[] = [];
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0 || !active(i)) continue;
    path.length = 0;
    let j = i;
    while (j >= 0 && state[j] === 0 && active(j)) {
      state[j] = 1;
      pos[j] = path.length;
      path.push(j);
      j = parent[j]!;
    }
    if (j >= 0 && state[j] === 1) cycles.push(path.slice(pos[j]));
    for (const p of path) state[p] = 2;
  }
  return cycles;
}

/**
 * Stable topological order: rows keep file order, except that a row whose manager is created by a later
 * row is preceded by that row (and its own chain). `include(i)` selects the rows to order; the graph must
 * be acyclic among them.
 */
export function dependencyOrder(parent: Int32Array, include: (i: number) => boolean): number[] {
  const n = parent.length;
  const emitted = new Uint8Array(n);
  const order: number[] = [];
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    if (emitted[i] !== 0 || !include(i)) continue;
    stack.length = 0;
    let j = i;
    while (j >= 0 && emitted[j] === 0 && include(j)) {
      emitted[j] = 1;
      stack.push(j);
      j = parent[j]!;
    }
    for (let k = stack.length - 1; k >= 0; k--) order.push(stack[k]!);
  }
  return order;
}

export interface UpdateCycle {
  /** The reporting cycle (e-mails in chain order). */
  cycle: string[];
  /** The user's own new reporting line is part of the cycle (else it only leads into it). */
  onCycle: boolean;
}

/**
 * Updates set new managers (`updates`: user → new manager, null = cleared). Returns the updates that must
 * fail so that the final reporting lines (the directory's, `currentManager`, with the surviving updates
 * applied) have no cycle.
 *
 * A round looks at the final lines with every pending update applied. Updates on a cycle fail. As a failed
 * update restores the directory's line, which may close another cycle with the remaining updates, rounds
 * repeat, up to `maxRounds`; in the last round every update whose chain merely leads into a cycle fails too,
 * which provably leaves no cycle (only a cycle made of the directory's own lines could remain, and that is
 * not ours to report). Each round is linear in the users visited, so the whole is O(maxRounds · n).
 */
export function findUpdateCycles(
  updates: ReadonlyMap<string, string | null>,
  currentManager: (email: string) => string | null,
  maxRounds = 4,
): Map<string, UpdateCycle> {
  const pending = new Map(updates);
  const failed = new Map<string, UpdateCycle>();
  for (let round = 1; pending.size > 0; round++) {
    const found = analyseRound(pending, currentManager);
    if (found.size === 0) break;
    const last = round >= maxRounds;
    for (const [key, verdict] of found) {
      if (verdict.onCycle || last) {
        failed.set(key, verdict);
        pending.delete(key);
      }
    }
    if (last) break;
  }
  return failed;
}

/** Pending updates whose chain reaches a cycle in the lines of this round: on it, or leading into it. */
function analyseRound(
  updates: ReadonlyMap<string, string | null>,
  currentManager: (email: string) => string | null,
): Map<string, UpdateCycle> {
  const manager = (email: string): string | null =>
    updates.has(email) ? updates.get(email)! : currentManager(email);
  const state = new Map<string, 1 | 2>(); // 1 on the current path, 2 done
  const reaches = new Map<string, string[]>(); // done users whose chain reaches a cycle → that cycle
  const onCycle = new Set<string>();
  const path: string[] = [];
  const pos = new Map<string, number>();
  for (const start of updates.keys()) {
    if (state.has(start)) continue;
    path.length = 0;
    pos.clear();
    let x: string | null = start;
    while (x !== null && !state.has(x)) {
      state.set(x, 1);
      pos.set(x, path.length);
      path.push(x);
      x = manager(x);
    }
    let cycle: string[] | undefined;
    if (x !== null) {
      if (state.get(x) === 1) {
        cycle = path.slice(pos.get(x));
        for (const member of cycle) onCycle.add(member);
      } else {
        cycle = reaches.get(x);
      }
    }
    for (const p of path) {
      state.set(p, 2);
      if (cycle !== undefined) reaches.set(p, cycle);
    }
  }
  const result = new Map<string, UpdateCycle>();
  for (const key of updates.keys()) {
    const cycle = reaches.get(key);
    if (cycle !== undefined) result.set(key, { cycle, onCycle: onCycle.has(key) });
  }
  return result;
}
