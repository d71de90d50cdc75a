// enable: allow sign-in again. disabled → change; active → skip; deleted → error (restore it first);
// unknown → "User not found".

import { statusOperation } from "./status.ts";

export const enableOperation = statusOperation({
  operation: "enable",
  title: "Enable users",
  description: "Allows disabled users to sign in again.",
  to: "active",
  deletedUsers: false,
  reason: "Allow sign-in",
  already: "Already active",
});
