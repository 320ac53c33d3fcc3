/**
 * The single sign-on part of the Store seam (store.ts; API v1.1 §5 "Single sign-on (OIDC)"): which account an
 * identity of an OpenID provider, (`iss`, `sub`), is linked to, and the account a verified email address names.
 * Implementations: sqlite/oidc.ts, postgres/oidc.ts (mirrors). One identity belongs to at most one account (the
 * table's key is (iss, sub)); an account may hold several.
 */
import { ChatError } from '../core/errors.ts';
import type { User } from '../core/types.ts';
import type { Changed, NewUser } from './accounts.ts';

export interface OidcStore {
  /** The account linked to (iss, sub), or null. */
  linkedUser(iss: string, sub: string): Promise<User | null>;
  /**
   * Link (iss, sub) to `userId` unless it is linked already; returns the account it is linked to now (another
   * account when it was linked before, or by a racing sign-in).
   */
  link(iss: string, sub: string, userId: string): Promise<User>;
  /**
   * Active accounts (neither guests nor bots) whose verified email equals `email` (case-insensitively), at most
   * `limit`: the caller links only when there is exactly one.
   */
  usersByVerifiedEmail(email: string, limit: number): Promise<User[]>;
  /**
   * Create an account (as `Accounts.createUser`: membership of `general`, the role rule) and link (iss, sub) to it,
   * in one transaction. Throws ChatError `username_taken`, or `conflict` (see `linkTaken`) when (iss, sub) was
   * linked meanwhile: then nothing is created.
   */
  createLinked(input: NewUser, iss: string, sub: string): Promise<Changed<User>>;
}

/** Thrown by `createLinked` when the identity got linked by another sign-in first. */
export const linkTaken = (): ChatError => new ChatError('conflict', 'this identity is linked to an account already');
