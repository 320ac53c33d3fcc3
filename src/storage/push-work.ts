/**
 * Web Push delivery in the store (API v1.1 §4, issue 13 item 3): what the decision needs to know, the durable
 * queue of pushes, and the record of what each stream was sent while its page was visible. Part of `PushStore`
 * (push.ts); implementations: sqlite/push-work.ts, postgres/push-work.ts (mirrors).
 *
 * Exactly once: the worker's log cursor moves in the same transaction that queues the pushes it decided (a
 * compare-and-set, so of nodes deciding together one wins); each queued push is claimed by one node at a time
 * and deleted when the push service accepted it. Times are milliseconds since the epoch.
 */
import type { MentionReason } from '../core/mentions.ts';
import type { NotificationLevel } from '../core/types.ts';

/** One subscription of a member who may be notified of a message, with what the decision needs. */
export interface PushTarget {
  userId: string;
  subscriptionId: string;
  roomKind: 'room' | 'dm';
  level: NotificationLevel;
  readSeq: number;
  /** Why the message mentions them (their `mentions` row), or null. */
  mention: MentionReason | null;
  /** Whether a stream of theirs was sent this log position while its page was visible. */
  seen: boolean;
}

/** A push to queue. A `message` merges into an unclaimed queued `message` of the same subscription and room. */
export interface NewPush {
  subscriptionId: string;
  userId: string;
  roomId: number;
  seq: number;
  kind: 'message' | 'close';
  /** The payload without `count` (JSON); `count` is added when it is sent. */
  payload: string;
  count: number;
}

/** A claimed push with where to send it, and (for a `message`) whether it still should go. */
export interface QueuedPush {
  id: number;
  kind: 'message' | 'close';
  seq: number;
  payload: string;
  count: number;
  attempts: number;
  createdAt: number;
  subscription: { id: string; endpoint: string; p256dh: string; auth: string };
  /** The recipient read it or it was deleted since it was queued (a `message` is then dropped). */
  stale: boolean;
}

/** A visible stretch of one stream: positions [fromPos, toPos] were written to it while its page was visible. */
export interface VisibleSpan {
  streamId: string;
  userId: string;
  fromPos: number;
  toPos: number;
}

/** Builds a `close` payload for a room (by name) and the pushed seq. */
export type ClosePayload = (room: string, seq: number) => string;

export interface PushWork {
  /** The worker's position in the log, starting at `initial()` the first time it is asked. */
  cursor(name: string, initial: number): Promise<number>;
  /** Users with at least one subscription (whose streams' visibility is recorded). */
  pushUsers(): Promise<string[]>;
  /** Every subscription of the room's members except the author, for the message at log position `pos`. */
  targets(roomId: number, messageId: string, authorId: string, pos: number): Promise<PushTarget[]>;
  /** If the cursor is still `from`, move it to `to` and queue `pushes` (due now); false when another node moved it first. */
  enqueue(name: string, from: number, to: number, pushes: NewPush[], now: number): Promise<boolean>;
  /** Claim up to `limit` due pushes for `claimMs` (none claimed by a live claim elsewhere). */
  claim(limit: number, now: number, claimMs: number): Promise<QueuedPush[]>;
  /**
   * The push service accepted push `id`: delete it; for a `message`, remember it as the room's pushed one, and
   * when it was read or deleted meanwhile queue its `close` at once.
   */
  delivered(id: number, now: number, close: ClosePayload): Promise<void>;
  /** Try push `id` again at `at` (its claim ends). */
  retry(id: number, at: number): Promise<void>;
  /** Forget push `id` (stale, expired or refused for good). */
  drop(id: number): Promise<void>;
  /** The endpoint is gone (404/410): delete the subscription and everything queued for it. */
  forget(subscriptionId: string): Promise<void>;
  /** The user's read marker in the room reached `readSeq`: queue a `close` for each subscription pushed a message at or below it. */
  closeRead(userId: string, roomId: number, readSeq: number, now: number, close: ClosePayload): Promise<void>;
  /** Message `seq` of the room was deleted: queue a `close` for each subscription it was the pushed one of. */
  closeDeleted(roomId: number, seq: number, now: number, close: ClosePayload): Promise<void>;
  /** Record visible stretches (a stretch already recorded grows to its new end). */
  recordSpans(spans: readonly VisibleSpan[], now: number): Promise<void>;
  /** Delete stretches that end below `pos` and were last written before `before`. */
  pruneSpans(pos: number, before: number): Promise<void>;
}

/** A row of `targets` (both stores). */
export interface TargetRow {
  user_id: number | string;
  subscription_id: string;
  kind: 'room' | 'dm';
  level: NotificationLevel;
  read_seq: number;
  mention: MentionReason | null;
  seen: number | boolean;
}

export const toTarget = (r: TargetRow): PushTarget => ({
  userId: String(r.user_id), subscriptionId: r.subscription_id, roomKind: r.kind, level: r.level,
  readSeq: Number(r.read_seq), mention: r.mention, seen: Boolean(r.seen),
});

/** A row of `claim` (both stores). */
export interface QueuedRow {
  id: number;
  kind: 'message' | 'close';
  seq: number;
  payload: string;
  count: number;
  attempts: number;
  created_at: number;
  subscription_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  stale: number | boolean;
}

export const toQueued = (r: QueuedRow): QueuedPush => ({
  id: Number(r.id), kind: r.kind, seq: Number(r.seq), payload: r.payload, count: Number(r.count), attempts: Number(r.attempts),
  createdAt: Number(r.created_at), subscription: { id: r.subscription_id, endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth },
  stale: Boolean(r.stale),
});
