// Welcome messages, the delivery: from the rows a job's batches recorded (recordWelcomes, inside the batch
// transaction) to an e-mail per hire, a Slack DM to the manager, and an audit row per outcome.
//
// Never twice: each row is claimed (`pending` → `sending`) in its own committed statement before the SMTP
// conversation starts, and settled (`sent`, `bounced`, `no_address`, `failed`) right after. A crash between
// two sends leaves the next rows `pending`: whoever delivers next resumes there. A crash in the middle of
// one send leaves that one row `sending`: it may or may not have reached the server, so it is not sent
// again; after STALE_SENDING_MS it is marked failed with that reason (its link keeps working, in case the
// message did arrive). Retries are for answers that prove nothing was accepted (4xx, no connection).
import { createHash, randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import { chooseRecipient, managerDmText, type Recipient, renderWelcome } from "../core/welcome.ts";
import { type Database, type Executor, queryRows } from "../directory/client.ts";
import type { Mailer } from "../mail/mailer.ts";
import type { Sealer } from "./secrets.ts";
import { loadWelcomeTemplate } from "./welcome-template.ts";

export interface WelcomeSettings {
  credentials: "link" | "password";
  linkHours: number;
  /** Base URL of this app (no trailing slash): links are `<publicUrl>/welcome/<token>`. */
  publicUrl?: string;
}

/** The Slack calls the manager's DM needs (a WebClient fits): find by e-mail, open the DM, post. */
export interface SlackDirectMessages {
  users: { lookupByEmail(args: { email: string }): Promise<{ user?: { id?: string } }> };
  conversations: { open(args: { users: string }): Promise<{ channel?: { id?: string } }> };
  chat: { postMessage(args: { channel: string; text: string }): Promise<unknown> };
}

export interface WelcomeDeps {
  db: Database;
  sealer: Sealer;
  mailer: Mailer;
  settings: WelcomeSettings;
  /** Who claims rows (lease-owner style name of this process). */
  owner: string;
  clock?: () => Date;
  logger?: Logger;
  /** Slack, when it runs: a getter because Slack may start after the engine is built. */
  slack?: () => SlackDirectMessages | undefined;
  /** Tries per message before it is marked failed (default 5). */
  maxAttempts?: number;
  /** Wait before try n+1 (ms), by n; default 1 min, 5 min, 30 min, 2 h. */
  retryDelayMs?: (attempt: number) => number;
  /** Told after each message is settled (progress, logs; the crash tests stop the process here). */
  onSettled?: (message: { jobId: string; row: number; status: WelcomeStatus }) => void;
}

export type WelcomeStatus = "pending" | "sending" | "sent" | "bounced" | "no_address" | "failed";

export interface WelcomeDelivery {
  /** Sends every message that is due (of one job, or of all); resolves when none is left to send now. */
  deliverPending(options?: { jobId?: string }): Promise<Record<WelcomeStatus, number>>;
}

const STALE_SENDING_MS = 5 * 60_000;
const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000];

export interface WelcomeEntry {
  row: number;
  userId: string;
  email: string;
  password: string;
}

/**
 * Records the welcome messages of a committed batch, inside its transaction: the row exists exactly when
 * the account does, with its temporary password sealed until the hire has it.
 */
export async function recordWelcomes(
  tx: Executor,
  sealer: Sealer,
  jobId: string,
  entries: WelcomeEntry[],
  /** The batch's time: the messages are due from then (the job's clock, not the database's). */
  nowIso: string,
): Promise<void> {
  if (entries.length === 0) return;
  const records = entries.map((e) => ({
    row: e.row,
    user_id: e.userId,
    email: e.email,
    sealed: sealer.seal(e.password),
  }));
  await tx.execute(sql`
    insert into welcome_messages (job_id, row, user_id, email, sealed_password, next_attempt_at)
    select ${jobId}, x.row, x.user_id::uuid, x.email, x.sealed, ${nowIso}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as x(row int, user_id text, email text, sealed text)
    on conflict (job_id, row) do nothing`);
}

export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

interface ClaimedRow {
  job_id: string;
  row: number;
  user_id: string;
  email: string;
  attempts: number;
  sealed_password: string | null;
  actor: string;
  source: string;
}

interface HireDetails {
  display_name: string;
  first_name: string | null;
  personal_email: string | null;
  start_date: string | null;
  manager_email: string | null;
  manager_name: string | null;
}

/** `2026-12-04T16:20Z`: ISO 8601, to the minute, as people read it in an e-mail. */
function minuteIso(date: Date): string {
  return `${date.toISOString().slice(0, 16)}Z`;
}

export function createWelcomeDelivery(deps: WelcomeDeps): WelcomeDelivery {
  const { db, sealer } = deps;
  const clock = deps.clock ?? (() => new Date());
  const maxAttempts = deps.maxAttempts ?? 5;
  const retryDelay =
    deps.retryDelayMs ??
    ((attempt: number) => RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length) - 1] ?? 60_000);
  const useLink = deps.settings.credentials === "link";

  const audit = async (
    claimed: ClaimedRow,
    action: string,
    after: Record<string, unknown>,
    details: Record<string, unknown> = {},
  ) => {
    await db.execute(sql`
      insert into audit_log (at, actor, source, action, target, after, job_id, details)
      values (${clock().toISOString()}::timestamptz, ${claimed.actor}, ${claimed.source}, ${action},
        ${claimed.email}, ${JSON.stringify(after)}::jsonb, ${claimed.job_id},
        ${JSON.stringify({ row: claimed.row, ...details })}::jsonb)`);
  };

  /** Settles a claimed row; false when this owner no longer holds it. */
  const settle = async (claimed: ClaimedRow, set: ReturnType<typeof sql>) => {
    const rows = await queryRows(
      db,
      sql`update welcome_messages set ${set}, claimed_by = null
          where job_id = ${claimed.job_id} and row = ${claimed.row}
            and status = 'sending' and claimed_by = ${deps.owner}
          returning row`,
    );
    return rows.length > 0;
  };

  const claimNext = async (jobId: string | undefined, token: string | null): Promise<ClaimedRow | null> => {
    const now = clock();
    const expires = new Date(now.getTime() + deps.settings.linkHours * 3600_000);
    const [claimed] = await queryRows<ClaimedRow>(
      db,
      sql`update welcome_messages w set status = 'sending', claimed_by = ${deps.owner},
            claimed_at = ${now.toISOString()}::timestamptz, attempts = w.attempts + 1,
            link_hash = ${token ? tokenHash(token) : null},
            link_expires_at = ${token ? expires.toISOString() : null}::timestamptz
          from jobs j
          where j.id = w.job_id and (w.job_id, w.row) = (
            select job_id, row from welcome_messages
            where status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz
              ${jobId ? sql`and job_id = ${jobId}` : sql``}
            order by job_id, row limit 1 for update skip locked)
          returning w.job_id, w.row, w.user_id, w.email, w.attempts, w.sealed_password,
            j.approved_by as actor, j.source`,
    );
    return claimed ?? null;
  };

  const hireDetails = async (userId: string): Promise<HireDetails | undefined> => {
    const [hire] = await queryRows<HireDetails>(
      db,
      sql`select u.display_name, u.first_name, u.attributes->>'personalEmail' as personal_email,
            u.attributes->>'startDate' as start_date, m.email as manager_email, m.display_name as manager_name
          from users u left join users m on m.id = u.manager_id and m.status = 'active'
          where u.id = ${userId}::uuid`,
    );
    return hire;
  };

  const notifyManager = async (claimed: ClaimedRow, hire: HireDetails, recipient: Recipient) => {
    const slack = deps.slack?.();
    if (!slack) return;
    if (!hire.manager_email) {
      await db.execute(sql`update welcome_messages set manager_dm = 'none'
        where job_id = ${claimed.job_id} and row = ${claimed.row} and manager_dm is null`);
      return;
    }
    // Claimed before the call, like the e-mail: a crash here means no DM rather than two.
    const [mine] = await queryRows(
      db,
      sql`update welcome_messages set manager_dm = 'sending'
          where job_id = ${claimed.job_id} and row = ${claimed.row} and manager_dm is null returning row`,
    );
    if (!mine) return;
    let outcome: string;
    try {
      const found = await slack.users.lookupByEmail({ email: hire.manager_email });
      const id = found.user?.id;
      if (!id) outcome = "not_in_slack";
      else {
        const opened = await slack.conversations.open({ users: id });
        if (!opened.channel?.id) throw new Error("conversations.open returned no channel");
        await slack.chat.postMessage({
          channel: opened.channel.id,
          text: managerDmText({
            name: hire.display_name,
            signInName: claimed.email,
            recipient,
            startDate: hire.start_date ?? "",
          }),
        });
        outcome = "sent";
      }
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      outcome = code === "users_not_found" ? "not_in_slack" : "failed";
      if (outcome === "failed") deps.logger?.warn({ err: error, jobId: claimed.job_id }, "manager DM failed");
    }
    await db.execute(sql`update welcome_messages set manager_dm = ${outcome}
      where job_id = ${claimed.job_id} and row = ${claimed.row}`);
  };

  const deliverOne = async (claimed: ClaimedRow, token: string | null): Promise<WelcomeStatus> => {
    const hire = await hireDetails(claimed.user_id);
    const recipient: Recipient = hire
      ? chooseRecipient({
          signInName: claimed.email,
          personalEmail: hire.personal_email,
          managerEmail: hire.manager_email,
        })
      : { kind: "none", reason: "the user no longer exists" };
    if (recipient.kind === "none" || !hire || !claimed.sealed_password) {
      const reason =
        recipient.kind === "none" ? recipient.reason : "the temporary password is no longer available";
      await settle(
        claimed,
        sql`status = 'no_address', reason = ${reason}, sealed_password = null, link_hash = null`,
      );
      await audit(claimed, "welcome.no_address", { status: "no_address" }, { reason });
      if (hire) await notifyManager(claimed, hire, recipient);
      return "no_address";
    }
    const password = sealer.open(claimed.sealed_password);
    const expires = new Date(clock().getTime() + deps.settings.linkHours * 3600_000);
    const { template } = await loadWelcomeTemplate(db);
    const message = renderWelcome(template, {
      name: hire.display_name,
      firstName: hire.first_name || hire.display_name,
      signInName: claimed.email,
      manager: hire.manager_name ?? "",
      managerEmail: hire.manager_email ?? "",
      startDate: hire.start_date ?? "",
      link: token ? `${deps.settings.publicUrl}/welcome/${token}` : "",
      linkExpires: token ? minuteIso(expires) : "",
      password: useLink ? "" : password,
    });
    const sent = await deps.mailer.send({ to: recipient.address, ...message });
    const where = { recipient: recipient.address, recipientKind: recipient.kind };
    if (sent.ok) {
      await settle(
        claimed,
        sql`status = 'sent', reason = '', recipient = ${recipient.address}, recipient_kind = ${recipient.kind},
            sent_at = ${clock().toISOString()}::timestamptz, message_id = ${sent.messageId}
            ${useLink ? sql`` : sql`, sealed_password = null`}`,
      );
      await audit(claimed, "welcome.sent", { status: "sent", ...where }, { messageId: sent.messageId });
      await notifyManager(claimed, hire, recipient);
      return "sent";
    }
    if (sent.permanent || claimed.attempts >= maxAttempts) {
      const status = sent.permanent ? "bounced" : "failed";
      const reason = sent.permanent ? sent.reason : `${sent.reason} (after ${claimed.attempts} tries)`;
      await settle(
        claimed,
        sql`status = ${status}, reason = ${reason}, recipient = ${recipient.address},
            recipient_kind = ${recipient.kind}, sealed_password = null, link_hash = null`,
      );
      await audit(claimed, `welcome.${status}`, { status, ...where }, { reason });
      await notifyManager(claimed, hire, { kind: "none", reason });
      return status;
    }
    const next = new Date(clock().getTime() + retryDelay(claimed.attempts));
    await settle(
      claimed,
      sql`status = 'pending', reason = ${`will retry: ${sent.reason}`}, link_hash = null,
          next_attempt_at = ${next.toISOString()}::timestamptz`,
    );
    deps.logger?.warn(
      { jobId: claimed.job_id, row: claimed.row, attempt: claimed.attempts, reason: sent.reason },
      "welcome e-mail not accepted; will retry",
    );
    return "pending";
  };

  return {
    async deliverPending(options = {}) {
      const counts: Record<WelcomeStatus, number> = {
        pending: 0,
        sending: 0,
        sent: 0,
        bounced: 0,
        no_address: 0,
        failed: 0,
      };
      const now = clock();
      await db.execute(sql`
        update welcome_messages set status = 'failed', claimed_by = null,
          reason = 'interrupted while sending: it may have arrived, so it was not sent again'
        where status = 'sending' and claimed_at < ${new Date(now.getTime() - STALE_SENDING_MS).toISOString()}::timestamptz`);
      await db.execute(sql`
        update welcome_messages set sealed_password = null
        where sealed_password is not null and link_expires_at < ${now.toISOString()}::timestamptz`);
      for (;;) {
        const token = useLink ? randomBytes(24).toString("base64url") : null;
        const claimed = await claimNext(options.jobId, token);
        if (!claimed) return counts;
        const status = await deliverOne(claimed, token);
        counts[status] += 1;
        deps.onSettled?.({ jobId: claimed.job_id, row: claimed.row, status });
      }
    },
  };
}

export type LinkState = "valid" | "revealed" | "expired" | "unknown";

/** What a one-time link is now, without using it up (the page shown before the reveal button). */
export async function linkState(db: Database, token: string, now: Date): Promise<LinkState> {
  const [row] = await queryRows<{ revealed: boolean; expired: boolean; has_password: boolean }>(
    db,
    sql`select link_revealed_at is not null as revealed,
          link_expires_at <= ${now.toISOString()}::timestamptz as expired,
          sealed_password is not null as has_password
        from welcome_messages where link_hash = ${tokenHash(token)}`,
  );
  if (!row) return "unknown";
  if (row.revealed) return "revealed";
  if (row.expired || !row.has_password) return "expired";
  return "valid";
}

/**
 * Uses a one-time link: the password, once. One statement takes it and forgets it, so two clicks racing
 * each other cannot both see it.
 */
export async function revealPassword(
  db: Database,
  sealer: Sealer,
  token: string,
  now: Date,
  details: Record<string, unknown> = {},
): Promise<{ ok: true; email: string; password: string } | { ok: false; state: LinkState }> {
  const nowIso = now.toISOString();
  const [row] = await queryRows<{ email: string; sealed: string; job_id: string; row: number }>(
    db,
    sql`update welcome_messages w set link_revealed_at = ${nowIso}::timestamptz, sealed_password = null
        from (select job_id, row, sealed_password from welcome_messages
              where link_hash = ${tokenHash(token)} for update) old
        where w.job_id = old.job_id and w.row = old.row and w.link_revealed_at is null
          and w.link_expires_at > ${nowIso}::timestamptz and old.sealed_password is not null
        returning w.email, old.sealed_password as sealed, w.job_id, w.row`,
  );
  if (!row) return { ok: false, state: await linkState(db, token, now) };
  await db.execute(sql`
    insert into audit_log (at, actor, source, action, target, job_id, details)
    values (${nowIso}::timestamptz, ${row.email}, 'api', 'welcome.link_opened', ${row.email}, ${row.job_id},
      ${JSON.stringify({ row: row.row, ...details })}::jsonb)`);
  return { ok: true, email: row.email, password: sealer.open(row.sealed) };
}

/** One line per row of a job for its results CSV (`Welcome` column), by row number. */
export async function welcomeOutcomes(db: Database, jobId: string): Promise<Map<number, string>> {
  const rows = await queryRows<{
    row: number;
    status: WelcomeStatus;
    recipient: string | null;
    recipient_kind: string | null;
    reason: string;
  }>(
    db,
    sql`select row, status, recipient, recipient_kind, reason from welcome_messages where job_id = ${jobId}`,
  );
  return new Map(rows.map((r) => [Number(r.row), describeWelcome(r)]));
}

export function describeWelcome(r: {
  status: WelcomeStatus;
  recipient: string | null;
  recipient_kind: string | null;
  reason: string;
}): string {
  const to = r.recipient_kind === "manager" ? `the manager ${r.recipient}` : `${r.recipient}`;
  switch (r.status) {
    case "sent":
      return `Sent to ${to}`;
    case "bounced":
      return `Bounced by ${to}: ${r.reason}`;
    case "no_address":
      return `Not sent: no address (${r.reason})`;
    case "failed":
      return `Not sent: ${r.reason}`;
    case "sending":
      return "Sending";
    default:
      return r.reason ? `Waiting to be sent (${r.reason})` : "Waiting to be sent";
  }
}
