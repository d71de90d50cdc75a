// Builds welcome delivery from the configuration (composition helper for the server and the CLI):
// nothing when SMTP_URL is unset, otherwise the SMTP mailer and the delivery that uses it.
import type { Logger } from "pino";
import type { MailConfig } from "../config.ts";
import type { Database } from "../directory/client.ts";
import type { Sealer } from "../jobs/secrets.ts";
import {
  createWelcomeDelivery,
  type SlackDirectMessages,
  type WelcomeDelivery,
} from "../jobs/welcome-delivery.ts";
import { createSmtpMailer, type Mailer } from "./mailer.ts";

export interface WelcomeFromConfigDeps {
  db: Database;
  sealer: Sealer;
  owner: string;
  clock?: () => Date;
  logger?: Logger;
  slack?: () => SlackDirectMessages | undefined;
  /** Another mailer than SMTP_URL's (tests). */
  mailer?: Mailer;
}

export interface ConfiguredWelcome {
  delivery: WelcomeDelivery;
  /** Closes the SMTP connections. */
  close(): void;
}

export function welcomeFromConfig(
  mail: MailConfig | undefined,
  deps: WelcomeFromConfigDeps,
): ConfiguredWelcome | undefined {
  if (!mail) return undefined;
  const mailer = deps.mailer ?? createSmtpMailer({ url: mail.smtpUrl, from: mail.from });
  const delivery = createWelcomeDelivery({
    db: deps.db,
    sealer: deps.sealer,
    mailer,
    owner: deps.owner,
    settings: {
      credentials: mail.credentials,
      linkHours: mail.linkHours,
      ...(mail.publicUrl ? { publicUrl: mail.publicUrl } : {}),
    },
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.slack ? { slack: deps.slack } : {}),
  });
  return { delivery, close: () => mailer.close() };
}
