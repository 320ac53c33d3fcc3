/**
 * Your email address and its verification (API v1.1 §4 "Email"): the private fields of your own user,
 * `PATCH /users/me` and `POST /users/me/email/verify`. A token is random, mailed once and stored only as its
 * SHA-256; setting an address deletes the earlier tokens, so only the latest token of the current address
 * verifies it, for TOKEN_TTL_MS. Without SMTP (NATTER_SMTP_URL unset) an address can be kept but never verified.
 */
import { randomBytes } from 'node:crypto';
import type { EmailSettings, EmailStore } from '../storage/email.ts';
import { hashToken } from './auth.ts';
import { composeVerification, type SendMail } from './email-compose.ts';
import { ChatError, invalid } from './errors.ts';
import type { OwnUser, User } from './types.ts';

/** The longest address (RFC 5321's path limit less the angle brackets). */
export const EMAIL_MAX = 254;
/** How long a verification token works. */
export const TOKEN_TTL_MS = 86_400_000;

// A sane local@domain: a dot-atom local part (letters of any script allowed) and a domain of at least two labels.
const ATOM = "[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?';
const ADDRESS = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})+$`, 'u');

/** The address as stored (surrounding whitespace removed), or ChatError `invalid_request`. */
export function checkEmail(raw: string): string {
  const email = raw.trim();
  const local = email.slice(0, email.lastIndexOf('@'));
  if (email.length > EMAIL_MAX || [...local].length > 64 || !ADDRESS.test(email)) {
    throw invalid(`email: expected an address like name@example.com of at most ${EMAIL_MAX} characters`);
  }
  return email;
}

/** Your own user: the public fields plus the private email ones. */
export function ownUser(user: User, s: EmailSettings): OwnUser {
  return { ...user, email: s.email, email_verified: s.verified, email_notifications: s.notifications };
}

/** What `PATCH /users/me` may change (absent: unchanged). */
export interface EmailPatch {
  email?: string | null;
  email_notifications?: boolean;
}

export interface EmailAccountOptions {
  /** NATTER_PUBLIC_URL: the origin of the link in the mail. */
  publicUrl: string;
  /** Told when a verification mail could not be sent (the request has answered by then). */
  onError: (what: string, err: unknown) => void;
  /** The clock (tests move it). */
  now?: () => number;
}

export class EmailAccounts {
  private readonly now: () => number;

  /** `send` is null when email is off (NATTER_SMTP_URL unset). */
  constructor(private readonly store: EmailStore, private readonly send: SendMail | null, private readonly opts: EmailAccountOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Whether this server sends email. */
  get enabled(): boolean {
    return this.send !== null;
  }

  /** The user with its private email fields. */
  async own(user: User): Promise<OwnUser> {
    return ownUser(user, await this.store.settings(user.id));
  }

  /**
   * Change the address and/or the email notifications switch. A new address (or the same one while it is
   * unverified) is unverified from now on and gets a verification mail when email is on; the address you have
   * verified already, sent again, changes nothing. `null` removes the address.
   */
  async update(user: User, patch: EmailPatch): Promise<OwnUser> {
    const change: { email?: string | null; notifications?: boolean } = {};
    if (patch.email_notifications !== undefined) change.notifications = patch.email_notifications;
    let token: string | null = null;
    if (patch.email !== undefined) {
      const email = patch.email === null ? null : checkEmail(patch.email);
      const current = await this.store.settings(user.id);
      if (email === null || email !== current.email || !current.verified) {
        change.email = email;
        if (email !== null && this.send) token = randomBytes(24).toString('base64url');
      }
    }
    const settings = await this.store.update(user.id, change, token ? { hash: hashToken(token), at: this.now() } : undefined);
    if (token && change.email) this.mailToken(user, change.email, token);
    return ownUser(user, settings);
  }

  /** Verify the current address with a mailed token; ChatError `invalid_token` when wrong, superseded or over 24 h old. */
  async verify(user: User, token: string): Promise<OwnUser> {
    const settings = token.length > 0 && token.length <= 128
      ? await this.store.verify(user.id, hashToken(token), this.now() - TOKEN_TTL_MS)
      : null;
    if (!settings) throw new ChatError('invalid_token', 'this code is wrong, expired, or not the latest one sent to your current address');
    return ownUser(user, settings);
  }

  /** Sent after the change committed and without waiting: a failure is logged, and setting the address again sends a new token. */
  private mailToken(user: User, email: string, token: string): void {
    this.send!(email, composeVerification(user.username, email, token, this.opts.publicUrl))
      .catch((err: unknown) => this.opts.onError('verification email', err));
  }
}
