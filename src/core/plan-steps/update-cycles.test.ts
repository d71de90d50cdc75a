import { describe, expect, it } from "vitest";
import { directoryOf, userOf } from "../operations/test-helpers.ts";
import { change, draftsOf, reasons } from "./test-helpers.ts";
import { failUpdateCycles } from "./update-cycles.ts";

describe("failUpdateCycles", () => {
  const directory = directoryOf({
    users: [
      userOf("a@x.com"),
      userOf("b@x.com", { manager: "a@x.com" }),
      userOf("c@x.com", { manager: "b@x.com" }),
      userOf("d@x.com"),
    ],
  });

  it("fails a manager change that closes a cycle with the directory's reporting lines", () => {
    const rows = draftsOf([["a@x.com", change("a@x.com", { newManager: "c@x.com" })]]);
    failUpdateCycles(rows, directory);
    expect(reasons(rows)).toEqual([
      "error: Manager change would create a reporting cycle: a@x.com → c@x.com → b@x.com → a@x.com",
    ]);
  });

  it("keeps changes that end the cycle or only point at a failed change", () => {
    const cleared = draftsOf([
      ["a@x.com", change("a@x.com", { newManager: "c@x.com" })],
      ["c@x.com", change("c@x.com", { newManager: null })],
    ]);
    failUpdateCycles(cleared, directory);
    // With c's manager cleared, a → c ends at c: no cycle at all.
    expect(cleared.drafts.map((d) => d.outcome)).toEqual(["change", "change"]);

    const pointing = draftsOf([
      ["a@x.com", change("a@x.com", { newManager: "c@x.com" })],
      ["d@x.com", change("d@x.com", { newManager: "a@x.com" })],
    ]);
    failUpdateCycles(pointing, directory);
    // a's change fails, so a keeps the directory's line (no manager): d → a is fine.
    expect(pointing.drafts.map((d) => d.outcome)).toEqual(["error", "change"]);
  });

  it("leaves a file without manager changes as it is", () => {
    const rows = draftsOf([["a@x.com", change("a@x.com")]]);
    failUpdateCycles(rows, directory);
    expect(reasons(rows)).toEqual(["change: change a@x.com"]);
  });
});
