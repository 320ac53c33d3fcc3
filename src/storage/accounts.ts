/**
 * The accounts part of the Store seam (store.ts): users, credentials and sign-in sessions.
 */
import type { LogEvent, User } from '../core/types.ts';

/** Result of a change: the value plus the events appended with it (possibly none). */
export interface Changed<T> {
  value: T;
  events: LogEvent[];
}

/** What `createUser` stores. `passwordHash` is null for guests. */
export interface NewUser {
  username: string;
  passwordHash: string | null;
  guest: boolean;
  /**
   * v1.1 §5: whether NATTER_ADMINS names this account (null when it is unset: then the account becomes admin
   * when no active admin exists, the first-admin rule). Guests are never admins.
   */
  admin?: boolean | null;
  /** v1.1 §5: an invite code to use (counted only if the account is created); else ChatError `invalid_invite`. */
  invite?: string;
  /** v1.1 §5 (single sign-on): the display name and the address the identity provider gave, and whether it verified it. */
  displayName?: string | null;
  email?: string | null;
  emailVerified?: boolean;
  /** v1.1 §6: a bot's owner: the account is a bot (kind `bot`, role `member`, never admin). */
  ownerId?: string;
}

/** Accounts and sessions. */
export interface Accounts {
  /** Create an account (and its membership of `general`). Throws `username_taken` (case-insensitive). */
  createUser(input: NewUser): Promise<Changed<User>>;
  /** The user and password hash by username, case-insensitively; null when unknown. */
  findCredentials(username: string): Promise<{ user: User; passwordHash: string | null } | null>;
  /** The user by username, case-insensitively; null when unknown. */
  findUserByName(username: string): Promise<User | null>;
  /** Sign-in sessions (API v1.1 §7). */
  readonly sessions: Sessions;
}

/** A stored session (never its token: only the token's SHA-256 is kept). Times are ISO strings. */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
}

/**
 * Sessions and their lifetimes. The store keeps times; the rules (idle and absolute lifetime,
 * how often use is recorded) are core/auth.ts's.
 */
export interface Sessions {
  /** Store a session under the SHA-256 hash of its token, created and last used now; returns its id. */
  create(userId: string, tokenHash: Buffer, userAgent: string | null): Promise<string>;
  /** The session of a token and its user, or null when the token is unknown or ended. */
  find(tokenHash: Buffer): Promise<{ user: User; session: SessionRecord } | null>;
  /** Record use of the session at `at` (ISO); a missing session is not an error. */
  touch(sessionId: string, at: string): Promise<void>;
  /** The user's sessions, newest first. */
  list(userId: string): Promise<SessionRecord[]>;
  /** Delete the session of this token; returns its id (null when it did not exist). */
  delete(tokenHash: Buffer): Promise<string | null>;
  /** Delete one session of this user; false when the user has no such session. */
  deleteById(userId: string, sessionId: string): Promise<boolean>;
  /** Delete every session of the user except `keepId`; returns the ids deleted. */
  deleteOthers(userId: string, keepId: string): Promise<string[]>;
  /** Delete sessions last used at or before `idleBefore` or created at or before `createdBefore` (ISO); returns what was deleted. */
  deleteExpired(idleBefore: string, createdBefore: string): Promise<{ id: string; userId: string }[]>;
}
