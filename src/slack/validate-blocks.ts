// Our own Block Kit limits validator. Slack publishes no schema; these are the limits from SLACK.md §1.1
// for the blocks and elements this app uses. Input is `unknown` on purpose: the fake Slack server feeds it
// whatever a client sent, so nothing here may throw on a malformed payload: it reports a problem instead.

/** One broken limit. `path` is JSON-pointer-like, relative to the message or view (`/blocks/3/text/text`). */
export interface BlockKitProblem {
  path: string;
  message: string;
}

/** The limits we enforce (SLACK.md §1.1). Lengths are UTF-16 code units (never fewer than Slack's count). */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** views.open/update answer `view_too_large` above ~250 kB of JSON. */
  viewJsonBytes: 250_000,
  /** Slack's undocumented cumulative cap is ~12k (`msg_blocks_too_long`); we keep a margin. */
  messageBlockTextChars: 11_000,
  messageText: 40_000,
  textObject: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  id: 255,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  selectOptions: 100,
  optionText: 75,
  optionDescription: 75,
  optionValue: 150,
  placeholder: 150,
  checkboxOptions: 10,
  radioOptions: 10,
  overflowOptions: 5,
  inputLabel: 2000,
  inputHint: 2000,
  plainTextInputLength: 3000,
  fileInputMaxFiles: 10,
  markdownBlockText: 12_000,
  imageAltText: 2000,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
} as const;

const KNOWN_BLOCKS = new Set([
  "section",
  "header",
  "context",
  "actions",
  "divider",
  "input",
  "image",
  "markdown",
  "rich_text",
  "file",
]);

const SELECTS = new Set([
  "static_select",
  "multi_static_select",
  "external_select",
  "multi_external_select",
  "users_select",
  "multi_users_select",
  "conversations_select",
  "multi_conversations_select",
  "channels_select",
  "multi_channels_select",
]);

const KNOWN_ELEMENTS = new Set([
  ...SELECTS,
  "button",
  "overflow",
  "checkboxes",
  "radio_buttons",
  "datepicker",
  "timepicker",
  "datetimepicker",
  "plain_text_input",
  "email_text_input",
  "url_text_input",
  "number_input",
  "file_input",
  "rich_text_input",
  "image",
]);

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class Checker {
  readonly problems: BlockKitProblem[] = [];
  /** Characters of text inside blocks (for the per-message cumulative cap). */
  textChars = 0;
  private readonly blockIds = new Map<string, string>();

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /** A string field: optional unless `required`; length within [min, max]. Returns the string if valid-ish. */
  str(
    value: unknown,
    path: string,
    max: number,
    opts: { required?: boolean; min?: number } = {},
  ): string | undefined {
    if (value === undefined) {
      if (opts.required) this.add(path, "is required");
      return undefined;
    }
    if (typeof value !== "string") {
      this.add(path, "must be a string");
      return undefined;
    }
    const min = opts.min ?? 0;
    if (value.length < min) this.add(path, `must be at least ${min} character${min === 1 ? "" : "s"}`);
    if (value.length > max) this.add(path, `must be at most ${max} characters (got ${value.length})`);
    return value;
  }

  /** A plain_text or mrkdwn text object, 1..max characters. */
  text(
    value: unknown,
    path: string,
    max: number,
    opts: { required?: boolean; plainOnly?: boolean; countTowardsTotal?: boolean } = {},
  ): void {
    const required = opts.required ?? true;
    if (value === undefined) {
      if (required) this.add(path, "is required");
      return;
    }
    if (!isObj(value)) {
      this.add(path, "must be a text object");
      return;
    }
    if (value.type !== "plain_text" && value.type !== "mrkdwn") {
      this.add(`${path}/type`, "must be plain_text or mrkdwn");
    } else if (opts.plainOnly && value.type !== "plain_text") {
      this.add(`${path}/type`, "must be plain_text");
    }
    const text = this.str(value.text, `${path}/text`, Math.min(max, LIMITS.textObject), {
      required: true,
      min: 1,
    });
    if (text !== undefined && opts.countTowardsTotal !== false) this.textChars += text.length;
  }

  id(value: unknown, path: string, required = false): void {
    this.str(value, path, LIMITS.id, { required, min: 1 });
  }

  blockId(value: unknown, path: string): void {
    if (value === undefined) return;
    this.id(value, path);
    if (typeof value !== "string") return;
    const previous = this.blockIds.get(value);
    if (previous !== undefined) this.add(path, `duplicate block_id '${value}' (also at ${previous})`);
    else this.blockIds.set(value, path);
  }

  blocks(blocks: unknown, path: string, maxBlocks: number): boolean {
    if (blocks === undefined) return false;
    if (!Array.isArray(blocks)) {
      this.add(path, "must be an array of blocks");
      return false;
    }
    if (blocks.length > maxBlocks) {
      this.add(path, `no more than ${maxBlocks} blocks allowed (got ${blocks.length})`);
    }
    let hasInput = false;
    blocks.forEach((block, i) => {
      if (this.block(block, `${path}/${i}`)) hasInput = true;
    });
    return hasInput;
  }

  /** Returns true when the block is an input block. */
  private block(block: unknown, path: string): boolean {
    if (!isObj(block)) {
      this.add(path, "must be a block object");
      return false;
    }
    this.blockId(block.block_id, `${path}/block_id`);
    const type = block.type;
    if (typeof type !== "string" || !KNOWN_BLOCKS.has(type)) {
      this.add(`${path}/type`, `unsupported block type ${JSON.stringify(type)}`);
      return false;
    }
    switch (type) {
      case "section":
        this.section(block, path);
        break;
      case "header":
        this.text(block.text, `${path}/text`, LIMITS.headerText, { plainOnly: true });
        break;
      case "context":
        this.list(block.elements, `${path}/elements`, 1, LIMITS.contextElements, (el, p) => {
          if (isObj(el) && el.type === "image") this.image(el, p);
          else this.text(el, p, LIMITS.textObject);
        });
        break;
      case "actions":
        this.list(block.elements, `${path}/elements`, 1, LIMITS.actionsElements, (el, p) =>
          this.element(el, p),
        );
        this.uniqueActionIds(block.elements, `${path}/elements`);
        break;
      case "input":
        this.text(block.label, `${path}/label`, LIMITS.inputLabel, { plainOnly: true });
        this.text(block.hint, `${path}/hint`, LIMITS.inputHint, { plainOnly: true, required: false });
        this.element(block.element, `${path}/element`, true);
        return true;
      case "image":
        this.image(block, path);
        this.text(block.title, `${path}/title`, 2000, { plainOnly: true, required: false });
        break;
      case "markdown": {
        const text = this.str(block.text, `${path}/text`, LIMITS.markdownBlockText, {
          required: true,
          min: 1,
        });
        if (text !== undefined) this.textChars += text.length;
        break;
      }
      case "rich_text":
        this.textChars += countRichText(block.elements);
        break;
      default:
        break;
    }
    return false;
  }

  private section(block: Obj, path: string): void {
    if (block.text === undefined && block.fields === undefined) {
      this.add(path, "a section needs text or fields");
    }
    this.text(block.text, `${path}/text`, LIMITS.sectionText, { required: false });
    if (block.fields !== undefined) {
      this.list(block.fields, `${path}/fields`, 1, LIMITS.sectionFields, (f, p) =>
        this.text(f, p, LIMITS.sectionFieldText),
      );
    }
    if (block.accessory !== undefined) this.element(block.accessory, `${path}/accessory`);
  }

  private list(
    value: unknown,
    path: string,
    min: number,
    max: number,
    each: (item: unknown, path: string) => void,
  ): void {
    if (!Array.isArray(value)) {
      this.add(path, "must be an array");
      return;
    }
    if (value.length < min) this.add(path, `must have at least ${min} item${min === 1 ? "" : "s"}`);
    if (value.length > max) this.add(path, `no more than ${max} items allowed (got ${value.length})`);
    value.forEach((item, i) => {
      each(item, `${path}/${i}`);
    });
  }

  private uniqueActionIds(elements: unknown, path: string): void {
    if (!Array.isArray(elements)) return;
    const seen = new Set<string>();
    elements.forEach((el, i) => {
      if (isObj(el) && typeof el.action_id === "string") {
        if (seen.has(el.action_id))
          this.add(`${path}/${i}/action_id`, `duplicate action_id '${el.action_id}'`);
        seen.add(el.action_id);
      }
    });
  }

  private image(el: Obj, path: string): void {
    this.str(el.alt_text, `${path}/alt_text`, LIMITS.imageAltText, { required: true, min: 1 });
    if (el.image_url === undefined && el.slack_file === undefined)
      this.add(path, "needs image_url or slack_file");
    this.str(el.image_url, `${path}/image_url`, LIMITS.url, { min: 1 });
  }

  private element(el: unknown, path: string, inInput = false): void {
    if (!isObj(el)) {
      this.add(path, "must be an element object");
      return;
    }
    const type = el.type;
    if (typeof type !== "string" || !KNOWN_ELEMENTS.has(type)) {
      this.add(`${path}/type`, `unsupported element type ${JSON.stringify(type)}`);
      return;
    }
    if (type === "image") {
      this.image(el, path);
      return;
    }
    this.id(el.action_id, `${path}/action_id`);
    if (el.confirm !== undefined) this.confirm(el.confirm, `${path}/confirm`);
    if (el.placeholder !== undefined) {
      this.text(el.placeholder, `${path}/placeholder`, LIMITS.placeholder, { plainOnly: true });
    }
    switch (type) {
      case "button":
        this.text(el.text, `${path}/text`, LIMITS.buttonText, { plainOnly: true });
        this.str(el.value, `${path}/value`, LIMITS.buttonValue, { min: 1 });
        this.str(el.url, `${path}/url`, LIMITS.url, { min: 1 });
        break;
      case "checkboxes":
        this.options(el, path, LIMITS.checkboxOptions, false);
        break;
      case "radio_buttons":
        this.options(el, path, LIMITS.radioOptions, false);
        break;
      case "overflow":
        this.options(el, path, LIMITS.overflowOptions, true);
        break;
      case "static_select":
      case "multi_static_select":
        this.selectOptions(el, path);
        break;
      case "plain_text_input":
        this.lengthBound(el.min_length, `${path}/min_length`);
        this.lengthBound(el.max_length, `${path}/max_length`);
        this.str(el.initial_value, `${path}/initial_value`, LIMITS.plainTextInputLength);
        break;
      case "file_input": {
        const max = el.max_files;
        if (max !== undefined && (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > 10)) {
          this.add(`${path}/max_files`, `must be an integer from 1 to ${LIMITS.fileInputMaxFiles}`);
        }
        if (el.filetypes !== undefined && !(Array.isArray(el.filetypes) && el.filetypes.every(isString))) {
          this.add(`${path}/filetypes`, "must be an array of strings");
        }
        if (!inInput) this.add(path, "file_input is only allowed in an input block");
        break;
      }
      default:
        break;
    }
  }

  private lengthBound(value: unknown, path: string): void {
    if (value === undefined) return;
    if (
      typeof value !== "number" ||
      !Number.isInteger(value) ||
      value < 0 ||
      value > LIMITS.plainTextInputLength
    ) {
      this.add(path, `must be an integer from 0 to ${LIMITS.plainTextInputLength}`);
    }
  }

  private confirm(value: unknown, path: string): void {
    if (!isObj(value)) {
      this.add(path, "must be a confirmation dialog object");
      return;
    }
    this.text(value.title, `${path}/title`, LIMITS.confirmTitle, { plainOnly: true, required: false });
    this.text(value.text, `${path}/text`, LIMITS.confirmText);
    this.text(value.confirm, `${path}/confirm`, LIMITS.confirmButton, { plainOnly: true, required: false });
    this.text(value.deny, `${path}/deny`, LIMITS.confirmButton, { plainOnly: true, required: false });
  }

  private option(value: unknown, path: string, plainOnly: boolean): void {
    if (!isObj(value)) {
      this.add(path, "must be an option object");
      return;
    }
    this.text(value.text, `${path}/text`, LIMITS.optionText, { plainOnly });
    this.text(value.description, `${path}/description`, LIMITS.optionDescription, { required: false });
    this.str(value.value, `${path}/value`, LIMITS.optionValue, { min: 1 });
    this.str(value.url, `${path}/url`, LIMITS.url, { min: 1 });
  }

  /** checkboxes / radio_buttons / overflow: `options` 1..max, initial option(s) must be among them. */
  private options(el: Obj, path: string, max: number, plainOnly: boolean): void {
    this.list(el.options, `${path}/options`, 1, max, (o, p) => this.option(o, p, plainOnly));
    this.initialOptions(el, path, Array.isArray(el.options) ? el.options : []);
  }

  private selectOptions(el: Obj, path: string): void {
    const hasOptions = el.options !== undefined;
    const hasGroups = el.option_groups !== undefined;
    if (hasOptions === hasGroups) {
      this.add(path, "a static select needs exactly one of options or option_groups");
    }
    const all: unknown[] = [];
    if (hasOptions) {
      this.list(el.options, `${path}/options`, 1, LIMITS.selectOptions, (o, p) => {
        this.option(o, p, true);
        all.push(o);
      });
    }
    if (hasGroups) {
      this.list(el.option_groups, `${path}/option_groups`, 1, LIMITS.selectOptions, (g, p) => {
        if (!isObj(g)) {
          this.add(p, "must be an option group object");
          return;
        }
        this.text(g.label, `${p}/label`, LIMITS.optionText, { plainOnly: true });
        this.list(g.options, `${p}/options`, 1, LIMITS.selectOptions, (o, q) => {
          this.option(o, q, true);
          all.push(o);
        });
      });
    }
    this.initialOptions(el, path, all);
  }

  private initialOptions(el: Obj, path: string, options: unknown[]): void {
    const keys = new Set(options.map(optionKey));
    const check = (o: unknown, p: string) => {
      if (!keys.has(optionKey(o))) this.add(p, "must exactly match one of the options");
    };
    if (el.initial_option !== undefined) check(el.initial_option, `${path}/initial_option`);
    if (el.initial_options !== undefined) {
      if (!Array.isArray(el.initial_options)) this.add(`${path}/initial_options`, "must be an array");
      else
        el.initial_options.forEach((o, i) => {
          check(o, `${path}/initial_options/${i}`);
        });
    }
  }
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function optionKey(option: unknown): string {
  if (!isObj(option)) return "";
  const text = isObj(option.text) ? option.text.text : undefined;
  return JSON.stringify([option.value, text]);
}

function countRichText(value: unknown): number {
  if (typeof value === "string") return 0;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countRichText(v), 0);
  if (!isObj(value)) return 0;
  let n = typeof value.text === "string" ? value.text.length : 0;
  if (value.elements !== undefined) n += countRichText(value.elements);
  return n;
}

/** Problems with a message (chat.postMessage / chat.update / chat.postEphemeral / response_url). */
export function validateMessage(message: { text?: unknown; blocks?: unknown }): BlockKitProblem[] {
  const c = new Checker();
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
  if (c.textChars > LIMITS.messageBlockTextChars) {
    c.add(
      "/blocks",
      `cumulative block text must be at most ${LIMITS.messageBlockTextChars} characters (got ${c.textChars})`,
    );
  }
  return c.problems;
}

/** Problems with a view (views.open / update / push / publish). */
export function validateView(view: unknown): BlockKitProblem[] {
  const c = new Checker();
  if (!isObj(view)) {
    c.add("", "must be a view object");
    return c.problems;
  }
  if (view.type !== "modal" && view.type !== "home") {
    c.add("/type", "must be modal or home");
  }
  const hasInput = c.blocks(view.blocks, "/blocks", LIMITS.viewBlocks);
  if (view.blocks === undefined) c.add("/blocks", "is required");
  if (view.type === "modal") {
    c.text(view.title, "/title", LIMITS.modalTitle, { plainOnly: true });
    c.text(view.close, "/close", LIMITS.modalButton, { plainOnly: true, required: false });
    c.text(view.submit, "/submit", LIMITS.modalButton, { plainOnly: true, required: false });
    if (hasInput && view.submit === undefined)
      c.add("/submit", "is required when the view has an input block");
  }
  c.id(view.callback_id, "/callback_id");
  c.id(view.external_id, "/external_id");
  c.str(view.private_metadata, "/private_metadata", LIMITS.privateMetadata);
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

export function assertValidMessage(message: { text?: unknown; blocks?: unknown }): void {
  const problems = validateMessage(message);
  if (problems.length > 0) throw new BlockKitLimitError("message", problems);
}

export function assertValidView(view: unknown): void {
  const problems = validateView(view);
  if (problems.length > 0) throw new BlockKitLimitError("view", problems);
}
