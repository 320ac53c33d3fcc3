/**
 * The email part of the Store seam (store.ts; API v1.1 §4 "Email"): a user's address and its verification, and
 * the durable work of the digest worker (core/email-digest.ts). Implementations: sqlite/email.ts,
 * postgres/email.ts (mirrors).
 *
 * Exactly once, like Web Push (push-work.ts): the worker's log cursor moves in the same transaction that records
 * the messages it decided (a compare-and-set, so of nodes deciding together one wins); a user's next digest is
 * claimed by one node at a time (a claim that outlives a dead node expires), and its messages are marked mailed
 * in the transaction that records the send. Times here are milliseconds since the epoch.
 */
import type { MentionReason } from '../core/mentions.ts';
import type { NotificationLevel } from '../core/types.ts';

/** A user's private email fields. */
export interface EmailSettings {
  email: string | null;
  verified: boolean;
  notifications: boolean;
}

/** A verification token to store with a new address: only its SHA-256 is kept. */
export interface NewToken {
  hash: Buffer;
  at: number;
}

/** A member who may be mailed a message: verified address, email notifications on, not its author. */
export interface EmailTarget {
  userId: string;
  roomKind: 'room' | 'dm';
  level: NotificationLevel;
  readSeq: number;
  /** Why the message mentions them (their `mentions` row), or null. */
  mention: MentionReason | null;
}

/** A message decided for a user's next digest. */
export interface NewPending {
  userId: string;
  roomId: number;
  seq: number;
  reason: 'dm' | 'user' | 'reply';
  /** When the message was committed. */
  committedAt: number;
}

/** One message of a claimed digest, read when claimed. */
export interface DigestItem {
  roomId: number;
  seq: number;
  reason: 'dm' | 'user' | 'reply';
  room: string;
  roomKind: 'room' | 'dm';
  author: string;
  /** The message's current text. */
  text: string;
  /** Read, deleted or no longer a member since it was decided: it is dropped, not mailed. */
  stale: boolean;
}

/** A user's claimed digest: where to send it (null when the address is gone, unverified or turned off) and what. */
export interface Digest {
  userId: string;
  username: string;
  to: string | null;
  /** Failed sends so far (for the backoff). */
  attempts: number;
  items: DigestItem[];
}

/** A message of a digest, by room and seq. */
export type DigestKey = Pick<DigestItem, 'roomId' | 'seq'>;

export interface EmailStore {
  /** The user's email fields (no address, unverified, notifications on for an unknown user). */
  settings(userId: string): Promise<EmailSettings>;
  /**
   * Change the address (`email`; unverified from now on, and every earlier token of the user deleted, `token`
   * stored when given) and/or `notifications`; an absent field stays as it is. Returns the fields now.
   */
  update(userId: string, patch: { email?: string | null; notifications?: boolean }, token?: NewToken): Promise<EmailSettings>;
  /**
   * Verify the user's address with the token of this hash: it must be the user's, for the current address,
   * made at or after `notBefore`. Then the address is verified and the user's tokens deleted; null otherwise.
   */
  verify(userId: string, hash: Buffer, notBefore: number): Promise<EmailSettings | null>;

  /** The worker's position in the log, starting at `initial` the first time it is asked. */
  cursor(name: string, initial: number): Promise<number>;
  /** The room's members but the author who have a verified address and email notifications on. */
  targets(roomId: number, messageId: string, authorId: string): Promise<EmailTarget[]>;
  /** If the cursor is still `from`, move it to `to` and record `pending` (once each); false when another node moved it first. */
  enqueue(name: string, from: number, to: number, pending: NewPending[]): Promise<boolean>;
  /**
   * Claim, for `claimMs`, the digests of up to `limit` users whose last digest went out at or before `lastBefore`,
   * with a pending message committed at or before `readyBefore` and no live claim elsewhere; each with at most
   * `maxItems` pending messages, oldest first.
   */
  claim(opts: { now: number; lastBefore: number; readyBefore: number; claimMs: number; limit: number; maxItems: number }): Promise<Digest[]>;
  /**
   * The digest was sent with `mailed` (empty: nothing was sent): mark them mailed, forget `dropped`, and when
   * something was mailed, record `now` as the user's last digest. The claim ends.
   */
  finish(userId: string, mailed: DigestKey[], dropped: DigestKey[], now: number): Promise<void>;
  /** The send failed: keep everything pending and let no node try again before `at`. */
  retry(userId: string, at: number): Promise<void>;
}

/** How long a mailed message is remembered (so that it is never queued twice), after which it is pruned. */
export const MAILED_KEEP_MS = 86_400_000;

/** A row of `settings` (both stores). */
export interface SettingsRow {
  email: string | null;
  email_verified: number | boolean;
  email_notifications: number | boolean;
}

export const toSettings = (r: SettingsRow | undefined): EmailSettings =>
  r ? { email: r.email, verified: Boolean(r.email_verified), notifications: Boolean(r.email_notifications) } : { email: null, verified: false, notifications: true };

/** A row of `targets` (both stores). */
export interface EmailTargetRow {
  user_id: number | string;
  kind: 'room' | 'dm';
  level: NotificationLevel;
  read_seq: number;
  mention: MentionReason | null;
}

export const toEmailTarget = (r: EmailTargetRow): EmailTarget => ({
  userId: String(r.user_id), roomKind: r.kind, level: r.level, readSeq: Number(r.read_seq), mention: r.mention,
});

/** A row of a claimed digest's items (both stores). */
export interface DigestItemRow {
  room_id: number;
  seq: number;
  reason: 'dm' | 'user' | 'reply';
  room: string;
  kind: 'room' | 'dm';
  author: string | null;
  text: string | null;
  stale: number | boolean;
}

export const toDigestItem = (r: DigestItemRow): DigestItem => ({
  roomId: Number(r.room_id), seq: Number(r.seq), reason: r.reason, room: r.room, roomKind: r.kind,
  author: r.author ?? '', text: r.text ?? '', stale: Boolean(r.stale),
});

/** The recipient row of a claimed digest (both stores). */
export interface RecipientRow {
  username: string;
  email: string | null;
  email_verified: number | boolean;
  email_notifications: number | boolean;
  attempts: number;
}

export const toDigest = (userId: string, r: RecipientRow, items: DigestItemRow[]): Digest => ({
  userId, username: r.username, attempts: Number(r.attempts), items: items.map(toDigestItem),
  to: r.email !== null && Boolean(r.email_verified) && Boolean(r.email_notifications) ? r.email : null,
});
