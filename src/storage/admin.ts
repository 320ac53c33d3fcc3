/**
 * Accounts administration in the store (API v1.1 §5): roles, activation, profiles, passwords and invites.
 * Part of the Store seam (store.ts); implementations: sqlite/admin.ts, postgres/admin.ts (mirrors). Changes that
 * users see append a `user_updated` event (room 0: every stream) in the same transaction.
 */
import type { Changed } from './accounts.ts';
import type { OwnUser, User, UserRef } from '../core/types.ts';

/** What an admin may change of a user (absent: unchanged). */
export interface UserPatch {
  active?: boolean;
  role?: 'admin' | 'member';
  /** Set by an admin: verified. */
  email?: string | null;
}

export interface InviteRecord {
  code: string;
  maxUses: number;
  uses: number;
  expiresAt: string;
  createdBy: UserRef;
  createdAt: string;
}

export interface AdminStore {
  /** NATTER_ADMINS at start: make those accounts admins; unset (null): with no active admin, the oldest active non-guest becomes one. */
  applyAdmins(usernames: string[] | null): Promise<Changed<null>>;
  /** Accounts whose username starts with `prefix` (case-insensitively), by username_key after `afterKey`, with private fields. */
  users(prefix: string, afterKey: string, limit: number): Promise<OwnUser[]>;
  /** One account with its private fields, by username (case-insensitively); null when unknown. */
  user(username: string): Promise<OwnUser | null>;
  /**
   * Change role, activation or email. Throws ChatError `last_admin` when no active admin would remain.
   * Deactivating deletes every session (and so every push subscription) of the user: `ended` lists the sessions.
   */
  updateUser(userId: string, patch: UserPatch): Promise<Changed<OwnUser> & { ended: string[] }>;
  /**
   * Change the display name and/or the avatar (an upload id, already checked by the caller, or null). A replaced
   * avatar's upload is deleted (404 at once) and its bytes join the dead files: `oldAvatar` names it.
   */
  setProfile(userId: string, patch: { displayName?: string | null; avatarId?: string | null }): Promise<Changed<User> & { oldAvatar: string | null }>;
  /** The password hash of an account (null: none, e.g. single sign-on only); undefined when unknown. */
  passwordHash(userId: string): Promise<string | null | undefined>;
  /** Store a new password hash and end every other session of the user; returns the sessions ended. */
  setPassword(userId: string, hash: string, keepSessionId: string): Promise<string[]>;
  createInvite(invite: { code: string; maxUses: number; expiresAt: string; createdBy: string }): Promise<InviteRecord>;
  /** Invites still usable at `now` (ISO), newest first. */
  invites(now: string): Promise<InviteRecord[]>;
  /** Every room's name except DMs, by name. */
  roomNames(): Promise<string[]>;
  /** Stop an invite at once; false when it is unknown or revoked already. */
  revokeInvite(code: string): Promise<boolean>;
}

/** The public fields of your own user (what everyone else sees). */
export function publicUser(u: OwnUser): User {
  const { email: _e, email_verified: _v, email_notifications: _n, ...user } = u;
  return user;
}
