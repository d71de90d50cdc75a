import type { WebClient } from "@slack/web-api";
import type { Logger } from "../logger.ts";
import type { InactivityNotifier, WarnedUser } from "../scheduler/policy.ts";
import { buildInactivityWarningDm } from "./blocks/inactivity-report.ts";
import { openDm } from "./files.ts";

/** Warns a user by DM: looks them up by e-mail (users:read.email), opens the DM, posts. Throws on failure. */
export function createSlackNotifier(options: { client: WebClient; logger?: Logger }): InactivityNotifier {
  const { client } = options;
  return {
    async warnUser(user: WarnedUser, deactivateAfter: string) {
      const found = await client.users.lookupByEmail({ email: user.email });
      const id = found.user?.id;
      if (!id) throw new Error(`no Slack user with the e-mail ${user.email}`);
      const channel = await openDm(client, id);
      const message = buildInactivityWarningDm({
        displayName: user.displayName,
        deactivateAfter,
        daysInactive: user.daysInactive,
        neverSignedIn: user.lastLoginAt === null,
        policyName: user.policyName,
        ...(user.removeAccess ? { removeAccess: user.removeAccess } : {}),
      });
      await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
    },
  };
}
