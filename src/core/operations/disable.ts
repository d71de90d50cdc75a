// disable: block sign-in. active → change; disabled → skip; deleted → error (restore it first);
// unknown → "User not found". Licenses and group memberships are kept.

import { statusOperation } from "./status.ts";

export const disableOperation = statusOperation({
  operation: "disable",
  title: "Disable users",
  description: "Blocks sign-in for each user. Licenses and group memberships are kept; enable reverses it.",
  to: "disabled",
  deletedUsers: false,
  reason: "Block sign-in",
  already: "Already disabled",
});
