/**
 * Accounts and sessions: register, login, guest, logout, and resolving a token.
 * Passwords are hashed with argon2id; tokens are 32 random bytes shown once to the
 * client and stored only as their SHA-256 hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Accounts } from '../storage/store.ts';
import { ChatError, invalid } from './errors.ts';
import type { LogEvent, User } from './types.ts';
import { checkNewUsername, isUsername, PASSWORD_MAX, PASSWORD_MIN } from './validate.ts';

// Algorithm.Argon2id is an ambient const enum, which verbatimModuleSyntax cannot read; its value is 2.
const ARGON = { algorithm: 2 } as const;

/** The authenticated caller of a request or stream. */
export interface Session {
  user: User;
  sessionId: string;
}

export interface AuthResult {
  user: User;
  token: string;
}

/** SHA-256 of a session token: the only form in which tokens are stored. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export class Auth {
  /** A real argon2id hash of a random password: unknown usernames are verified against it so they cost the same time. */
  private readonly decoy: Promise<string>;

  constructor(
    private readonly store: Accounts,
    private readonly publish: (events: LogEvent[]) => void,
    private readonly opts: { guests: boolean },
  ) {
    this.decoy = hash(randomBytes(16).toString('hex'), ARGON);
  }

  async register(username: string, password: string): Promise<AuthResult> {
    checkNewUsername(username);
    if ([...password].length < PASSWORD_MIN || [...password].length > PASSWORD_MAX) {
      throw invalid(`password: ${PASSWORD_MIN}-${PASSWORD_MAX} characters`);
    }
    return this.createAccount(username, await hash(password, ARGON), false);
  }

  async guest(username: string): Promise<AuthResult> {
    if (!this.opts.guests) throw new ChatError('guests_disabled', 'guest sessions are disabled on this server');
    checkNewUsername(username);
    return this.createAccount(username, null, true);
  }

  /** Unknown user, guest account and wrong password all take one argon2 verify and give the same error. */
  async login(username: string, password: string): Promise<AuthResult> {
    const found = isUsername(username) ? await this.store.findCredentials(username) : null;
    const stored = found?.passwordHash ?? (await this.decoy);
    const ok = await verify(stored, password).catch(() => false);
    if (!found || found.passwordHash === null || !ok) throw new ChatError('invalid_credentials', 'wrong username or password');
    return { user: found.user, token: await this.newSession(found.user.id) };
  }

  /** Delete the session of this token; returns its id so its open streams can be ended. */
  async logout(token: string): Promise<string | null> {
    return this.store.deleteSession(hashToken(token));
  }

  /** The session of a token, or null. */
  async resolve(token: string): Promise<Session | null> {
    if (token.length === 0 || token.length > 128) return null;
    return this.store.findSession(hashToken(token));
  }

  private async createAccount(username: string, passwordHash: string | null, guest: boolean): Promise<AuthResult> {
    const { value: user, events } = await this.store.createUser({ username, passwordHash, guest });
    this.publish(events);
    return { user, token: await this.newSession(user.id) };
  }

  private async newSession(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.store.createSession(userId, hashToken(token));
    return token;
  }
}
