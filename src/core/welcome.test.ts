import { describe, expect, it } from "vitest";
import {
  checkTemplate,
  chooseRecipient,
  DEFAULT_WELCOME_TEMPLATE,
  managerDmText,
  renderWelcome,
  type WelcomeValues,
} from "./welcome.ts";

const values: Omit<WelcomeValues, "credentials"> = {
  name: "Ada Lovelace",
  firstName: "Ada",
  signInName: "ada@corp.example",
  manager: "Grace Boss",
  managerEmail: "boss@corp.example",
  startDate: "2026-11-09",
  link: "https://bulkusers.example/welcome/tok_123",
  linkExpires: "2026-11-05T09:00Z",
  password: "",
};

describe("renderWelcome", () => {
  it("fills the default template with the hire's details and the one-time link", () => {
    const mail = renderWelcome(DEFAULT_WELCOME_TEMPLATE, values);
    expect(mail.subject).toBe("Welcome, Ada: your account is ready");
    expect(mail.text).toBe(
      [
        "Hello Ada,",
        "",
        "Your account has been created. You sign in as ada@corp.example.",
        "Your first day is 2026-11-09.",
        "Your manager is Grace Boss.",
        "",
        "Open this link to see your temporary password. It works once, until 2026-11-05T09:00Z:",
        "https://bulkusers.example/welcome/tok_123",
        "",
        "You will be asked to choose your own password when you first sign in.",
        "",
      ].join("\n"),
    );
    expect(mail.html).toContain('Open <a href="https://bulkusers.example/welcome/tok_123">this link</a>');
  });

  it("drops sections whose value is empty", () => {
    const mail = renderWelcome(DEFAULT_WELCOME_TEMPLATE, { ...values, manager: "", startDate: "" });
    expect(mail.text).not.toContain("manager");
    expect(mail.text).not.toContain("first day");
    expect(mail.text).not.toMatch(/\n\n\n/);
  });

  it("escapes values in the HTML body and keeps the subject on one line", () => {
    const mail = renderWelcome(
      { ...DEFAULT_WELCOME_TEMPLATE, subject: "Hi {{name}}" },
      { ...values, name: "<b>Evil</b>\r\nBcc: x@y.z", firstName: "<script>" },
    );
    expect(mail.html).toContain("Hello &lt;script&gt;,");
    expect(mail.html).not.toContain("<script>");
    expect(mail.subject).toBe("Hi <b>Evil</b> Bcc: x@y.z");
  });

  it("puts the password in when the organisation chose that", () => {
    const mail = renderWelcome(DEFAULT_WELCOME_TEMPLATE, {
      ...values,
      link: "",
      linkExpires: "",
      password: "Xy7#abc",
    });
    expect(mail.text).toContain("Your temporary password: Xy7#abc");
    expect(mail.html).toContain("<code>Xy7#abc</code>");
  });
});

describe("checkTemplate", () => {
  it("accepts the default template in both modes", () => {
    expect(checkTemplate(DEFAULT_WELCOME_TEMPLATE, "link")).toEqual([]);
    expect(checkTemplate(DEFAULT_WELCOME_TEMPLATE, "password")).toEqual([]);
  });

  it("names unknown placeholders, unclosed sections, a password in the subject and a body without credentials", () => {
    expect(
      checkTemplate(
        {
          subject: "Your password {{password}}",
          text: "Hi {{nmae}} {{#manager}}x",
          html: "<p>{{password}}</p>",
        },
        "link",
      ),
    ).toEqual([
      "the text uses {{nmae}}, which is not a placeholder (use name, firstName, signInName, manager, managerEmail, startDate, link, linkExpires, password, credentials)",
      "the text never closes {{#manager}}",
      "the subject must not carry the password (subjects show in notifications and logs)",
      "the text body needs {{credentials}} or {{link}} (how the hire signs in)",
      "the html body needs {{credentials}} or {{link}} (how the hire signs in)",
    ]);
  });
});

describe("chooseRecipient", () => {
  it("prefers the personal address, then the manager, else says why nobody", () => {
    expect(
      chooseRecipient({
        signInName: "a@corp",
        personalEmail: "a@home.example",
        managerEmail: "m@corp.example",
      }),
    ).toEqual({ kind: "personal", address: "a@home.example" });
    expect(
      chooseRecipient({ signInName: "a@corp", personalEmail: "", managerEmail: "m@corp.example" }),
    ).toEqual({
      kind: "manager",
      address: "m@corp.example",
    });
    expect(chooseRecipient({ signInName: "a@corp", personalEmail: null, managerEmail: null })).toEqual({
      kind: "none",
      reason: "no personal e-mail in the file and no manager",
    });
  });

  it("takes the first valid address of an Entra otherMails list, never the new mailbox itself", () => {
    expect(
      chooseRecipient({
        signInName: "a@corp.example",
        personalEmail: "bad; a@home.example",
        managerEmail: null,
      }),
    ).toEqual({ kind: "personal", address: "a@home.example" });
    expect(
      chooseRecipient({ signInName: "a@corp.example", personalEmail: "A@corp.example", managerEmail: null }),
    ).toEqual({
      kind: "none",
      reason: "the personal e-mail 'A@corp.example' is not a usable address and there is no manager",
    });
  });
});

describe("managerDmText", () => {
  it("says the account is ready and where the instructions went", () => {
    expect(
      managerDmText({
        name: "Ada Lovelace",
        signInName: "ada@corp.example",
        startDate: "",
        recipient: { kind: "none", reason: "x" },
      }),
    ).toBe(
      "The account of Ada Lovelace is ready: they sign in as ada@corp.example. No welcome e-mail could be sent; please give them their sign-in instructions.",
    );
  });
});
