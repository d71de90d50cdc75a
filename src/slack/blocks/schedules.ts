// The inactive-user schedule surfaces: ids, the modal (`/bulkusers schedule`) and the list
// (`/bulkusers schedules`), one module each.
export * from "./schedule-ids.ts";
export * from "./schedule-list.ts";
export * from "./schedule-modal.ts";
