// A real SMTP server on loopback for the welcome-message tests (smtp-server), keeping what arrived parsed
// (mailparser). Recipients can be refused for good (550: a bounce) or for now (451: try again later).
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

export interface TestSmtp {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Recipients answered 550 (permanent) on RCPT TO. */
  reject: Set<string>;
  /** Recipient → how many more times it is answered 451 (temporary). */
  deferOnce: Map<string, number>;
  /** Called when a message's data arrived, before it is acknowledged; may delay the answer. */
  beforeAccept?: (mail: ReceivedMail) => Promise<void> | void;
  /** Resolves once `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const smtp: TestSmtp = {
    url: "",
    port: 0,
    received: [],
    reject: new Set(),
    deferOnce: new Map(),
    waitFor(count, timeoutMs = 20_000) {
      if (smtp.received.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${smtp.received.length} of ${count} messages arrived`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      if (smtp.reject.has(to)) {
        const error = Object.assign(new Error("5.1.1 No such user here"), { responseCode: 550 });
        return callback(error);
      }
      const deferrals = smtp.deferOnce.get(to) ?? 0;
      if (deferrals > 0) {
        smtp.deferOnce.set(to, deferrals - 1);
        const error = Object.assign(new Error("4.2.1 Mailbox busy, try later"), { responseCode: 451 });
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          const mail: ReceivedMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            parsed,
          };
          await smtp.beforeAccept?.(mail);
          smtp.received.push(mail);
          for (const w of waiters.splice(0)) {
            if (smtp.received.length >= w.count) w.resolve();
            else waiters.push(w);
          }
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  smtp.port = port;
  smtp.url = `smtp://127.0.0.1:${port}`;
  return smtp;
}
