/**
 * A real SMTP server for tests (the `smtp-server` package on 127.0.0.1, plain SMTP: no TLS, no STARTTLS, no
 * authentication needed) that parses every mail it takes with `mailparser`. Tests wait for mails as signals
 * (`next`), never for time.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/** A received mail. */
export interface Mail {
  /** The envelope recipients (RCPT TO). */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface SmtpService {
  /** `smtp://127.0.0.1:<port>` for NATTER_SMTP_URL. */
  url: string;
  /** Every mail so far, in arrival order. */
  mails(): Mail[];
  /** Mails to `address` so far. */
  to(address: string): Mail[];
  /** Resolve with the first mail (already received or yet to come) matching `pred`; reject after `timeoutMs`. */
  next(pred: (m: Mail) => boolean, what: string, timeoutMs?: number): Promise<Mail>;
  close(): Promise<void>;
}

const addresses = (a: AddressObject | AddressObject[] | undefined): string =>
  (Array.isArray(a) ? a : a ? [a] : []).map((x) => x.text).join(', ');

export async function startSmtpService(): Promise<SmtpService> {
  const mails: Mail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then((parsed) => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          from: addresses(parsed.from),
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          at: Date.now(),
        });
        for (const w of waiters) w();
        callback();
      }, (err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails: () => [...mails],
    to: (address) => mails.filter((m) => m.to.includes(address)),
    next(pred, what, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = mails.find(pred);
          if (!m) return false;
          cleanup();
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; mails: ${JSON.stringify(mails.map((m) => [m.to, m.subject]))}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const waiter = () => void check();
        if (!check()) waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
