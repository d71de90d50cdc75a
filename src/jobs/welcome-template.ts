// The organisation's welcome template, kept in `settings` (one JSON value) so an admin edits it with
// `bulkusers welcome-template` without a redeploy; the built-in one applies until then.
import { eq } from "drizzle-orm";
import {
  type CredentialMode,
  checkTemplate,
  DEFAULT_WELCOME_TEMPLATE,
  type WelcomeTemplate,
} from "../core/welcome.ts";
import type { Database } from "../directory/client.ts";
import { settings } from "../directory/schema.ts";

const KEY = "welcome_template";

export async function loadWelcomeTemplate(
  db: Pick<Database, "select">,
): Promise<{ template: WelcomeTemplate; custom: boolean }> {
  const [row] = await db.select().from(settings).where(eq(settings.key, KEY));
  if (!row) return { template: DEFAULT_WELCOME_TEMPLATE, custom: false };
  const stored = JSON.parse(row.value) as Partial<WelcomeTemplate>;
  return { template: { ...DEFAULT_WELCOME_TEMPLATE, ...stored }, custom: true };
}

/** Stores the template after checking it; the problems are returned (and nothing stored) when it is unusable. */
export async function saveWelcomeTemplate(
  db: Database,
  template: WelcomeTemplate,
  mode: CredentialMode,
): Promise<string[]> {
  const problems = checkTemplate(template, mode);
  if (problems.length) return problems;
  const value = JSON.stringify(template);
  await db.insert(settings).values({ key: KEY, value }).onConflictDoUpdate({
    target: settings.key,
    set: { value },
  });
  return [];
}

export async function resetWelcomeTemplate(db: Database): Promise<void> {
  await db.delete(settings).where(eq(settings.key, KEY));
}
