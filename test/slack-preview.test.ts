// A 5,000-row file's preview stays within every Slack limit (the fake validates every view), pages forward
// and back with views.update + hash, and the full preview arrives as CSV by DM.
import { parse } from "csv-parse/sync";
import { afterEach, expect, it } from "vitest";
import { users } from "../src/directory/schema.ts";
import {
  CONFIRM_PARTIAL_ACTION_ID,
  CONFIRM_PARTIAL_BLOCK_ID,
  CONFIRM_PARTIAL_VALUE,
  LOADING_VIEW_CALLBACK_ID,
  OPERATION_VIEW_CALLBACK_ID,
  PREVIEW_CSV_ACTION_ID,
  PREVIEW_NEXT_ACTION_ID,
  PREVIEW_PREV_ACTION_ID,
  PREVIEW_VIEW_CALLBACK_ID,
} from "../src/slack/blocks/ids.ts";
import { LIMITS } from "../src/slack/validate-blocks.ts";
import { describeEachDatabase } from "./support/db.ts";
import {
  ADMIN,
  fileInputValues,
  type SlackHarness,
  startSlackHarness,
  textOf,
  until,
  viewWith,
} from "./support/slack-app.ts";

const HOSTILE = "<!channel> @here *bold* `code` <https://evil.example|click> & ".repeat(6);

/** 5,000 rows: every 7th has a bad e-mail (error), every 11th exists already identically (skip). */
function bigFile(): { csv: string; errors: number; skips: number } {
  const lines = ["UserPrincipalName,DisplayName,Department,JobTitle,Nickname"];
  let errors = 0;
  let skips = 0;
  for (let i = 1; i <= 5000; i++) {
    if (i % 7 === 0) {
      errors++;
      lines.push(`not-an-email-${i},Broken ${i},Sales,Rep,x`);
    } else if (i % 11 === 0) {
      skips++;
      lines.push(`existing${i}@example.com,Existing ${i},Ops,Clerk,x`);
    } else {
      lines.push(`hire${i}@example.com,"Hire ${i} ${HOSTILE}","${HOSTILE}",Engineer,x`);
    }
  }
  return { csv: `${lines.join("\n")}\n`, errors, skips };
}

describeEachDatabase("slack preview of a big file", (ctx) => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("5,000 rows: counts, first changes and errors, within every limit; next/prev paging; full CSV by DM; tick required", async () => {
    h = await startSlackHarness({ handle: ctx.handle, noWorker: true });
    const { fake } = h;
    const { csv, errors, skips } = bigFile();
    const existing = [];
    for (let i = 11; i <= 5000; i += 11) {
      if (i % 7 !== 0) {
        existing.push({
          email: `existing${i}@example.com`,
          displayName: `Existing ${i}`,
          department: "Ops",
          jobTitle: "Clerk",
        });
      }
    }
    await ctx.handle.db.insert(users).values(existing);
    const changes = 5000 - errors - skips;

    await h.command("create");
    const modal = await until(() => viewWith(fake, OPERATION_VIEW_CALLBACK_ID));
    const file = fake.addFile({ name: "big.csv", content: csv, user: ADMIN });
    await h.submitView(modal, fileInputValues(file));
    // Generous: planning 5,000 rows on a busy machine can take a while (no timing is asserted). Whatever
    // replaces the loading view is checked, so a refusal or an error shows up as itself, not as a timeout.
    await until(
      () => modal.view.callback_id !== LOADING_VIEW_CALLBACK_ID,
      240_000,
      "the loading view to be replaced",
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}\ncalls: ${fake.calls.map((c) => `${c.method}:${c.ok}`).join(" ")}\nlogs: ${h?.logs.slice(-10).join("")}`,
      );
    });
    expect(modal.view.callback_id, textOf(modal.view)).toBe(PREVIEW_VIEW_CALLBACK_ID);

    const first = modal.view;
    const text = textOf(first);
    expect(text).toContain(`*Will change*\n${changes.toLocaleString("en-US")}`);
    expect(text).toContain(`*Errors*\n${errors.toLocaleString("en-US")}`);
    expect(text).toContain(`*Skipped*\n${skips.toLocaleString("en-US")}`);
    expect(text).toContain("*Rows in file*\n5,000");
    expect(text).toContain("hire1@example.com");
    expect(text).toContain("*Row 7*");
    expect(text).toContain("Nickname");
    expect(text).not.toContain("<!channel>");
    const blocks = first.blocks as unknown[];
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(Buffer.byteLength(JSON.stringify(first))).toBeLessThan(LIMITS.viewJsonBytes);
    const pages = Math.ceil(Math.max(changes, errors) / 20);
    expect(text).toContain(`Page 1 of ${pages}`);

    // Next, next, previous: each a views.update with the view's current hash.
    await h.clickInView(modal, PREVIEW_NEXT_ACTION_ID, "1");
    await until(() => textOf(modal.view).includes(`Page 2 of ${pages}`), 60_000, "page 2");
    const changeRows = Array.from({ length: 5000 }, (_, i) => i + 1).filter(
      (i) => i % 7 !== 0 && i % 11 !== 0,
    );
    expect(textOf(modal.view)).toContain(`hire${changeRows[20]}@example.com`);
    expect(textOf(modal.view)).not.toContain(`hire${changeRows[19]}@example.com`);
    await h.clickInView(modal, PREVIEW_NEXT_ACTION_ID, "2");
    await until(() => textOf(modal.view).includes(`Page 3 of ${pages}`), 60_000, "page 3");
    await h.clickInView(modal, PREVIEW_PREV_ACTION_ID, "1");
    await until(() => textOf(modal.view).includes(`Page 2 of ${pages}`), 60_000, "back to page 2");
    const updates = fake.callsTo("views.update");
    expect(updates.slice(-3).every((c) => typeof c.args.hash === "string" && c.ok)).toBe(true);
    // Past the end is clamped to the last page.
    await h.clickInView(modal, PREVIEW_NEXT_ACTION_ID, "99999");
    await until(() => textOf(modal.view).includes(`Page ${pages} of ${pages}`), 60_000, "the last page");

    // The full preview by DM: every row.
    await h.clickInView(modal, PREVIEW_CSV_ACTION_ID, JSON.parse(String(modal.view.private_metadata)).planId);
    const full = await until(
      () => fake.files.find((f) => f.name.startsWith("preview-")),
      60_000,
      "the preview CSV",
    );
    expect(full.channel).toBe(`D${ADMIN.slice(1)}`);
    const rows = parse(full.bytes.toString("utf8"), { bom: true }) as string[][];
    expect(rows).toHaveLength(5001);
    expect(rows[0]).toEqual(["Row", "Line", "UserPrincipalName", "Outcome", "Reason", "Changes"]);
    expect(rows.filter((r) => r[3] === "Error")).toHaveLength(errors);

    // With errors present, approving needs the tick; with it, the job is created.
    const refused = await h.submitView(modal, {});
    expect(refused.body?.response_action).toBe("errors");
    expect(Object.keys(refused.body?.errors as object)).toEqual([CONFIRM_PARTIAL_BLOCK_ID]);
    const ticked = await h.submitView(modal, {
      [CONFIRM_PARTIAL_BLOCK_ID]: {
        [CONFIRM_PARTIAL_ACTION_ID]: {
          type: "checkboxes",
          selected_options: [{ value: CONFIRM_PARTIAL_VALUE }],
        },
      },
    });
    expect(ticked.body?.response_action).toBe("clear");
    const { jobs } = await import("../src/directory/schema.ts");
    const [job] = await until(async () => {
      const rowsNow = await ctx.handle.db.select().from(jobs);
      return rowsNow.length > 0 ? rowsNow : null;
    });
    expect(job).toMatchObject({ total: 5000, failed: errors, skipped: skips, status: "queued" });

    expect(fake.violations).toEqual([]);
  }, 400_000);
});
