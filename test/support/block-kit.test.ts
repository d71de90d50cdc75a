import { describe, expect, it } from "vitest";
// The two validators together (Slack's public schema + our rules): every limit SLACK.md §1.1 lists is caught by
// one of them. src/slack/validate-blocks.test.ts covers our rules alone.
import { BlockKitLimitError, type BlockKitProblem, LIMITS } from "../../src/slack/validate-blocks.ts";
import { assertValidMessage, assertValidView, validateMessage, validateView } from "./block-kit.ts";

type Obj = Record<string, unknown>;

const plain = (text: string): Obj => ({ type: "plain_text", text });
const md = (text: string): Obj => ({ type: "mrkdwn", text });
const x = (n: number) => "x".repeat(n);
const opt = (text: string, value = "v"): Obj => ({ text: plain(text), value });
const section = (text: string): Obj => ({ type: "section", text: md(text) });
const button = (extra: Obj = {}): Obj => ({ type: "button", text: plain("Go"), action_id: "go", ...extra });
const actions = (...elements: Obj[]): Obj => ({ type: "actions", elements });
const input = (element: Obj, extra: Obj = {}): Obj => ({
  type: "input",
  block_id: "in",
  label: plain("Label"),
  element,
  ...extra,
});
const message = (...blocks: Obj[]): Obj => ({ text: "fallback", blocks });
const modal = (blocks: Obj[], extra: Obj = {}): Obj => ({
  type: "modal",
  callback_id: "cb",
  title: plain("Title"),
  submit: plain("Submit"),
  close: plain("Cancel"),
  blocks,
  ...extra,
});

function paths(problems: BlockKitProblem[]): string[] {
  return problems.map((p) => p.path);
}

describe("validateMessage", () => {
  it("accepts a well-formed message", () => {
    const ok = message(
      { type: "header", text: plain("Hello") },
      section("hi"),
      { type: "section", fields: [md("a"), md("b")], accessory: button() },
      {
        type: "context",
        elements: [md("ctx"), { type: "image", image_url: "https://x/y.png", alt_text: "y" }],
      },
      actions(button({ value: "1" }), {
        type: "static_select",
        action_id: "sel",
        placeholder: plain("Pick"),
        options: [opt("A", "a")],
        initial_option: opt("A", "a"),
      }),
      { type: "divider" },
    );
    expect(validateMessage(ok)).toEqual([]);
    expect(() => assertValidMessage(ok)).not.toThrow();
  });

  const cases: Array<[string, Obj, string]> = [
    ["more than 50 blocks", message(...Array.from({ length: 51 }, () => ({ type: "divider" }))), "/blocks"],
    ["missing fallback text with blocks", { blocks: [section("a")] }, "/text"],
    ["blank fallback text", { text: "  ", blocks: [section("a")] }, "/text"],
    ["no text and no blocks", {}, "/text"],
    ["text over 40,000", { text: x(40_001) }, "/text"],
    [
      "cumulative block text over 11,000",
      message(...Array.from({ length: 4 }, () => section(x(2800)))),
      "/blocks",
    ],
    ["section text over 3000", message(section(x(3001))), "/blocks/0/text/text"],
    ["empty section text", message(section("")), "/blocks/0/text/text"],
    ["section without text or fields", message({ type: "section" }), "/blocks/0"],
    [
      "more than 10 fields",
      message({ type: "section", fields: Array.from({ length: 11 }, () => md("f")) }),
      "/blocks/0/fields",
    ],
    ["field over 2000", message({ type: "section", fields: [md(x(2001))] }), "/blocks/0/fields/0/text"],
    ["header over 150", message({ type: "header", text: plain(x(151)) }), "/blocks/0/text/text"],
    ["mrkdwn header", message({ type: "header", text: md("a") }), "/blocks/0/text/type"],
    [
      "bad text object type",
      message({ type: "section", text: { type: "html", text: "a" } }),
      "/blocks/0/text/type",
    ],
    [
      "more than 10 context elements",
      message({ type: "context", elements: Array.from({ length: 11 }, () => md("c")) }),
      "/blocks/0/elements",
    ],
    [
      "context text over 3000",
      message({ type: "context", elements: [md(x(3001))] }),
      "/blocks/0/elements/0/text",
    ],
    [
      "more than 25 actions",
      message(actions(...Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })))),
      "/blocks/0/elements",
    ],
    ["empty actions", message(actions()), "/blocks/0/elements"],
    [
      "duplicate action_id in actions",
      message(actions(button(), button())),
      "/blocks/0/elements/1/action_id",
    ],
    ["block_id over 255", message({ type: "divider", block_id: x(256) }), "/blocks/0/block_id"],
    [
      "duplicate block_id",
      message({ type: "divider", block_id: "d" }, { type: "divider", block_id: "d" }),
      "/blocks/1/block_id",
    ],
    ["action_id over 255", message(actions(button({ action_id: x(256) }))), "/blocks/0/elements/0/action_id"],
    [
      "button text over 75",
      message(actions(button({ text: plain(x(76)) }))),
      "/blocks/0/elements/0/text/text",
    ],
    ["button value over 2000", message(actions(button({ value: x(2001) }))), "/blocks/0/elements/0/value"],
    ["button url over 3000", message(actions(button({ url: x(3001) }))), "/blocks/0/elements/0/url"],
    [
      "confirm title over 100",
      message(actions(button({ confirm: { title: plain(x(101)), text: plain("t") } }))),
      "/blocks/0/elements/0/confirm/title/text",
    ],
    [
      "confirm text over 300",
      message(actions(button({ confirm: { text: plain(x(301)) } }))),
      "/blocks/0/elements/0/confirm/text/text",
    ],
    [
      "confirm button over 30",
      message(actions(button({ confirm: { text: plain("t"), confirm: plain(x(31)) } }))),
      "/blocks/0/elements/0/confirm/confirm/text",
    ],
    [
      "deny button over 30",
      message(actions(button({ confirm: { text: plain("t"), deny: plain(x(31)) } }))),
      "/blocks/0/elements/0/confirm/deny/text",
    ],
    [
      "select with 0 options",
      message(actions({ type: "static_select", action_id: "s", options: [] })),
      "/blocks/0/elements/0/options",
    ],
    [
      "select with 101 options",
      message(
        actions({
          type: "static_select",
          action_id: "s",
          options: Array.from({ length: 101 }, (_, i) => opt(`o${i}`, `v${i}`)),
        }),
      ),
      "/blocks/0/elements/0/options",
    ],
    [
      "option text over 75",
      message(actions({ type: "static_select", action_id: "s", options: [opt(x(76))] })),
      "/blocks/0/elements/0/options/0/text/text",
    ],
    [
      "option value over 150",
      message(actions({ type: "static_select", action_id: "s", options: [opt("a", x(151))] })),
      "/blocks/0/elements/0/options/0/value",
    ],
    [
      "select placeholder over 150",
      message(
        actions({ type: "static_select", action_id: "s", placeholder: plain(x(151)), options: [opt("a")] }),
      ),
      "/blocks/0/elements/0/placeholder/text",
    ],
    [
      "more than 10 checkboxes",
      message(
        actions({
          type: "checkboxes",
          action_id: "c",
          options: Array.from({ length: 11 }, (_, i) => opt(`o${i}`, `v${i}`)),
        }),
      ),
      "/blocks/0/elements/0/options",
    ],
    [
      "more than 10 radio buttons",
      message(
        actions({
          type: "radio_buttons",
          action_id: "r",
          options: Array.from({ length: 11 }, (_, i) => opt(`o${i}`, `v${i}`)),
        }),
      ),
      "/blocks/0/elements/0/options",
    ],
    [
      "initial option not among options",
      message(
        actions({ type: "checkboxes", action_id: "c", options: [opt("a")], initial_options: [opt("b")] }),
      ),
      "/blocks/0/elements/0/initial_options/0",
    ],
    [
      "option description over 75",
      message(
        actions({
          type: "static_select",
          action_id: "s",
          options: [{ text: plain("a"), value: "a", description: plain(x(76)) }],
        }),
      ),
      "/blocks/0/elements/0/options/0/description/text",
    ],
    [
      "more than 5 overflow options",
      message(
        actions({
          type: "overflow",
          action_id: "o",
          options: Array.from({ length: 6 }, (_, i) => opt(`o${i}`, `v${i}`)),
        }),
      ),
      "/blocks/0/elements/0/options",
    ],
    [
      "select with both options and option_groups",
      message(
        actions({
          type: "static_select",
          action_id: "s",
          options: [opt("a")],
          option_groups: [{ label: plain("g"), options: [opt("b")] }],
        }),
      ),
      "/blocks/0/elements/0",
    ],
    ["markdown block over 12,000", message({ type: "markdown", text: x(12_001) }), "/blocks/0/text"],
    [
      "file_input outside an input block",
      message(actions({ type: "file_input", action_id: "f" })),
      "/blocks/0/elements/0",
    ],
    ["unknown block type", message({ type: "sectoin", text: md("a") }), "/blocks/0/type"],
    [
      "unknown element type",
      message(actions({ type: "buton", action_id: "b" })),
      "/blocks/0/elements/0/type",
    ],
    ["blocks not an array", { text: "t", blocks: "nope" }, "/blocks"],
  ];

  for (const [name, payload, path] of cases) {
    it(`reports ${name}`, () => {
      const problems = validateMessage(payload);
      expect(paths(problems)).toContain(path);
    });
  }

  it("counts text in buttons and fields towards the cumulative limit", () => {
    const justUnder = message(
      ...Array.from({ length: 5 }, () => ({ type: "section", fields: [md(x(1000)), md(x(1000))] })),
    );
    expect(validateMessage(justUnder)).toEqual([]);
    const over = message(
      ...Array.from({ length: 5 }, () => ({ type: "section", fields: [md(x(1000)), md(x(1000))] })),
      actions(button({ text: plain(x(70)) }), button({ action_id: "b", text: plain(x(70)) }), ...[]),
      section(x(900)),
    );
    expect(paths(validateMessage(over))).toContain("/blocks");
  });

  it("never throws on garbage and lists every problem in the assertion", () => {
    expect(() => validateMessage({ text: 5, blocks: [null, 1, "a", [], { type: 3 }] })).not.toThrow();
    const bad = message(section(""), { type: "header", text: plain(x(151)) });
    try {
      assertValidMessage(bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BlockKitLimitError);
      const e = error as BlockKitLimitError;
      expect(e.problems).toHaveLength(2);
      expect(e.message).toContain("/blocks/0/text/text");
      expect(e.message).toContain("/blocks/1/text/text");
    }
  });
});

describe("validateView", () => {
  const fileInput: Obj = { type: "file_input", action_id: "f", max_files: 1, filetypes: ["csv"] };

  it("accepts a well-formed modal", () => {
    const view = modal(
      [
        section("a"),
        input(fileInput),
        input({ type: "plain_text_input", action_id: "t" }, { block_id: "t" }),
      ],
      {
        private_metadata: "{}",
      },
    );
    expect(validateView(view)).toEqual([]);
    expect(() => assertValidView(view)).not.toThrow();
  });

  it("accepts a modal without inputs and without submit", () => {
    expect(validateView(modal([section("a")], { submit: undefined }))).toEqual([]);
  });

  const cases: Array<[string, Obj, string]> = [
    ["more than 100 blocks", modal(Array.from({ length: 101 }, () => ({ type: "divider" }))), "/blocks"],
    [
      "view JSON over 250 kB",
      modal(Array.from({ length: 90 }, () => ({ type: "section", text: md(x(2900)) }))),
      "",
    ],
    ["title over 24", modal([], { title: plain(x(25)) }), "/title/text"],
    ["missing title", modal([], { title: undefined }), "/title"],
    ["mrkdwn title", modal([], { title: md("T") }), "/title/type"],
    ["submit over 24", modal([], { submit: plain(x(25)) }), "/submit/text"],
    ["close over 24", modal([], { close: plain(x(25)) }), "/close/text"],
    ["input without submit", modal([input(fileInput)], { submit: undefined }), "/submit"],
    ["private_metadata over 3000", modal([], { private_metadata: x(3001) }), "/private_metadata"],
    ["callback_id over 255", modal([], { callback_id: x(256) }), "/callback_id"],
    ["external_id over 255", modal([], { external_id: x(256) }), "/external_id"],
    ["input label over 2000", modal([input(fileInput, { label: plain(x(2001)) })]), "/blocks/0/label/text"],
    ["input hint over 2000", modal([input(fileInput, { hint: plain(x(2001)) })]), "/blocks/0/hint/text"],
    ["missing input label", modal([input(fileInput, { label: undefined })]), "/blocks/0/label"],
    ["file_input max_files 0", modal([input({ ...fileInput, max_files: 0 })]), "/blocks/0/element/max_files"],
    [
      "file_input max_files 11",
      modal([input({ ...fileInput, max_files: 11 })]),
      "/blocks/0/element/max_files",
    ],
    [
      "plain_text_input max_length over 3000",
      modal([input({ type: "plain_text_input", action_id: "t", max_length: 3001 })]),
      "/blocks/0/element/max_length",
    ],
    [
      "duplicate block_id",
      modal([input(fileInput), input({ type: "plain_text_input", action_id: "t" })]),
      "/blocks/1/block_id",
    ],
    ["not a modal", { type: "dialog", blocks: [] }, "/type"],
    ["missing blocks", { type: "modal", title: plain("T") }, "/blocks"],
  ];

  for (const [name, payload, path] of cases) {
    it(`reports ${name}`, () => {
      expect(paths(validateView(payload))).toContain(path);
    });
  }

  it("allows 100 blocks and a home view without title", () => {
    expect(
      validateView(modal(Array.from({ length: LIMITS.viewBlocks }, () => ({ type: "divider" })))),
    ).toEqual([]);
    expect(validateView({ type: "home", blocks: [section("a")] })).toEqual([]);
  });

  it("does not apply the message cumulative text cap to views", () => {
    const view = modal(Array.from({ length: 10 }, () => section(x(2000))));
    expect(validateView(view)).toEqual([]);
  });

  it("throws listing every problem", () => {
    expect(() => assertValidView(modal([], { title: plain(x(25)), private_metadata: x(3001) }))).toThrow(
      /\/title\/text[\s\S]*\/private_metadata/,
    );
  });
});
