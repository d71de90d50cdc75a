// The SMTP adapter: nodemailer behind a small interface that says what the delivery code needs to know
// about a failure — may it be tried again (the server did not take the message: 4xx, connection refused
// or lost before the message was accepted), or is it a bounce (5xx: the address is refused for good).
import nodemailer from "nodemailer";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type SendOutcome = { ok: true; messageId: string } | { ok: false; permanent: boolean; reason: string };

export interface Mailer {
  send(mail: OutgoingMail): Promise<SendOutcome>;
  close(): void;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** A nodemailer error as an outcome: 5xx answers are bounces, everything else may be retried. */
export function classifySmtpError(error: unknown): { permanent: boolean; reason: string } {
  const e = (error ?? {}) as SmtpError;
  const answer = e.response?.trim() || e.message || String(error);
  if (typeof e.responseCode === "number" && e.responseCode >= 500) {
    return { permanent: true, reason: answer };
  }
  return { permanent: false, reason: e.code ? `${e.code}: ${answer}` : answer };
}

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:587`, `smtps://…:465` (nodemailer's URL form; `?secure=…` etc. allowed). */
  url: string;
  /** The From header, e.g. `IT <it@example.com>`. */
  from: string;
}

export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const transport = nodemailer.createTransport({
    url: options.url,
    // Fail a dead server in seconds, not nodemailer's minutes: the row is retried later anyway.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({ from: options.from, ...mail });
        return { ok: true, messageId: String(info.messageId ?? "") };
      } catch (error) {
        return { ok: false, ...classifySmtpError(error) };
      }
    },
    close() {
      transport.close();
    },
  };
}
