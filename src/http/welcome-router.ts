// GET/POST /welcome/<token>: the one-time link of a welcome message. GET only shows a button, POST shows
// the temporary password once; afterwards (or after expiry) the link answers 410 Gone.
//
// Why a button and not the password on GET: mail filters (Outlook Safe Links, Gmail's scanner) fetch links
// in incoming messages before a person clicks; a GET that revealed the password would spend it on a robot.
import express, { type Response, type Router } from "express";
import { escapeHtml } from "../core/welcome.ts";
import type { Database } from "../directory/client.ts";
import type { Sealer } from "../jobs/secrets.ts";
import { type LinkState, linkState, revealPassword } from "../jobs/welcome-delivery.ts";
import type { Logger } from "../logger.ts";

export interface WelcomeRouterDeps {
  db: Database;
  sealer: Sealer;
  clock?: () => Date;
  logger?: Logger;
}

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    // Never cached, never indexed, never sent on as a Referer, no scripts: the page may hold a password.
    .set({
      "cache-control": "no-store",
      pragma: "no-cache",
      "referrer-policy": "no-referrer",
      "x-robots-tag": "noindex, nofollow",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    })
    .type("html")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
        `<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}` +
        `code{font-size:1.4rem;padding:.3rem .5rem;background:#f2f2f2;user-select:all}</style></head>` +
        `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

const GONE: Record<Exclude<LinkState, "valid">, [number, string, string]> = {
  revealed: [
    410,
    "This link has been used",
    "The temporary password was shown once and is no longer available. If it was not you who opened it, tell your IT service desk.",
  ],
  expired: [410, "This link has expired", "Ask your IT service desk for a new temporary password."],
  unknown: [404, "Link not found", "Check that the whole link was copied from the e-mail."],
};

function gone(res: Response, state: Exclude<LinkState, "valid">): void {
  const [status, title, text] = GONE[state];
  page(res, status, title, `<p>${escapeHtml(text)}</p>`);
}

export function createWelcomeRouter(deps: WelcomeRouterDeps): Router {
  const clock = deps.clock ?? (() => new Date());
  const router = express.Router();

  router.get("/:token", async (req, res) => {
    const state = await linkState(deps.db, req.params.token, clock());
    if (state !== "valid") return gone(res, state);
    page(
      res,
      200,
      "Your temporary password",
      "<p>Your temporary password can be shown <strong>once</strong>. Have somewhere to sign in ready, then press the button.</p>" +
        `<form method="post"><button type="submit">Show my password</button></form>`,
    );
  });

  router.post("/:token", async (req, res) => {
    const result = await revealPassword(deps.db, deps.sealer, req.params.token, clock(), {
      ...(req.ip ? { ip: req.ip } : {}),
    });
    if (!result.ok) return gone(res, result.state === "valid" ? "expired" : result.state);
    deps.logger?.info({ user: result.email }, "welcome link used");
    page(
      res,
      200,
      "Your temporary password",
      `<p>Sign in as <strong>${escapeHtml(result.email)}</strong> with this temporary password:</p>` +
        `<p><code>${escapeHtml(result.password)}</code></p>` +
        "<p>This page will not show it again. You will be asked to choose your own password when you sign in.</p>",
    );
  });

  return router;
}
