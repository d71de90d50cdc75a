// Bearer tokens from API_TOKENS (`name:token[:right,…]`). The presented token is compared against every
// configured one in constant time: both sides are hashed (SHA-256) so the comparison is always between
// equal-length digests, and every token is compared, so neither timing nor length tells a caller anything.
// No tokens configured means the API is off (503), never open.
import { createHash, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { ApiRight, ApiToken } from "../config.ts";
import { ApiError } from "./errors.ts";

export const REALM = "bulkusers";

interface PreparedToken {
  token: ApiToken;
  digest: Buffer;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest();

export interface Authenticator {
  /** The token a request presents, or null; never throws. */
  identify(presented: string): ApiToken | null;
  readonly enabled: boolean;
}

export function createAuthenticator(tokens: readonly ApiToken[]): Authenticator {
  const prepared: PreparedToken[] = tokens.map((token) => ({ token, digest: sha256(token.token) }));
  return {
    enabled: prepared.length > 0,
    identify(presented) {
      const digest = sha256(presented);
      let found: ApiToken | null = null;
      for (const candidate of prepared) {
        // No early exit: every configured token costs the same whether or not one matched already.
        const same = timingSafeEqual(digest, candidate.digest);
        if (same && !found) found = candidate.token;
      }
      return found;
    },
  };
}

/** `Authorization: Bearer <token>` → the token text, or null when absent or another scheme. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^\s*Bearer\s+([^\s]+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** The authenticated token of this request (set by `requireRight`). */
export function tokenOf(res: Response): ApiToken {
  const token = res.locals.apiToken as ApiToken | undefined;
  if (!token) throw new Error("requireRight must run before the handler");
  return token;
}

/** The actor recorded in plans, jobs and the audit log: `api:<token name>`. */
export function actorOf(res: Response): string {
  return `api:${tokenOf(res).name}`;
}

/**
 * Middleware: 503 when the API has no tokens, 401 (with WWW-Authenticate) without a known bearer token,
 * 403 when the token lacks `right`. Runs before any body is read, so strangers cannot make us buffer one.
 */
export function requireRight(
  auth: Authenticator,
  right: ApiRight | null,
  onForbidden?: (token: ApiToken, req: Request) => void | Promise<void>,
) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!auth.enabled) {
      next(
        new ApiError(
          503,
          "api.disabled",
          "The HTTP API is off: no API tokens are configured (set API_TOKENS=name:token[:rights]).",
        ),
      );
      return;
    }
    const presented = bearerOf(req.get("authorization"));
    if (!presented) {
      next(
        new ApiError(
          401,
          "api.unauthorized",
          "Send Authorization: Bearer <token> with a token from API_TOKENS.",
          {},
          {
            "WWW-Authenticate": `Bearer realm="${REALM}"`,
          },
        ),
      );
      return;
    }
    const token = auth.identify(presented);
    if (!token) {
      next(
        new ApiError(
          401,
          "api.invalid_token",
          "The bearer token is not valid.",
          {},
          {
            "WWW-Authenticate": `Bearer realm="${REALM}", error="invalid_token"`,
          },
        ),
      );
      return;
    }
    res.locals.apiToken = token;
    if (right && !token.rights.includes(right)) {
      await onForbidden?.(token, req);
      next(
        new ApiError(
          403,
          "api.forbidden",
          `The token '${token.name}' does not have the '${right}' right.`,
          {},
          {
            "WWW-Authenticate": `Bearer realm="${REALM}", error="insufficient_scope", scope="${right}"`,
          },
        ),
      );
      return;
    }
    next();
  };
}
