// Which columns of a sign-ins file hold the user and the last sign-in. The user column is found the way
// every import finds its key (the same aliases and tiers: UserPrincipalName, Email Address [Required],
// Okta's login, …); the time column by the vendors' names for it.
import { headerKey } from "../csv/aliases.ts";
import type { CsvTable, Refusal } from "../types.ts";

/**
 * Last sign-in column names, most specific first: when an export has several (Entra's Graph export has
 * lastSignInDateTime and lastNonInteractiveSignInDateTime), the first one listed here is read.
 * Compared as header keys after dropping bracketed and parenthesised notes (`Last Sign In [READ ONLY]`).
 */
const TIME_HEADERS = [
  "LastSignIn",
  "Last sign-in",
  "signInActivity.lastSignInDateTime",
  "lastSignInDateTime",
  "Last Sign-In Time",
  "Last Successful Sign-in",
  "signInActivity.lastSuccessfulSignInDateTime",
  "lastSuccessfulSignInDateTime",
  "lastLogin",
  "Last Login",
  "LastLoginAt",
  "Last Login Time",
  "LastLogonDate",
  "LastLogon",
  "lastLogonTimestamp",
  "Last sign-ins",
  "Sign-in time",
  "SignIn",
  "Timestamp",
  "Time",
  "At",
].map(headerKey);

/** Key columns for files whose user column is not one the imports know (`User`). */
const FALLBACK_EMAIL_HEADERS = ["User", "User Email"].map(headerKey);

const NOTES = /\[[^\]]*\]|\([^)]*\)/g;

export interface SignInColumns {
  email: number;
  time: number;
}

export function signInColumns(
  table: CsvTable,
): { ok: true; columns: SignInColumns } | { ok: false; refusal: Refusal } {
  const keys = table.header.map((h) => headerKey(h.replace(NOTES, " ")));
  let email = table.columns.find((c) => c.field === "email")?.index ?? -1;
  if (email < 0) email = keys.findIndex((k) => FALLBACK_EMAIL_HEADERS.includes(k));
  let time = -1;
  for (const wanted of TIME_HEADERS) {
    time = keys.indexOf(wanted);
    if (time >= 0) break;
  }
  if (email >= 0 && time >= 0) return { ok: true, columns: { email, time } };
  return { ok: false, refusal: missingColumns(email < 0, time < 0) };
}

function missingColumns(noEmail: boolean, noTime: boolean): Refusal {
  const emailHint = "Email (or UserPrincipalName, Email Address, login)";
  const timeHint =
    "LastSignIn (or Last Sign In, lastLogin, signInActivity.lastSignInDateTime, LastLogonDate)";
  const message =
    noEmail && noTime
      ? `The file has no e-mail column and no last sign-in column. Add columns named ${emailHint} and ${timeHint}.`
      : noEmail
        ? `The file has no e-mail column. Add a column named ${emailHint}.`
        : `The file has no last sign-in column. Add a column named ${timeHint}.`;
  return { code: "csv.missing_column", message };
}
