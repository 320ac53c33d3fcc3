/**
 * Accounts and sessions: register, login, guest, logout, resolving a token, and the session
 * lifetimes of API v1.1 §7. Passwords are hashed with argon2id; tokens are 32 random bytes shown
 * once to the client and stored only as their SHA-256 hash.
 *
 * Lifetimes: a session ends `idleMs` after its last use or `maxMs` after its creation. Use is
 * recorded at most once per `touchEveryMs` (a quarter of the idle lifetime, at most a minute), so a
 * busy client does not write on every request and the recorded time lags by no more than that.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Accounts, SessionRecord } from '../storage/store.ts';
import type { AdminStore } from '../storage/admin.ts';
import { ChatError, forbidden, invalid, notFound } from './errors.ts';
import { hasPassword } from './rights.ts';
import type { Counters } from './limits.ts';
import type { LogEvent, User } from './types.ts';
import { checkNewUsername, isUsername, PASSWORD_MAX, PASSWORD_MIN } from './validate.ts';

// Algorithm.Argon2id is an ambient const enum, which verbatimModuleSyntax cannot read; its value is 2.
const ARGON = { algorithm: 2 } as const;
/** The longest User-Agent kept with a session. */
const USER_AGENT_MAX = 256;

/** The authenticated caller of a request or stream. */
export interface Session {
  user: User;
  sessionId: string;
}

export interface AuthResult {
  user: User;
  token: string;
}

/** A session as GET /auth/sessions lists it. */
export interface SessionView {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  current: boolean;
}

export interface AuthOptions {
  guests: boolean;
  /** NATTER_REGISTRATION (v1.1 §5); default open. */
  registration?: 'open' | 'invite' | 'closed';
  /** NATTER_ADMINS, lower-cased (null or absent: the first-admin rule). */
  admins?: string[] | null;
  /** Session idle and absolute lifetimes in ms; 0 = none. */
  idleMs: number;
  maxMs: number;
  /** Failed logins allowed per username per window (every node's together when `counters` is shared); null = no throttle. */
  loginFailures: { count: number; windowMs: number } | null;
  counters: Counters;
  /** Told of sessions that ended by expiring, so their open streams end too (on every node). */
  onExpired?: (ended: { id: string; userId: string }[]) => void;
  /** The clock (tests move it). */
  now?: () => number;
}

function checkPassword(password: string): void {
  if ([...password].length < PASSWORD_MIN || [...password].length > PASSWORD_MAX) throw invalid(`password: ${PASSWORD_MIN}-${PASSWORD_MAX} characters`);
}

/** SHA-256 of a session token: the only form in which tokens are stored. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export class Auth {
  /** A real argon2id hash of a random password: unknown usernames are verified against it so they cost the same time. */
  private readonly decoy: Promise<string>;
  private readonly now: () => number;
  /** How often use of a session is written. */
  readonly touchEveryMs: number;

  constructor(
    private readonly store: Accounts & { readonly admin: Pick<AdminStore, 'passwordHash' | 'setPassword'> },
    private readonly publish: (events: LogEvent[]) => void,
    private readonly opts: AuthOptions,
  ) {
    this.decoy = hash(randomBytes(16).toString('hex'), ARGON);
    this.now = opts.now ?? Date.now;
    this.touchEveryMs = opts.idleMs > 0 ? Math.min(60_000, Math.floor(opts.idleMs / 4)) : 60_000;
  }

  async register(username: string, password: string, userAgent?: string, invite?: string): Promise<AuthResult> {
    const code = this.admission(invite);
    checkNewUsername(username);
    checkPassword(password);
    return this.createAccount(username, await hash(password, ARGON), false, userAgent, code);
  }

  async guest(username: string, userAgent?: string, invite?: string): Promise<AuthResult> {
    if (!this.opts.guests) throw new ChatError('guests_disabled', 'guest sessions are disabled on this server');
    const code = this.admission(invite);
    checkNewUsername(username);
    return this.createAccount(username, null, true, userAgent, code);
  }

  /** The registration mode's rule (v1.1 §5): the invite code to use, if any; throws when no account may be made. */
  private admission(invite: string | undefined): string | undefined {
    const mode = this.opts.registration ?? 'open';
    if (mode === 'closed') throw new ChatError('registration_closed', 'registration is closed on this server');
    if (mode === 'open') return undefined;
    if (invite === undefined || invite === '') throw new ChatError('invite_required', 'registration needs an invite on this server');
    return invite;
  }

  /**
   * Change the caller's password (v1.1 §5): every other session of theirs ends (the caller ends their streams
   * through the returned ids). `current` may be omitted when the account has no password (single sign-on).
   * Wrong passwords count against the same per-username throttle as login.
   */
  async changePassword(session: Session, current: string | undefined, next: string): Promise<string[]> {
    if (!hasPassword(session.user)) throw forbidden('guests and bots have no password to change');
    checkPassword(next);
    const key = `login-fail:${session.user.username.toLowerCase()}`;
    await this.throttled(key);
    const stored = await this.store.admin.passwordHash(session.user.id);
    if (stored !== null && !(await verify(stored ?? (await this.decoy), current ?? '').catch(() => false))) {
      if (this.opts.loginFailures) await this.opts.counters.hit(key, this.opts.loginFailures.windowMs);
      throw new ChatError('wrong_password', 'the current password is wrong');
    }
    return this.store.admin.setPassword(session.user.id, await hash(next, ARGON), session.sessionId);
  }

  /** A session for a signed-in account; refused (403 account_deactivated) for a deactivated one. */
  private async activeSession(user: User, userAgent?: string): Promise<AuthResult> {
    if (!user.active) throw new ChatError('account_deactivated', 'this account is deactivated');
    return { user, token: await this.newSession(user.id, userAgent) };
  }

  /** 429 while the username's failure throttle is spent. */
  private async throttled(key: string): Promise<void> {
    const limit = this.opts.loginFailures;
    if (!limit) return;
    const { count, resetMs } = await this.opts.counters.peek(key);
    if (count >= limit.count) {
      const s = Math.max(1, Math.ceil(resetMs / 1000));
      throw new ChatError('rate_limited', `too many failed sign-ins for this username: try again in ${s} s`, s);
    }
  }

  /**
   * Unknown user, guest account and wrong password all take one argon2 verify and give the same error.
   * After `loginFailures.count` failures for one username within the window, that username's logins are
   * refused (429) until the window ends, whatever the address and the password: it stops password guessing
   * spread over many addresses, which the per-address limit cannot see.
   */
  async login(username: string, password: string, userAgent?: string): Promise<AuthResult> {
    const key = `login-fail:${username.toLowerCase()}`;
    const limit = this.opts.loginFailures;
    await this.throttled(key);
    const found = isUsername(username) ? await this.store.findCredentials(username) : null;
    const stored = found?.passwordHash ?? (await this.decoy);
    const ok = await verify(stored, password).catch(() => false);
    if (!found || found.passwordHash === null || !ok) {
      if (limit) await this.opts.counters.hit(key, limit.windowMs);
      throw new ChatError('invalid_credentials', 'wrong username or password');
    }
    if (limit) await this.opts.counters.clear(key);
    // The right password of a deactivated account says so; a wrong one got invalid_credentials above.
    return this.activeSession(found.user, userAgent);
  }

  /** A new session for an account that signed in another way (single sign-on, core/oidc.ts); returns its token. */
  async signIn(user: User, userAgent?: string): Promise<string> {
    return (await this.activeSession(user, userAgent)).token;
  }

  /** Delete the session of this token; returns its id so its open streams can be ended. */
  async logout(token: string): Promise<string | null> {
    return this.store.sessions.delete(hashToken(token));
  }

  /** The live session of a token, or null (unknown, logged out or expired: an expired one is deleted). */
  async resolve(token: string): Promise<Session | null> {
    if (token.length === 0 || token.length > 128) return null;
    const found = await this.store.sessions.find(hashToken(token));
    if (!found || !found.user.active) return null;
    const t = this.now();
    // A bot's token never expires (v1.1 §6).
    if (found.user.kind !== 'bot' && this.expired(found.session, t)) {
      if (await this.store.sessions.deleteById(found.user.id, found.session.id)) this.opts.onExpired?.([{ id: found.session.id, userId: found.user.id }]);
      return null;
    }
    if (t - Date.parse(found.session.lastUsedAt) >= this.touchEveryMs) {
      // Not awaited: recording use must not slow the request, and a failed write is retried by the next request.
      this.store.sessions.touch(found.session.id, new Date(t).toISOString()).catch(() => {});
    }
    return { user: found.user, sessionId: found.session.id };
  }

  /** The caller's live sessions, newest first. */
  async sessionsOf(current: Session): Promise<SessionView[]> {
    const t = this.now();
    return (await this.store.sessions.list(current.user.id))
      .filter((s) => !this.expired(s, t))
      .map((s) => ({ id: s.id, created_at: s.createdAt, last_used_at: s.lastUsedAt, user_agent: s.userAgent, current: s.id === current.sessionId }));
  }

  /** End one of the caller's sessions (404 when it is not theirs). */
  async endSession(current: Session, sessionId: string): Promise<void> {
    if (!(await this.store.sessions.deleteById(current.user.id, sessionId))) throw notFound('session');
  }

  /** End every session of the caller but this one; returns the ids ended. */
  async endOtherSessions(current: Session): Promise<string[]> {
    return this.store.sessions.deleteOthers(current.user.id, current.sessionId);
  }

  /** Delete every expired session (and so end their streams, through `onExpired`). */
  async sweep(): Promise<void> {
    const { idleMs, maxMs } = this.opts;
    if (idleMs === 0 && maxMs === 0) return;
    const t = this.now();
    const before = (ms: number) => new Date(ms > 0 ? t - ms : 0).toISOString();
    const ended = await this.store.sessions.deleteExpired(before(idleMs), before(maxMs));
    if (ended.length > 0) this.opts.onExpired?.(ended);
  }

  private expired(s: SessionRecord, t: number): boolean {
    const { idleMs, maxMs } = this.opts;
    return (idleMs > 0 && t - Date.parse(s.lastUsedAt) >= idleMs) || (maxMs > 0 && t - Date.parse(s.createdAt) >= maxMs);
  }

  private async createAccount(username: string, passwordHash: string | null, guest: boolean, userAgent: string | undefined, invite?: string): Promise<AuthResult> {
    const admin = this.opts.admins ? this.opts.admins.includes(username.toLowerCase()) : null;
    const { value: user, events } = await this.store.createUser({ username, passwordHash, guest, admin, ...(invite !== undefined && { invite }) });
    this.publish(events);
    return { user, token: await this.newSession(user.id, userAgent) };
  }

  private async newSession(userId: string, userAgent: string | undefined): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.store.sessions.create(userId, hashToken(token), userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null);
    return token;
  }
}
