/**
 * The push part of the Store seam (store.ts; API v1.1 §4): server-wide keys made once (the VAPID key pair, the
 * same on every node) and users' push subscriptions. Implementations: sqlite/push.ts, postgres/push.ts.
 */

/** A stored subscription. */
export interface PushSubscriptionRecord {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  createdAt: string;
}

export interface NewSubscription {
  id: string;
  userId: string;
  /** The session that made it: ending that session deletes it. */
  sessionId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

import type { PushWork } from './push-work.ts';

export interface PushStore {
  /** Delivery: the decision's facts, the queue of pushes, the visible-stream record (push-work.ts). */
  readonly work: PushWork;
  /** The value stored under `name`, storing `make()` first when there is none (one winner when nodes race). */
  serverKey(name: string, make: () => string): Promise<string>;
  /**
   * Store a subscription; an endpoint registered already keeps its id and takes the new keys, user and session
   * (`created` false). Beyond `maxPerUser` subscriptions the user's oldest are dropped.
   */
  subscribe(input: NewSubscription, maxPerUser: number): Promise<{ subscription: PushSubscriptionRecord; created: boolean }>;
  /** The user's subscriptions, oldest first. */
  subscriptions(userId: string): Promise<PushSubscriptionRecord[]>;
  /** Delete one of the user's subscriptions; false when it is not theirs or gone. */
  unsubscribe(userId: string, id: string): Promise<boolean>;
}

/** A `push_subscriptions` row (both stores). */
export interface SubscriptionRow {
  id: string;
  user_id: number | string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: string | Date;
}

export function toSubscription(r: SubscriptionRow): PushSubscriptionRecord {
  const created = r.created_at instanceof Date ? r.created_at.toISOString() : r.created_at;
  return { id: r.id, userId: String(r.user_id), endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth, createdAt: created };
}
