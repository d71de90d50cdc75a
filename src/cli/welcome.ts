// `bulkusers welcome-template`: show or edit the welcome message (subject, text and HTML bodies).
import type { WelcomeTemplate } from "../core/welcome.ts";
import { WELCOME_PLACEHOLDERS } from "../core/welcome.ts";
import { loadWelcomeTemplate, resetWelcomeTemplate, saveWelcomeTemplate } from "../jobs/welcome-template.ts";
import { type CliCommand, EXIT_OK, stringOption } from "./context.ts";
import { readInputFile } from "./operations.ts";

export const welcomeCommands: CliCommand[] = [
  {
    name: "welcome-template",
    usage: 'welcome-template [--subject "…"] [--text body.txt] [--html body.html] [--reset]',
    summary: "Show the welcome e-mail template, or change its subject / text body / HTML body",
    options: {
      subject: { type: "string" },
      text: { type: "string" },
      html: { type: "string" },
      reset: { type: "boolean" },
    },
    async run(ctx) {
      const handle = await ctx.db();
      const subject = stringOption(ctx, "subject");
      const textPath = stringOption(ctx, "text");
      const htmlPath = stringOption(ctx, "html");
      if (ctx.options.reset) {
        if (subject !== undefined || textPath || htmlPath) {
          ctx.usageError("cli.bad_option", "--reset cannot be combined with --subject, --text or --html");
        }
        await resetWelcomeTemplate(handle.db);
      } else if (subject !== undefined || textPath || htmlPath) {
        const { template } = await loadWelcomeTemplate(handle.db);
        const decode = async (path: string) => new TextDecoder().decode(await readInputFile(ctx, path));
        const next: WelcomeTemplate = {
          subject: subject ?? template.subject,
          text: textPath ? await decode(textPath) : template.text,
          html: htmlPath ? await decode(htmlPath) : template.html,
        };
        const mode = ctx.getConfig().mail?.credentials ?? "link";
        const problems = await saveWelcomeTemplate(handle.db, next, mode);
        if (problems.length) {
          ctx.refuse("welcome.bad_template", `The template was not saved: ${problems.join("; ")}.`);
        }
      }
      const { template, custom } = await loadWelcomeTemplate(handle.db);
      ctx.print({ custom, template, placeholders: WELCOME_PLACEHOLDERS }, () =>
        [
          custom ? "Welcome template (edited):" : "Welcome template (built in):",
          `Subject: ${template.subject}`,
          "",
          "--- text ---",
          template.text,
          "",
          "--- html ---",
          template.html,
          "",
          `Placeholders: ${WELCOME_PLACEHOLDERS.map((p) => `{{${p}}}`).join(" ")}; {{#name}}…{{/name}} shows its text only when name is not empty.`,
        ].join("\n"),
      );
      return EXIT_OK;
    },
  },
];
