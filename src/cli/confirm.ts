// Confirm before changing: on a terminal `run` and `undo` show what they will do and ask (y/N); `--yes`
// skips the question; without a terminal nobody is asked, so scripts behave as they always did.
import type { CommandContext } from "./context.ts";

/** True when the command may go ahead: `--yes`, no terminal, or the person answered yes. */
export async function confirmed(ctx: CommandContext, question: string): Promise<boolean> {
  if (ctx.options.yes === true || !ctx.io.interactive || !ctx.io.ask) return true;
  const answer = (await ctx.io.ask(`${question} [y/N] `)).trim().toLowerCase();
  return answer === "y" || answer === "yes";
}

/** Whether a question would be asked (the caller then shows the summary first). */
export function willAsk(ctx: CommandContext): boolean {
  return ctx.options.yes !== true && ctx.io.interactive === true && ctx.io.ask !== undefined;
}
