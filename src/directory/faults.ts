// Is this error the database being away (restarting, unreachable, shutting down) rather than a problem
// with the query? Such an error must never fail a job or answer a 500: the worker waits and resumes, the
// HTTP API answers 503 with Retry-After, /healthz names the database.
//
// postgres.js reports a lost or refused connection with its own codes (CONNECTION_CLOSED, …) or the
// socket's errno (ECONNREFUSED, …); the server, while it shuts down or recovers, answers with SQLSTATE
// class 08 (connection exception) or 57P01–57P03 (admin/crash shutdown, cannot connect now). drizzle wraps
// errors in DrizzleQueryError with the original as `cause`, so the whole cause chain is looked at.

const CLIENT_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
]);

const SERVER_CODES = new Set(["57P01", "57P02", "57P03"]);

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current && typeof current === "object" && !seen.has(current); ) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      (CLIENT_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith("08"))
    )
      return true;
    // AggregateError (a connection attempt to several addresses) carries the causes in `errors`.
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The message of the innermost cause (drizzle wraps the driver's error in its own "Failed query: …"). */
export function innermostMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** Seconds a client is told to wait (Retry-After) while the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
