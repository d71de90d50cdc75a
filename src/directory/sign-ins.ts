// Sign-in activity: how the directory learns when people last signed in (the inactive-user policy reads
// `users.last_login_at`). One set-based statement per batch, whatever its size, and only ever forward in
// time: an older or equal time never overwrites a newer one, so batches may arrive late, twice or out of
// order. Used by the HTTP API (`POST /api/sign-ins`) and the CLI (`bulkusers record-sign-ins`).
import { sql } from "drizzle-orm";
import { isValidEmail, normaliseEmail } from "../core/plan-rules/email.ts";
import { signInRows } from "../core/sign-ins/index.ts";
import type { Refusal } from "../core/types.ts";
import { readUpload } from "../files/read.ts";
import { type Database, queryRows } from "./client.ts";

export interface SignInEntry {
  email: string;
  /** ISO 8601 time of the sign-in; without a zone it is read as UTC. */
  at: string;
}

export interface InvalidSignIn {
  email: string;
  at: string;
  reason: string;
}

export interface SignInResult {
  /** Users whose last sign-in moved forward. */
  updated: number;
  /** Known users whose stored sign-in is already as recent (or more recent). */
  unchanged: number;
  /** Valid e-mails with no user in the directory, lower-cased, in first-seen order. */
  unknown: string[];
  /** Entries refused before touching the database (bad e-mail, bad time, time in the future). */
  invalid: InvalidSignIn[];
}

export interface SignInAudit {
  actor: string;
  source: "slack" | "api" | "cli" | "schedule";
  /** Merged into audit_log.details (e.g. the client IP). */
  details?: Record<string, unknown>;
}

/** Sign-ins later than `now` plus this are refused: a clock that far ahead is wrong. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Parses an ISO 8601 date or date-time (zone optional: UTC) into a Date, or null. */
export function parseSignInTime(text: string): Date | null {
  const value = text.trim();
  const match = ISO_8601.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, zone] = match;
  let iso = value.replace(" ", "T").replace(",", ".");
  if (h === undefined) iso = `${y}-${mo}-${d}T00:00:00Z`;
  else if (!zone) iso = `${iso}Z`;
  else if (/^[+-]\d{2}$/.test(zone)) iso = `${iso}:00`;
  else if (/^[+-]\d{4}$/.test(zone)) iso = `${iso.slice(0, -2)}:${iso.slice(-2)}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  // Reject roll-overs such as 2026-02-31 (Date would quietly make it March 3rd).
  if (date.getUTCFullYear() < 1970) return null;
  const day = Number(d);
  const month = Number(mo);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  if (Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 59) return null;
  const probe = new Date(Date.UTC(Number(y), month - 1, day));
  if (probe.getUTCMonth() !== month - 1) return null;
  return date;
}

/** Validates entries: what may be written (one per e-mail, the latest time wins) and what is refused. */
export function validateSignIns(
  entries: readonly SignInEntry[],
  now: Date,
): { valid: Map<string, Date>; invalid: InvalidSignIn[] } {
  const valid = new Map<string, Date>();
  const invalid: InvalidSignIn[] = [];
  const latest = now.getTime() + FUTURE_TOLERANCE_MS;
  for (const entry of entries) {
    const rawEmail = typeof entry?.email === "string" ? entry.email : "";
    const rawAt = typeof entry?.at === "string" ? entry.at : "";
    const email = normaliseEmail(rawEmail);
    if (!isValidEmail(email)) {
      invalid.push({ email: rawEmail, at: rawAt, reason: `'${rawEmail}' is not a valid e-mail address` });
      continue;
    }
    const at = parseSignInTime(rawAt);
    if (!at) {
      invalid.push({ email: rawEmail, at: rawAt, reason: `'${rawAt}' is not an ISO 8601 date-time` });
      continue;
    }
    if (at.getTime() > latest) {
      invalid.push({ email: rawEmail, at: rawAt, reason: `${rawAt} is in the future` });
      continue;
    }
    const seen = valid.get(email);
    if (!seen || seen < at) valid.set(email, at);
  }
  return { valid, invalid };
}

/**
 * Records sign-ins: `users.last_login_at` moves forward to the given time when it is later than the
 * stored one (or none is stored). One statement for the whole batch; with `audit`, one audit row for
 * the batch in the same transaction (sign-ins are activity, not administration: no row per user).
 */
export async function recordSignIns(
  db: Database,
  entries: readonly SignInEntry[],
  now: Date,
  audit?: SignInAudit,
): Promise<SignInResult> {
  const { valid, invalid } = validateSignIns(entries, now);
  if (valid.size === 0) return { updated: 0, unchanged: 0, unknown: [], invalid };
  const input = JSON.stringify(
    [...valid].map(([email, at], position) => ({ email, at: at.toISOString(), position })),
  );
  return db.transaction(async (tx) => {
    const [row] = await queryRows<{ updated: number; known: number; unknown: string[] | null }>(
      tx,
      sql`with input as (
            select x.email, x.at, x.position
            from jsonb_to_recordset(${input}::jsonb) as x(email text, at timestamptz, position int)
          ), moved as (
            update users u set last_login_at = i.at
            from input i
            where u.email = i.email and (u.last_login_at is null or u.last_login_at < i.at)
            returning u.id
          )
          select (select count(*)::int from moved) as updated,
            (select count(*)::int from input i join users u on u.email = i.email) as known,
            (select jsonb_agg(i.email order by i.position) from input i
              where not exists (select 1 from users u where u.email = i.email)) as unknown`,
    );
    const updated = Number(row?.updated ?? 0);
    const unknown =
      typeof row?.unknown === "string" ? (JSON.parse(row.unknown) as string[]) : (row?.unknown ?? []);
    const result: SignInResult = {
      updated,
      unchanged: Number(row?.known ?? 0) - updated,
      unknown,
      invalid,
    };
    if (audit) {
      const details = {
        received: entries.length,
        updated: result.updated,
        unchanged: result.unchanged,
        unknown: result.unknown.length,
        invalid: result.invalid.length,
        ...audit.details,
      };
      await tx.execute(sql`
        insert into audit_log (at, actor, source, action, target, details)
        values (${now.toISOString()}::timestamptz, ${audit.actor}, ${audit.source}, 'users.sign_ins', null,
          ${JSON.stringify(details)}::jsonb)`);
    }
    return result;
  });
}

/** Sign-in files may list every user of a large organisation: read up to the largest import allowed. */
export const SIGN_INS_MAX_ROWS = 150_000;

/**
 * Reads a sign-ins file into entries, or a refusal naming the problem: a CSV in any encoding and
 * delimiter the upload reader accepts, or an .xlsx workbook; the user column by the import aliases
 * (UserPrincipalName, Email Address [Required], login, …), the time column by the vendors' names (Google
 * `Last Sign In [READ ONLY]`, Okta `lastLogin`, Entra `signInActivity.lastSignInDateTime` / `Last sign-in`,
 * AD `LastLogonDate`) in their date formats; `never` counts users who never signed in (nothing to record).
 */
export async function parseSignInsFile(
  bytes: Uint8Array,
): Promise<{ ok: true; entries: SignInEntry[]; never: number } | { ok: false; refusal: Refusal }> {
  const read = await readUpload(bytes, { maxRows: SIGN_INS_MAX_ROWS });
  if (!read.ok) return read;
  const rows = signInRows(read.table);
  if (!rows.ok) return rows;
  return { ok: true, entries: rows.rows.entries, never: rows.rows.never };
}
