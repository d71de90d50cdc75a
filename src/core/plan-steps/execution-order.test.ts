import { describe, expect, it } from "vitest";
import { directoryOf } from "../operations/test-helpers.ts";
import { orderAndTakeSeats } from "./execution-order.ts";
import { linkInFileManagers } from "./in-file-managers.ts";
import { change, draftsOf, reasons } from "./test-helpers.ts";

describe("orderAndTakeSeats", () => {
  it("runs change rows in file order, a manager's create before its reports", () => {
    const rows = draftsOf([
      ["b@x.com", change("b@x.com", { dependsOn: "a@x.com" })],
      ["s@x.com", { outcome: "skip", reason: "same" }],
      ["a@x.com", change("a@x.com")],
      ["c@x.com", change("c@x.com")],
    ]);
    expect(orderAndTakeSeats(rows, linkInFileManagers(rows), directoryOf())).toEqual([3, 1, 4]);
  });

  it("fails the reports of a manager row that failed, naming that row", () => {
    const rows = draftsOf([
      ["a@x.com", { outcome: "error", reason: "bad" }],
      ["b@x.com", change("b@x.com", { dependsOn: "a@x.com" })],
    ]);
    expect(orderAndTakeSeats(rows, Int32Array.from([-1, 0]), directoryOf())).toEqual([]);
    expect(reasons(rows)[1]).toBe("error: Manager a@x.com is not created: row 1 failed");
  });

  it("takes seats in execution order; rows beyond capacity fail, freed seats serve later rows", () => {
    const directory = directoryOf({
      licenses: [
        { sku: "E5", totalSeats: 1, assignedSeats: 0 },
        { sku: "E3", totalSeats: 1, assignedSeats: 1 },
      ],
    });
    const rows = draftsOf([
      ["a@x.com", change("a@x.com", { licenses: { assign: ["E5"] } })],
      ["b@x.com", change("b@x.com", { licenses: { assign: ["E5"] } })],
      ["c@x.com", change("c@x.com", { licenses: { assign: [], remove: ["E3"] } })],
      ["d@x.com", change("d@x.com", { licenses: { assign: ["E3"] } })],
    ]);
    expect(orderAndTakeSeats(rows, new Int32Array(4).fill(-1), directory)).toEqual([1, 3, 4]);
    expect(reasons(rows)[1]).toMatch(/^error: No free seats for E5 \(1 of 1 assigned\)/);
  });
});
