/**
 * The notification decision (API v1.1 §4, issue 13 item 2), pure: for one message and one recipient, whether
 * and why it notifies them, whether a push goes out now, later or never, which message of a room a
 * subscription is pushed and with what count, and when a pushed notification is taken back (`close`).
 *
 * The facts come from the store (levels, read markers, mention rows, the delivery-and-visibility record of
 * the recipient's streams); this module only decides, so the rules have one home and a table of tests
 * (test/unit/push-decision.test.ts).
 */
import type { MentionReason } from './mentions.ts';
import type { NotificationLevel } from './types.ts';

/** Why a push notifies: `dm` in a DM, else the mention reason (§2), else `all`. */
export type NotifyReason = 'dm' | MentionReason | 'all';

/** What the decision needs to know of a message. */
export interface MessageFacts {
  seq: number;
  authorId: string;
  roomKind: 'room' | 'dm';
  deleted: boolean;
  /** When it was committed (ms since the epoch). */
  committedAt: number;
  /** Why it mentions the recipient (their `mentions` row), or null. */
  mention: MentionReason | null;
}

/** What the decision needs to know of the recipient, now. */
export interface RecipientFacts {
  userId: string;
  level: NotificationLevel;
  /** Their read marker in the message's room. */
  readSeq: number;
  /** Whether the message's `message` event was written to one of their streams while that stream was visible. */
  seenVisible: boolean;
}

/** Whether the message notifies the recipient at all, and why (null: never). */
export function notifyReason(m: Pick<MessageFacts, 'authorId' | 'roomKind' | 'mention'>, u: Pick<RecipientFacts, 'userId' | 'level'>): NotifyReason | null {
  if (m.authorId === u.userId || u.level === 'none') return null;
  if (u.level === 'mentions' && m.mention === null) return null;
  if (m.roomKind === 'dm') return 'dm';
  return m.mention ?? 'all';
}

export type PushDecision =
  | { push: true; reason: NotifyReason }
  /** Not yet: ask again at `at` (ms since the epoch), when the delay has passed. */
  | { push: false; at: number }
  | { push: false; never: 'not_notified' | 'deleted' | 'seen' | 'read' };

/**
 * Whether to push the message to the recipient now (`now`, ms), given the delay (NATTER_PUSH_DELAY_MS). Seen on a
 * visible stream, read, or deleted: never (these only become more true with time). Otherwise it waits out
 * the delay after commit, then pushes.
 */
export function decidePush(m: MessageFacts, u: RecipientFacts, now: number, delayMs: number): PushDecision {
  const reason = notifyReason(m, u);
  if (reason === null) return { push: false, never: 'not_notified' };
  if (m.deleted) return { push: false, never: 'deleted' };
  if (u.seenVisible) return { push: false, never: 'seen' };
  if (u.readSeq >= m.seq) return { push: false, never: 'read' };
  const at = m.committedAt + delayMs;
  if (now < at) return { push: false, at };
  return { push: true, reason };
}

/** One pending message of a room for one subscription: its seq and whether it may be pushed now. */
export interface Pending {
  seq: number;
  decision: PushDecision;
}

/**
 * What one subscription gets for one room now: the newest message whose decision is `push`, with `count` = how
 * many of the room's messages are still pending for it (would notify, not seen, unread, not deleted, the pushed
 * one included). Null when none may be pushed yet. Messages already pushed to this subscription are not passed in.
 */
export function roomPush(pending: readonly Pending[]): { seq: number; count: number } | null {
  const ready = pending.filter((p) => p.decision.push);
  if (ready.length === 0) return null;
  const live = pending.filter((p) => p.decision.push || 'at' in p.decision);
  return { seq: Math.max(...ready.map((p) => p.seq)), count: live.length };
}

/**
 * Whether a subscription that was pushed the room's message `pushedSeq` must get a `close` now: the recipient's
 * read marker reached it, or it was deleted.
 */
export function shouldClose(pushedSeq: number, readSeq: number, pushedDeleted: boolean): boolean {
  return readSeq >= pushedSeq || pushedDeleted;
}

/** The first 120 code points of a text, for a push (empty when NATTER_PUSH_EXCERPT=0). */
export function pushExcerpt(text: string, enabled: boolean): string {
  if (!enabled) return '';
  const points = [...text];
  return points.length > 120 ? points.slice(0, 120).join('') : text;
}
