// Our own Block Kit rules: what Slack's public JSON schema (vendored for the tests in test/support/blockkit and
// checked there with Ajv) cannot say. Per-field lengths, element and block shapes, enums and modal titles are
// the schema's job; this checks the surface and payload rules (SLACK.md §1.1): the fallback text of a message,
// 50 blocks per message, the cumulative text cap, block types a surface refuses, duplicate block_ids and
// action_ids, initial options that match none, the 250 kB view size. Input is `unknown` on purpose: the fake
// Slack server feeds it whatever a client sent, so nothing here may throw on a malformed payload.

/** One broken rule. `path` is JSON-pointer-like, relative to the message or view (`/blocks/3/text/text`). */
export interface BlockKitProblem {
  path: string;
  message: string;
}

/** The limits we enforce here (SLACK.md §1.1). Lengths are UTF-16 code units (never fewer than Slack's count). */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** views.open/update answer `view_too_large` above ~250 kB of JSON. */
  viewJsonBytes: 250_000,
  /** Slack's undocumented cumulative cap is ~12k (`msg_blocks_too_long`); we keep a margin. */
  messageBlockTextChars: 11_000,
  messageText: 40_000,
} as const;

/** Block types a surface does not accept although the schema knows them (test/support/blockkit/README.md). */
const REFUSED_BLOCKS: Record<"message" | "modal" | "home", ReadonlySet<string>> = {
  message: new Set(["alert", "file"]),
  modal: new Set([
    "card",
    "carousel",
    "container",
    "context_actions",
    "data_table",
    "data_visualization",
    "file",
    "markdown",
    "plan",
    "table",
    "task_card",
  ]),
  home: new Set([
    "alert",
    "container",
    "context_actions",
    "data_table",
    "data_visualization",
    "file",
    "markdown",
    "plan",
    "table",
    "task_card",
  ]),
};

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Where elements sit inside a block. */
function elementsOf(block: Obj): Array<[unknown, string]> {
  const out: Array<[unknown, string]> = [];
  if (Array.isArray(block.elements)) {
    for (const [i, el] of block.elements.entries()) out.push([el, `/elements/${i}`]);
  }
  if (block.element !== undefined) out.push([block.element, "/element"]);
  if (block.accessory !== undefined) out.push([block.accessory, "/accessory"]);
  return out;
}

/** Characters of text a message's blocks carry (text objects, markdown and rich text), for the cumulative cap. */
function textChars(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + textChars(v), 0);
  if (!isObj(value)) return 0;
  let n = 0;
  const t = value.type;
  if (
    typeof value.text === "string" &&
    (t === "plain_text" || t === "mrkdwn" || t === "markdown" || t === "text")
  )
    n += value.text.length;
  for (const [key, v] of Object.entries(value))
    if (key !== "text" || typeof v !== "string") n += textChars(v);
  return n;
}

function optionKey(option: unknown): string {
  if (!isObj(option)) return "";
  const text = isObj(option.text) ? option.text.text : undefined;
  return JSON.stringify([option.value, text]);
}

class Checker {
  readonly problems: BlockKitProblem[] = [];
  private readonly blockIds = new Map<string, string>();

  constructor(private readonly surface: "message" | "modal" | "home") {}

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  blocks(blocks: unknown, path: string, maxBlocks: number): void {
    if (blocks === undefined) return;
    if (!Array.isArray(blocks)) {
      this.add(path, "must be an array of blocks");
      return;
    }
    if (blocks.length > maxBlocks) {
      this.add(path, `no more than ${maxBlocks} blocks allowed (got ${blocks.length})`);
    }
    blocks.forEach((block, i) => {
      this.block(block, `${path}/${i}`);
    });
  }

  private block(block: unknown, path: string): void {
    if (!isObj(block)) {
      this.add(path, "must be a block object");
      return;
    }
    if (typeof block.type === "string" && REFUSED_BLOCKS[this.surface].has(block.type)) {
      this.add(`${path}/type`, `a ${this.surface} cannot carry a ${block.type} block`);
    }
    const id = block.block_id;
    // Slack drops a markdown block's block_id, so it cannot clash.
    if (typeof id === "string" && block.type !== "markdown") {
      const previous = this.blockIds.get(id);
      if (previous !== undefined)
        this.add(`${path}/block_id`, `duplicate block_id '${id}' (also at ${previous})`);
      else this.blockIds.set(id, `${path}/block_id`);
    }
    const seen = new Set<string>();
    for (const [el, where] of elementsOf(block)) {
      if (!isObj(el)) continue;
      const p = `${path}${where}`;
      if (typeof el.action_id === "string") {
        if (seen.has(el.action_id)) this.add(`${p}/action_id`, `duplicate action_id '${el.action_id}'`);
        seen.add(el.action_id);
      }
      if (el.type === "file_input" && this.surface !== "modal") {
        this.add(p, "file_input is only allowed in modals");
      }
      this.initialOptions(el, p);
    }
  }

  /** initial_option(s) must equal one of the element's options (Slack refuses the payload otherwise). */
  private initialOptions(el: Obj, path: string): void {
    if (el.initial_option === undefined && el.initial_options === undefined) return;
    // External selects load their options from the app: their initial options stand alone.
    if (el.options === undefined && el.option_groups === undefined) return;
    const all: unknown[] = Array.isArray(el.options) ? [...el.options] : [];
    if (Array.isArray(el.option_groups)) {
      for (const g of el.option_groups) if (isObj(g) && Array.isArray(g.options)) all.push(...g.options);
    }
    const keys = new Set(all.map(optionKey));
    const check = (o: unknown, p: string) => {
      if (!keys.has(optionKey(o))) this.add(p, "must exactly match one of the options");
    };
    if (el.initial_option !== undefined) check(el.initial_option, `${path}/initial_option`);
    if (Array.isArray(el.initial_options)) {
      el.initial_options.forEach((o, i) => {
        check(o, `${path}/initial_options/${i}`);
      });
    }
  }
}

/** Problems with a message (chat.postMessage / chat.update / chat.postEphemeral / response_url). */
export function validateMessage(message: { text?: unknown; blocks?: unknown }): BlockKitProblem[] {
  const c = new Checker("message");
  const hasBlocks = Array.isArray(message.blocks) && message.blocks.length > 0;
  if (message.text === undefined || message.text === null || message.text === "") {
    c.add("/text", hasBlocks ? "a fallback text is required when blocks are sent" : "is required");
  } else if (typeof message.text !== "string") {
    c.add("/text", "must be a string");
  } else {
    if (message.text.trim() === "") c.add("/text", "must not be blank");
    if (message.text.length > LIMITS.messageText) {
      c.add("/text", `must be at most ${LIMITS.messageText} characters (got ${message.text.length})`);
    }
  }
  c.blocks(message.blocks, "/blocks", LIMITS.messageBlocks);
  const chars = textChars(message.blocks);
  if (chars > LIMITS.messageBlockTextChars) {
    c.add(
      "/blocks",
      `cumulative block text must be at most ${LIMITS.messageBlockTextChars} characters (got ${chars})`,
    );
  }
  return c.problems;
}

/** Problems with a view (views.open / update / push / publish). */
export function validateView(view: unknown): BlockKitProblem[] {
  if (!isObj(view)) return [{ path: "", message: "must be a view object" }];
  if (view.type !== "modal" && view.type !== "home")
    return [{ path: "/type", message: "must be modal or home" }];
  const c = new Checker(view.type);
  if (view.blocks === undefined) c.add("/blocks", "is required");
  c.blocks(view.blocks, "/blocks", LIMITS.viewBlocks);
  const bytes = Buffer.byteLength(JSON.stringify(view), "utf8");
  if (bytes > LIMITS.viewJsonBytes)
    c.add("", `view JSON must be at most ${LIMITS.viewJsonBytes} bytes (got ${bytes})`);
  return c.problems;
}

/** "path: message" lines, one per problem. */
export function formatProblems(problems: readonly BlockKitProblem[]): string {
  return problems.map((p) => `${p.path || "/"}: ${p.message}`).join("\n");
}

export class BlockKitLimitError extends Error {
  readonly code = "slack.block_kit_limits";
  constructor(
    readonly surface: "message" | "view",
    readonly problems: readonly BlockKitProblem[],
  ) {
    super(`Block Kit ${surface} breaks ${problems.length} limit(s):\n${formatProblems(problems)}`);
    this.name = "BlockKitLimitError";
  }
}
