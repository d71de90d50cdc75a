// Pure Block Kit builders for every surface of the bot. No I/O, no clock: pass `now` in.
export * from "./common.ts";
export * from "./help.ts";
export * from "./home.ts";
export * from "./hr.ts";
export * from "./ids.ts";
export * from "./jobs.ts";
export * from "./loading.ts";
export * from "./notice.ts";
export * from "./operation.ts";
export * from "./preview.ts";
export * from "./progress.ts";
export * from "./refusal.ts";
export * from "./results.ts";
export * from "./select.ts";
