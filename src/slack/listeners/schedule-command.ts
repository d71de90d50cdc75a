// `/bulkusers schedule [name|id]` opens the schedule modal (to create, or edit the named policy);
// `/bulkusers schedules` (or `schedule list`) lists the schedules. The command router calls
// `handleScheduleCommand` for those two words (see registerScheduleListeners' return value).
import type { Engine } from "../../jobs/service.ts";
import { listSchedules, type ScheduleRecord } from "../../scheduler/schedules.ts";
import { buildNoticeMessage, inlineCode } from "../blocks/index.ts";
import type { SlackCommandInput } from "../deps.ts";
import { schedulesListMessage } from "./schedule-list.ts";
import { scheduleModal } from "./schedule-modal.ts";
import { mustBeAdmin, type ScheduleListenerDeps, tell } from "./schedule-support.ts";

/** The `/bulkusers` words this module answers. */
export const SCHEDULE_COMMAND_WORDS = ["schedule", "schedules"] as const;

export function isScheduleCommand(word: string): boolean {
  return (SCHEDULE_COMMAND_WORDS as readonly string[]).includes(word.toLowerCase());
}

/** The `schedule` / `schedules` words as the command router hands them over. */
export type ScheduleCommandInput = SlackCommandInput;

async function findByNameOrId(engine: Engine, text: string): Promise<ScheduleRecord | null> {
  const wanted = text.trim();
  if (wanted === "") return null;
  const all = await listSchedules(engine.db);
  return (
    all.find((s) => s.id === wanted) ?? all.find((s) => s.name.toLowerCase() === wanted.toLowerCase()) ?? null
  );
}

/** `/bulkusers schedule [name|id]` and `/bulkusers schedules`. The caller has acked the command. */
export async function handleScheduleCommand(
  deps: ScheduleListenerDeps,
  input: ScheduleCommandInput,
): Promise<void> {
  const word = input.word.toLowerCase();
  const where = { ...(input.respond ? { respond: input.respond } : {}), channelId: input.channelId };
  const attempted =
    word === "schedules" ? "see the inactive-user schedules" : "set up inactive-user schedules";
  const allowed = await mustBeAdmin(
    deps,
    input.client,
    input.userId,
    attempted,
    { command: `${deps.command} ${word}` },
    where,
  );
  if (!allowed) return;
  if (word === "schedules" || (word === "schedule" && /^(list|ls)$/i.test(input.rest.trim()))) {
    await tell(deps, input.client, input.userId, await schedulesListMessage(deps), where);
    return;
  }
  let existing: ScheduleRecord | null = null;
  if (input.rest.trim() !== "") {
    existing = await findByNameOrId(deps.engine, input.rest);
    if (!existing) {
      await tell(
        deps,
        input.client,
        input.userId,
        buildNoticeMessage(
          `I can't find a schedule called ${inlineCode(input.rest, 100)}. \`${deps.command} schedules\` lists them; \`${deps.command} schedule\` creates a new one.`,
        ),
        where,
      );
      return;
    }
  }
  await input.client.views.open({
    trigger_id: input.triggerId,
    view: await scheduleModal(deps, existing, input.channelId),
  });
}
