// Welcome messages, the pure part: who receives one, and what it says. The template is the
// organisation's (editable, stored in settings); this module checks it and fills it in.
//
// Placeholders are `{{name}}`; a section `{{#name}}…{{/name}}` is kept only when that value is not empty
// (so "Your manager is …" disappears for a hire without one). Values are inserted as text: in the HTML
// body they are escaped, so a display name can never inject markup.

export const WELCOME_PLACEHOLDERS = [
  "name",
  "firstName",
  "signInName",
  "manager",
  "managerEmail",
  "startDate",
  "link",
  "linkExpires",
  "password",
  "credentials",
] as const;
export type WelcomePlaceholder = (typeof WELCOME_PLACEHOLDERS)[number];
export type WelcomeValues = Record<WelcomePlaceholder, string>;

export interface WelcomeTemplate {
  subject: string;
  text: string;
  html: string;
}

/** How the hire gets the temporary password: a one-time link (default) or the password itself. */
export type CredentialMode = "link" | "password";

export const DEFAULT_WELCOME_TEMPLATE: WelcomeTemplate = {
  subject: "Welcome, {{firstName}}: your account is ready",
  text: [
    "Hello {{firstName}},",
    "",
    "Your account has been created. You sign in as {{signInName}}.",
    "{{#startDate}}Your first day is {{startDate}}.{{/startDate}}",
    "{{#manager}}Your manager is {{manager}}.{{/manager}}",
    "",
    "{{credentials}}",
    "",
    "You will be asked to choose your own password when you first sign in.",
  ].join("\n"),
  html: [
    "<p>Hello {{firstName}},</p>",
    "<p>Your account has been created. You sign in as <strong>{{signInName}}</strong>.</p>",
    "{{#startDate}}<p>Your first day is {{startDate}}.</p>{{/startDate}}",
    "{{#manager}}<p>Your manager is {{manager}}.</p>{{/manager}}",
    "<p>{{credentials}}</p>",
    "<p>You will be asked to choose your own password when you first sign in.</p>",
  ].join("\n"),
};

const TAG = /\{\{\s*([#/]?)([A-Za-z]+)\s*\}\}/g;
const SECTION = /\{\{#([A-Za-z]+)\}\}([\s\S]*?)\{\{\/\1\}\}/g;

function isPlaceholder(name: string): name is WelcomePlaceholder {
  return (WELCOME_PLACEHOLDERS as readonly string[]).includes(name);
}

/** Problems with a template, in words an admin can act on; empty when it can be used. */
export function checkTemplate(template: WelcomeTemplate, mode: CredentialMode): string[] {
  const problems: string[] = [];
  for (const part of ["subject", "text", "html"] as const) {
    const body = template[part];
    if (!body.trim()) problems.push(`the ${part} is empty`);
    const open: string[] = [];
    for (const [, kind, name] of body.matchAll(TAG)) {
      if (!isPlaceholder(name!)) {
        problems.push(
          `the ${part} uses {{${name}}}, which is not a placeholder (use ${WELCOME_PLACEHOLDERS.join(", ")})`,
        );
      } else if (kind === "#") open.push(name!);
      else if (kind === "/" && open.pop() !== name) problems.push(`the ${part} closes {{/${name}}} unopened`);
    }
    if (open.length) problems.push(`the ${part} never closes {{#${open.join("}}, {{#")}}}`);
  }
  if (/\{\{\s*#?\/?\s*(password|credentials)\s*\}\}/.test(template.subject)) {
    problems.push("the subject must not carry the password (subjects show in notifications and logs)");
  }
  // Every message must tell the hire how to sign in, in each body.
  const needed = mode === "link" ? ["credentials", "link"] : ["credentials", "password"];
  for (const part of ["text", "html"] as const) {
    if (!needed.some((name) => new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`).test(template[part]))) {
      problems.push(`the ${part} body needs {{${needed[0]}}} or {{${needed[1]}}} (how the hire signs in)`);
    }
  }
  return problems;
}

export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function fill(body: string, values: WelcomeValues, html: boolean): string {
  const withSections = body.replace(SECTION, (_all, name: string, inner: string) =>
    isPlaceholder(name) && values[name] !== "" ? inner : "",
  );
  return withSections.replace(TAG, (_all, kind: string, name: string) => {
    if (kind || !isPlaceholder(name)) return "";
    if (!html) return values[name];
    if (name === "credentials") return credentialsHtml(values);
    if (name === "link" && values.link)
      return `<a href="${escapeHtml(values.link)}">${escapeHtml(values.link)}</a>`;
    return escapeHtml(values[name]);
  });
}

/** The sentence behind {{credentials}}, as text. */
export function credentialsText(values: Pick<WelcomeValues, "link" | "linkExpires" | "password">): string {
  if (values.link) {
    return `Open this link to see your temporary password. It works once, until ${values.linkExpires}:\n${values.link}`;
  }
  return `Your temporary password: ${values.password}`;
}

function credentialsHtml(values: WelcomeValues): string {
  if (values.link) {
    const href = escapeHtml(values.link);
    return `Open <a href="${href}">this link</a> to see your temporary password. It works once, until ${escapeHtml(values.linkExpires)}.`;
  }
  return `Your temporary password: <code>${escapeHtml(values.password)}</code>`;
}

export interface RenderedWelcome {
  subject: string;
  text: string;
  html: string;
}

/** Fills the template; blank lines left by empty sections are collapsed in the text body. */
export function renderWelcome(
  template: WelcomeTemplate,
  input: Omit<WelcomeValues, "credentials">,
): RenderedWelcome {
  const values: WelcomeValues = { ...input, credentials: credentialsText(input) };
  return {
    // A subject is one line: a newline in a name must not start a new header.
    subject: fill(template.subject, values, false)
      .replace(/[\r\n]+/g, " ")
      .trim(),
    text: `${fill(template.text, values, false)
      .replace(/\n{3,}/g, "\n\n")
      .trim()}\n`,
    html: fill(template.html, values, true),
  };
}

const EMAIL = /^[^\s@;,<>"]+@[^\s@;,<>"]+\.[^\s@;,<>"]+$/;

export type Recipient = { kind: "personal" | "manager"; address: string } | { kind: "none"; reason: string };

/**
 * Where the welcome goes: the hire's own (personal / secondary) address from the file, else the manager,
 * else nobody, with the reason the results give. Entra's `otherMails` may list several: the first valid.
 */
export function chooseRecipient(input: {
  signInName: string;
  personalEmail: string | null | undefined;
  managerEmail: string | null | undefined;
}): Recipient {
  const candidates = (input.personalEmail ?? "")
    .split(/[;,\s]+/)
    .map((value) => value.trim())
    .filter(Boolean);
  const own = candidates.find((value) => EMAIL.test(value));
  // The sign-in name is the mailbox that does not exist yet: never a valid destination.
  if (own && own.toLowerCase() !== input.signInName.toLowerCase()) {
    return { kind: "personal", address: own };
  }
  if (input.managerEmail) return { kind: "manager", address: input.managerEmail };
  if (candidates.length > 0) {
    return {
      kind: "none",
      reason: `the personal e-mail '${candidates.join("; ")}' is not a usable address and there is no manager`,
    };
  }
  return { kind: "none", reason: "no personal e-mail in the file and no manager" };
}

/** The manager's Slack DM: that the account is ready — never the password. */
export function managerDmText(input: {
  name: string;
  signInName: string;
  recipient: Recipient;
  startDate: string;
}): string {
  const start = input.startDate ? ` (starting ${input.startDate})` : "";
  const how =
    input.recipient.kind === "personal"
      ? `Sign-in instructions went to their personal address ${input.recipient.address}.`
      : input.recipient.kind === "manager"
        ? "The sign-in instructions were e-mailed to you: please pass them on."
        : "No welcome e-mail could be sent; please give them their sign-in instructions.";
  return `The account of ${input.name}${start} is ready: they sign in as ${input.signInName}. ${how}`;
}
