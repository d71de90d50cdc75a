// remove-license: the License column names the SKUs to remove (same separators as assign-license); each
// must exist. Not assigned → skip. Frees the seats. Applies to active and disabled users; deleted → error.

import { LICENSE_LIST, membershipOperation } from "./membership.ts";

export const removeLicenseOperation = membershipOperation({
  operation: "remove-license",
  title: "Remove licenses",
  description: "Removes the License column's SKUs (several separated by ;) and frees their seats.",
  templateColumns: ["UserPrincipalName", "License"],
  templateExample: [
    ["jane.doe@example.com", "M365_E3"],
    ["john.smith@example.com", "M365_E3; M365_E5"],
  ],
  of: LICENSE_LIST,
  direction: "remove",
  reason: (skus) => `Remove ${skus}`,
  nothingToDo: (skus) => `Not assigned: ${skus}`,
});
