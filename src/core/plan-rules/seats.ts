// Seat accounting across a plan: rows take seats in execution order; a row that cannot get every seat it
// needs fails as a whole and takes none.

import type { DirectoryLicense } from "../types.ts";

export class SeatLedger {
  private readonly licenses = new Map<string, { total: number; free: number }>();

  constructor(licenses: Iterable<DirectoryLicense>) {
    for (const l of licenses) {
      this.licenses.set(l.sku, { total: l.totalSeats, free: l.totalSeats - l.assignedSeats });
    }
  }

  /**
   * Apply one row: first free the seats of `remove` (a replace frees the old seat), then take one seat of
   * each `assign`. Returns an error message and changes nothing when a seat is missing.
   */
  apply(assign: readonly string[] = [], remove: readonly string[] = []): string | null {
    for (const sku of assign) {
      const entry = this.licenses.get(sku);
      if (entry === undefined) continue; // the row already failed on an unknown SKU
      const freed = remove.includes(sku) ? 1 : 0;
      if (entry.free + freed <= 0) {
        return `No free seats for ${sku} (${entry.total - entry.free} of ${entry.total} assigned)`;
      }
    }
    for (const sku of remove) {
      const entry = this.licenses.get(sku);
      if (entry !== undefined) entry.free += 1;
    }
    for (const sku of assign) {
      const entry = this.licenses.get(sku);
      if (entry !== undefined) entry.free -= 1;
    }
    return null;
  }
}
