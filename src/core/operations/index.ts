// The registry of operations: one definition per operation (contract list in types.ts OPERATIONS).

import type { Operation } from "../types.ts";
import { addToGroupOperation } from "./add-to-group.ts";
import { assignLicenseOperation } from "./assign-license.ts";
import { createOperation } from "./create.ts";
import type { OperationDefinition } from "./definition.ts";
import { deleteOperation } from "./delete.ts";
import { disableOperation } from "./disable.ts";
import { enableOperation } from "./enable.ts";
import { removeFromGroupOperation } from "./remove-from-group.ts";
import { removeLicenseOperation } from "./remove-license.ts";
import { resetPasswordOperation } from "./reset-password.ts";
import { restoreOperation } from "./restore.ts";
import { setServicePlansOperation } from "./set-service-plans.ts";
import { updateOperation } from "./update.ts";

export const OPERATION_DEFINITIONS: Record<Operation, OperationDefinition> = {
  create: createOperation,
  update: updateOperation,
  disable: disableOperation,
  enable: enableOperation,
  delete: deleteOperation,
  restore: restoreOperation,
  "reset-password": resetPasswordOperation,
  "assign-license": assignLicenseOperation,
  "remove-license": removeLicenseOperation,
  "add-to-group": addToGroupOperation,
  "remove-from-group": removeFromGroupOperation,
  "set-service-plans": setServicePlansOperation,
};

export { FIELD_HEADERS, fieldHeader } from "../plan-rules/fields.ts";
export { CLEAR_TOKEN } from "../plan-rules/values.ts";
export type {
  ChangeDraft,
  OperationDefinition,
  PlanContext,
  PlanOptions,
  RowDraft,
} from "./definition.ts";
export { RESTORE_WINDOW_DAYS } from "./delete.ts";
