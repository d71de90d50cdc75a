import { describe, expect, it } from "vitest";
import { linkInFileManagers } from "./in-file-managers.ts";
import { change, draftsOf, reasons } from "./test-helpers.ts";

describe("linkInFileManagers", () => {
  it("links a create to the in-file create of its manager, wherever that row is", () => {
    const rows = draftsOf([
      ["b@x.com", change("b@x.com", { dependsOn: "a@x.com" })],
      ["a@x.com", change("a@x.com")],
    ]);
    expect([...linkInFileManagers(rows)]).toEqual([1, -1]);
    expect(rows.drafts.map((d) => d.outcome)).toEqual(["change", "change"]);
  });

  it("fails a row whose manager is neither in the directory nor created by the file", () => {
    const rows = draftsOf([["b@x.com", change("b@x.com", { dependsOn: "ghost@x.com" })]]);
    expect([...linkInFileManagers(rows)]).toEqual([-1]);
    expect(reasons(rows)).toEqual([
      "error: Manager ghost@x.com does not exist (not in the directory and not created by this file)",
    ]);
  });

  it("fails every row of a cycle with the cycle, and leaves the others alone", () => {
    const rows = draftsOf([
      ["a@x.com", change("a@x.com", { dependsOn: "b@x.com" })],
      ["b@x.com", change("b@x.com", { dependsOn: "a@x.com" })],
      ["c@x.com", change("c@x.com")],
    ]);
    linkInFileManagers(rows);
    expect(reasons(rows)).toEqual([
      "error: Reporting cycle in this file: a@x.com → b@x.com → a@x.com",
      "error: Reporting cycle in this file: a@x.com → b@x.com → a@x.com",
      "change: change c@x.com",
    ]);
  });

  it("ignores rows that already failed or skip", () => {
    const rows = draftsOf([
      ["a@x.com", { outcome: "error", reason: "bad" }],
      ["b@x.com", { outcome: "skip", reason: "same" }],
    ]);
    expect([...linkInFileManagers(rows)]).toEqual([-1, -1]);
    expect(reasons(rows)).toEqual(["error: bad", "skip: same"]);
  });
});
