// The use cases every adapter calls (CLI, Slack, HTTP API, scheduler): plan a file or a selection, confirm a
// plan, run the queue, read results. Dependencies come in as arguments; nothing here knows who is calling.
// Each use case lives in its own module under use-cases/; this file is the one surface adapters import.
export type { Engine } from "./engine.ts";
export { runDueScheduledWork, scheduleOf } from "./use-cases/dated.ts";
export { type DecisionInput, type DecisionResult, decideApproval } from "./use-cases/decide.ts";
export {
  type PlanFileInput,
  type PlanOutcome,
  type PlanSchedule,
  planFile,
  planSelection,
  planTable,
  previewFile,
} from "./use-cases/plan.ts";
export { executorDeps, operationTitle, type RunOptions, runUntilFinished } from "./use-cases/run.ts";
export { confirm, type SubmitResult, submitPlan } from "./use-cases/submit.ts";
