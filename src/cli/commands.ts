// The command registry: one array per command group (one file each under src/cli/). To add a command,
// export it from its group file and list the group here; usage and help come from these entries.
import { approvalCommands } from "./approvals.ts";
import type { CliCommand } from "./context.ts";
import { dbCommands } from "./db.ts";
import { exportCommands } from "./export.ts";
import { groupCommands } from "./group.ts";
import { inspectCommands } from "./inspect.ts";
import { jobCommands } from "./jobs.ts";
import { licenseCommands } from "./license.ts";
import { operationCommands } from "./operations.ts";
import { scheduleCommands } from "./schedule.ts";
import { scheduledCommands } from "./scheduled.ts";
import { seedCommands } from "./seed-demo.ts";
import { welcomeCommands } from "./welcome.ts";

export const COMMANDS: readonly CliCommand[] = [
  ...operationCommands,
  ...approvalCommands,
  ...exportCommands,
  ...jobCommands,
  ...inspectCommands,
  ...scheduleCommands,
  ...scheduledCommands,
  ...dbCommands,
  ...seedCommands,
  ...groupCommands,
  ...licenseCommands,
  ...welcomeCommands,
];
