// Our own rules alone: what Slack's schema cannot say. (test/support/block-kit.test.ts checks both together.)
import { describe, expect, it } from "vitest";
import { LIMITS, validateMessage, validateView } from "./validate-blocks.ts";

type Obj = Record<string, unknown>;
const plain = (text: string): Obj => ({ type: "plain_text", text });
const md = (text: string): Obj => ({ type: "mrkdwn", text });
const section = (text: string, extra: Obj = {}): Obj => ({ type: "section", text: md(text), ...extra });
const button = (action_id: string, text = "Go"): Obj => ({ type: "button", text: plain(text), action_id });
const message = (...blocks: Obj[]): Obj => ({ text: "fallback", blocks });
const modal = (blocks: Obj[]): Obj => ({ type: "modal", title: plain("T"), submit: plain("OK"), blocks });
const paths = (problems: Array<{ path: string }>) => problems.map((p) => p.path);
const opt = (text: string, value: string): Obj => ({ text: plain(text), value });

describe("validateMessage (our rules)", () => {
  it("needs a non-blank fallback text of at most 40,000 characters", () => {
    expect(paths(validateMessage({ blocks: [section("a")] }))).toEqual(["/text"]);
    expect(paths(validateMessage({ text: "  ", blocks: [section("a")] }))).toEqual(["/text"]);
    expect(paths(validateMessage({ text: "x".repeat(LIMITS.messageText + 1) }))).toEqual(["/text"]);
    expect(validateMessage({ text: "ok" })).toEqual([]);
  });

  it("caps a message at 50 blocks and its cumulative text at 11,000 characters", () => {
    const dividers = Array.from({ length: 51 }, () => ({ type: "divider" }));
    expect(paths(validateMessage(message(...dividers)))).toEqual(["/blocks"]);
    expect(validateMessage(message(...dividers.slice(0, 50)))).toEqual([]);
    const fields = (n: number) => ({ type: "section", fields: [md("x".repeat(n)), md("x".repeat(n))] });
    expect(validateMessage(message(...Array.from({ length: 5 }, () => fields(1000))))).toEqual([]);
    const over = message(
      ...Array.from({ length: 5 }, () => fields(1000)),
      { type: "actions", elements: [button("a", "x".repeat(70)), button("b", "x".repeat(70))] },
      section("x".repeat(900)),
    );
    expect(paths(validateMessage(over))).toEqual(["/blocks"]);
  });

  it("refuses duplicate block_ids, duplicate action_ids in a block, and initial options that match none", () => {
    const problems = validateMessage(
      message(
        { type: "divider", block_id: "d" },
        { type: "divider", block_id: "d" },
        { type: "actions", elements: [button("go"), button("go")] },
        {
          type: "actions",
          elements: [
            {
              type: "static_select",
              action_id: "s",
              options: [opt("A", "a")],
              initial_option: opt("B", "b"),
            },
          ],
        },
      ),
    );
    expect(paths(problems)).toEqual([
      "/blocks/1/block_id",
      "/blocks/2/elements/1/action_id",
      "/blocks/3/elements/0/initial_option",
    ]);
  });

  it("refuses blocks a message cannot carry and file inputs outside modals", () => {
    const problems = validateMessage(
      message(
        { type: "file", external_id: "x", source: "remote" },
        { type: "alert", text: md("x") },
        {
          type: "input",
          label: plain("File"),
          element: { type: "file_input", action_id: "f" },
        },
      ),
    );
    expect(paths(problems)).toEqual(["/blocks/0/type", "/blocks/1/type", "/blocks/2/element"]);
  });

  it("leaves lengths and shapes to the schema (no duplicate rules)", () => {
    expect(
      validateMessage(
        message(section("x".repeat(3001)), { type: "actions", elements: [button("a", "x".repeat(76))] }),
      ),
    ).toEqual([]);
  });

  it("never throws on garbage", () => {
    expect(() => validateMessage({ text: 5, blocks: [null, 1, "a", [], { type: 3 }] })).not.toThrow();
  });
});

describe("validateView (our rules)", () => {
  it("caps a view at 100 blocks and 250 kB of JSON", () => {
    expect(validateView(modal(Array.from({ length: 100 }, () => ({ type: "divider" }))))).toEqual([]);
    expect(paths(validateView(modal(Array.from({ length: 101 }, () => ({ type: "divider" })))))).toEqual([
      "/blocks",
    ]);
    const big = modal(Array.from({ length: 90 }, () => section("x".repeat(2900))));
    expect(paths(validateView(big))).toEqual([""]);
  });

  it("refuses blocks a modal or the Home tab cannot carry, and duplicate block_ids", () => {
    expect(
      paths(
        validateView(
          modal([
            { type: "markdown", text: "x" },
            section("a", { block_id: "s" }),
            section("b", { block_id: "s" }),
          ]),
        ),
      ),
    ).toEqual(["/blocks/0/type", "/blocks/2/block_id"]);
    expect(paths(validateView({ type: "home", blocks: [{ type: "table", rows: [] }] }))).toEqual([
      "/blocks/0/type",
    ]);
    expect(
      validateView(
        modal([{ type: "input", label: plain("F"), element: { type: "file_input", action_id: "f" } }]),
      ),
    ).toEqual([]);
  });

  it("needs a modal or home view with blocks", () => {
    expect(paths(validateView({ type: "dialog" }))).toEqual(["/type"]);
    expect(paths(validateView({ type: "modal", title: plain("T") }))).toEqual(["/blocks"]);
    expect(paths(validateView(null))).toEqual([""]);
  });
});
