// Slack escapes `&`, `<` and `>` in what people type (slash-command text, message text, and the values of
// plain-text inputs) as `&amp;`, `&lt;` and `&gt;` (SLACK.md §1.2): `inactive:>90d` arrives as
// `inactive:&gt;90d`. Decoded exactly once, here at the adapter edge, so listeners, parsers and the engine see
// what the person typed, and builders escape it exactly once on the way out (no `&amp;gt;`). Mentions and
// links (`<@U…>`, `<#C…|name>`, `<https://…|label>`) are Slack markup, not escapes: they pass unchanged.
import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">" };

/** `&amp;` `&lt;` `&gt;` → `&` `<` `>`, in one pass (so `&amp;gt;` becomes `&gt;`, never `>`). */
export function decodeSlackText(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Decodes the typed values of a view's state in place (plain_text_input only: other inputs are ids). */
function decodeStateValues(values: unknown): void {
  if (!isObj(values)) return;
  for (const block of Object.values(values)) {
    if (!isObj(block)) continue;
    for (const action of Object.values(block)) {
      if (isObj(action) && action.type === "plain_text_input" && typeof action.value === "string") {
        action.value = decodeSlackText(action.value);
      }
    }
  }
}

/**
 * Global Bolt middleware: decodes the typed text of the incoming payload in place before any listener runs
 * (Bolt hands listeners the same objects: `command` is the body, `view` is `body.view`, `event` is
 * `body.event`). Runs once per request.
 */
export const decodeUserText: Middleware<AnyMiddlewareArgs> = async ({ body, next }) => {
  const b = body as Obj;
  if (typeof b.command === "string" && typeof b.text === "string") b.text = decodeSlackText(b.text);
  if ((b.type === "view_submission" || b.type === "block_actions") && isObj(b.view) && isObj(b.view.state)) {
    decodeStateValues(b.view.state.values);
  }
  if (b.type === "block_actions" && isObj(b.state)) decodeStateValues(b.state.values);
  if (b.type === "event_callback" && isObj(b.event) && typeof b.event.text === "string") {
    b.event.text = decodeSlackText(b.event.text);
  }
  await next();
};
