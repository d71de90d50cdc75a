// The dependencies every use case takes: the database, the sealer, the clock, limits and policies. Its own
// module so the use-case modules can import the type without importing the surface that re-exports them.
import type { Logger } from "pino";
import type { ApprovalPolicy } from "../core/approval-rules.ts";
import type { Database } from "../directory/client.ts";
import type { Sealer } from "./secrets.ts";
import type { WelcomeDelivery } from "./welcome-delivery.ts";

export interface Engine {
  db: Database;
  sealer: Sealer;
  logger?: Logger;
  clock: () => Date;
  limits: {
    maxRows: number;
    passwordMinLength: number;
    leaseSeconds: number;
    /** BULKUSERS_DOMAINS (lower-case); absent or empty: any domain. */
    domains?: readonly string[];
  };
  /** The two-person rule (BULKUSERS_APPROVAL_RULES); absent: the default rules. */
  approvalPolicy?: ApprovalPolicy;
  /** The organisation's time zone for dates without an offset (BULKUSERS_TIME_ZONE); absent: UTC. */
  timeZone?: string;
  /** Welcome messages (SMTP configured); undefined when mail is off. */
  welcome?: WelcomeDelivery;
}
