// The schedule surfaces' stable ids (callback, block and action ids the listeners route on), their limits
// and the policy modes as people read them. Pure.
// --- ids (stable) -----------------------------------------------------------------------------------
export const SCHEDULE_VIEW_CALLBACK_ID = "bulkusers_schedule";

export const SCHEDULE_BLOCKS = {
  name: "sched_name",
  inactiveDays: "sched_days",
  cron: "sched_cron",
  timezone: "sched_tz",
  excludeGroups: "sched_groups",
  mode: "sched_mode",
  warnDays: "sched_warn",
  capCount: "sched_cap_count",
  capPercent: "sched_cap_percent",
  reportChannel: "sched_channel",
  action: "sched_action",
  removeSkus: "sched_remove_skus",
  removeGroups: "sched_remove_groups",
} as const;
export type ScheduleFormField = keyof typeof SCHEDULE_BLOCKS;

/** The action id inside each input block: `<block>_input`. */
export function scheduleActionId(field: ScheduleFormField): string {
  return `${SCHEDULE_BLOCKS[field]}_input`;
}

/** Group search (multi_external_select, when the directory has more groups than a static menu holds). */
export const SCHEDULE_GROUPS_ACTION_ID = scheduleActionId("excludeGroups");

export const SCHEDULE_PAUSE_ACTION_ID = "schedule_pause";
export const SCHEDULE_RESUME_ACTION_ID = "schedule_resume";
export const SCHEDULE_RUN_NOW_ACTION_ID = "schedule_run_now";
export const SCHEDULE_EDIT_ACTION_ID = "schedule_edit";
export const SCHEDULE_DELETE_ACTION_ID = "schedule_delete";
export const SCHEDULE_CREATE_ACTION_ID = "schedule_create";

/** Static menus hold at most 100 options: above that the modal searches groups (external select). */
export const STATIC_GROUPS_MAX = 100;
/** Schedules listed: 2 blocks and at most ~850 characters each, under 50 blocks and the 11k text cap. */
export const SCHEDULES_LIST_MAX = 10;

export type ScheduleMode = "report" | "warn-then-deactivate" | "deactivate";

export const MODE_OPTIONS: ReadonlyArray<{ value: ScheduleMode; text: string; description: string }> = [
  {
    value: "report",
    text: "Report only (recommended)",
    description: "Post the list; an admin approves the deactivation",
  },
  {
    value: "warn-then-deactivate",
    text: "Warn by DM, then deactivate",
    description: "Users get a DM and the lead time to sign in",
  },
  { value: "deactivate", text: "Deactivate", description: "Deactivate at once (within the cap)" },
];

export type ScheduleActionKind = "deactivate" | "remove-access";

/** What "deactivate" means for the users a run acts on: the account, or only their paid access. */
export const ACTION_OPTIONS: ReadonlyArray<{ value: ScheduleActionKind; text: string; description: string }> =
  [
    { value: "deactivate", text: "Deactivate the account", description: "The user can no longer sign in" },
    {
      value: "remove-access",
      text: "Remove access, keep the account active",
      description: "Take away the licenses below and/or the groups below",
    },
  ];
