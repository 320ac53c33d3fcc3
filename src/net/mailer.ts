/**
 * The SMTP driver (API v1.1 §4 "Email"): sends what core/email-compose.ts wrote through nodemailer, to the server
 * of NATTER_SMTP_URL. `smtps://` speaks TLS from the start (port 465 by default); `smtp://` upgrades with STARTTLS
 * whenever the server offers it and stays plain only when it does not (a local relay). The URL may carry
 * `user:pass@` and nodemailer's own query options. One connection per email: digests are rare and small.
 */
import { createTransport } from 'nodemailer';
import type { MailContent, SendMail } from '../core/email-compose.ts';

/** Per step of a send, so that a dead server fails the send well within the digest claim (services.ts). */
const CONNECT_TIMEOUT_MS = 15_000;
const SOCKET_TIMEOUT_MS = 30_000;

export interface Mailer {
  send: SendMail;
  /** Close the transport. Idempotent. */
  close(): void;
}

/** A mailer for `url` (NATTER_SMTP_URL), sending from `from` (NATTER_SMTP_FROM). */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = createTransport({
    url,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  let closed = false;
  return {
    async send(to: string, mail: MailContent) {
      await transport.sendMail({ from, to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close() {
      if (closed) return;
      closed = true;
      transport.close();
    },
  };
}
