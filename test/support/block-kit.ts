// Every message and view the tests see is checked twice: against Slack's public Block Kit JSON schema
// (vendored in ./blockkit, MIT, see its README) with Ajv, and by our own validator
// (src/slack/validate-blocks.ts) for what the schema cannot say: surface and payload rules, the 50-block
// message cap, the cumulative text cap, duplicate ids, initial options, the 250 kB view size.
import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import {
  BlockKitLimitError,
  type BlockKitProblem,
  validateMessage as validateMessageRules,
  validateView as validateViewRules,
} from "../../src/slack/validate-blocks.ts";

const SCHEMA_KEY = "slack-block-kit";
const schema = JSON.parse(
  readFileSync(new URL("./blockkit/slack-block-kit.schema.json", import.meta.url), "utf8"),
);

// strict: false, because the schema narrows `text` inside allOf without repeating `type` (blockkit/README.md).
const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS with `exports.default`: under nodenext the default import is the module object.
const addFormats = addFormatsModule.default;
addFormats(ajv);
ajv.addSchema(schema, SCHEMA_KEY);

const compiled = new Map<string, ValidateFunction>();
function validatorFor(def: string): ValidateFunction | undefined {
  const fn = compiled.get(def);
  if (!fn) {
    if (!(def in schema.$defs)) return undefined;
    const made = ajv.compile({ $ref: `${SCHEMA_KEY}#/$defs/${def}` });
    compiled.set(def, made);
    return made;
  }
  return fn;
}

/** Where the error is: a missing property is reported at its own path, like Slack's json-pointer. */
function pathOf(error: ErrorObject): string {
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  return error.keyword === "required" && missing ? `${error.instancePath}/${missing}` : error.instancePath;
}

/** Ajv's `if` reports "must match then schema" next to the real error from `then`. */
const NOISE = new Set(["if"]);

function describe(error: ErrorObject): string {
  const extra =
    error.keyword === "additionalProperties"
      ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
      : error.keyword === "const" || error.keyword === "enum"
        ? ` (${JSON.stringify((error.params as { allowedValue?: unknown; allowedValues?: unknown }).allowedValue ?? (error.params as { allowedValues?: unknown }).allowedValues)})`
        : "";
  return `schema: ${error.message ?? error.keyword}${extra}`;
}

/**
 * A `oneOf` (text objects: plain_text or mrkdwn) reports every branch: the branch of the other `type` fails on
 * `type`, the right one on the real problem. Keep the real problem; keep the `type` errors only when every
 * branch failed on them (a wrong type), and the `oneOf` itself only when nothing under it says more.
 */
function prune(errors: readonly ErrorObject[]): ErrorObject[] {
  const alternatives = new Set(
    errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").map((e) => e.instancePath),
  );
  const isTypeBranch = (e: ErrorObject) =>
    e.keyword === "const" &&
    e.instancePath.endsWith("/type") &&
    alternatives.has(e.instancePath.slice(0, -5));
  const under = (e: ErrorObject, parent: string) => e.instancePath.startsWith(`${parent}/`);
  const kept = errors.filter(
    (e) =>
      !NOISE.has(e.keyword) &&
      !(
        isTypeBranch(e) &&
        errors.some(
          (o) =>
            o !== e && !isTypeBranch(o) && o.keyword !== "oneOf" && under(o, e.instancePath.slice(0, -5)),
        )
      ),
  );
  return kept.filter(
    (e) =>
      !(
        (e.keyword === "oneOf" || e.keyword === "anyOf") &&
        kept.some((o) => o !== e && under(o, e.instancePath))
      ),
  );
}

function unique(problems: BlockKitProblem[]): BlockKitProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * One bad block inside the schema's big `oneOf` yields dozens of errors; each failing block is validated again
 * against the definition of its own type, which gives the few errors that matter.
 */
function blockProblems(blocks: unknown, prefix: string): BlockKitProblem[] {
  if (!Array.isArray(blocks)) return [];
  const out: BlockKitProblem[] = [];
  const any = validatorFor("block");
  blocks.forEach((block, i) => {
    const path = `${prefix}/${i}`;
    if (!any || any(block)) return;
    const type = (block as { type?: unknown } | null)?.type;
    const own = typeof type === "string" ? validatorFor(`${type}_block`) : undefined;
    if (!own) {
      out.push({ path: `${path}/type`, message: `schema: unknown block type ${JSON.stringify(type)}` });
      return;
    }
    own(block);
    for (const e of prune(own.errors ?? [])) out.push({ path: `${path}${pathOf(e)}`, message: describe(e) });
  });
  return out;
}

/**
 * Validates `value` (a blocks array when `def` is null, else a view) and reports paths relative to the message
 * or view: a blocks array sits at `/blocks`.
 */
function check(def: string | null, value: unknown): BlockKitProblem[] {
  // What goes over the wire: `undefined` properties vanish in JSON.
  const wire = JSON.parse(JSON.stringify(value ?? null));
  const validate = def === null ? ajv.getSchema(SCHEMA_KEY) : validatorFor(def);
  if (!validate) throw new Error(`no schema for ${def}`);
  if (validate(wire)) return [];
  const base = def === null ? "/blocks" : "";
  const problems: BlockKitProblem[] = [];
  for (const e of prune(validate.errors ?? [])) {
    const path = `${base}${pathOf(e)}`;
    // Errors inside one block are derived again, per block, below.
    if (/^\/blocks\/\d+/.test(path)) continue;
    problems.push({ path, message: describe(e) });
  }
  const blocks = def === null ? wire : (wire as { blocks?: unknown } | null)?.blocks;
  problems.push(...blockProblems(blocks, "/blocks"));
  return unique(problems);
}

/** Schema problems of a message's blocks (a text-only message has none). */
export function messageSchemaProblems(message: { blocks?: unknown }): BlockKitProblem[] {
  if (message.blocks === undefined || (Array.isArray(message.blocks) && message.blocks.length === 0))
    return [];
  return check(null, message.blocks);
}

/** Schema problems of a modal or Home tab view. */
export function viewSchemaProblems(view: unknown): BlockKitProblem[] {
  const type = (view as { type?: unknown } | null)?.type;
  if (type !== "modal" && type !== "home")
    return [{ path: "/type", message: "schema: must be modal or home" }];
  return check(type === "modal" ? "modal_view" : "home_view", view);
}

/** Both validators on a message (chat.postMessage / update / postEphemeral / response_url). */
export function validateMessage(message: { text?: unknown; blocks?: unknown }): BlockKitProblem[] {
  return [...validateMessageRules(message), ...messageSchemaProblems(message)];
}

/** Both validators on a view (views.open / update / push / publish, response_action: update). */
export function validateView(view: unknown): BlockKitProblem[] {
  return [...validateViewRules(view), ...viewSchemaProblems(view)];
}

export function assertValidMessage(message: { text?: unknown; blocks?: unknown }): void {
  const problems = validateMessage(message);
  if (problems.length > 0) throw new BlockKitLimitError("message", problems);
}

export function assertValidView(view: unknown): void {
  const problems = validateView(view);
  if (problems.length > 0) throw new BlockKitLimitError("view", problems);
}
