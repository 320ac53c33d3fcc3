/**
 * Web Push subscriptions (API v1.1 §4): the VAPID key pair (made at the first start of any node and kept in
 * the database, so every node signs with the same one), and users' subscriptions: validated, owned by the
 * session that made them, at most PUSH_SUBSCRIPTIONS_MAX per user.
 *
 * Sending (the delivery worker) builds on this and on core/push-decision.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Session } from './auth.ts';
import { ChatError, notFound } from './errors.ts';
import type { PushStore, PushSubscriptionRecord } from '../storage/push.ts';
import type { User } from './types.ts';

/** Subscriptions per user (API v1.1 Limits); the oldest is dropped beyond. */
export const PUSH_SUBSCRIPTIONS_MAX = 20;
export const ENDPOINT_MAX = 2048;

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** A subscription as the API shows it. */
export interface SubscriptionView {
  id: string;
  endpoint: string;
  created_at: string;
}

export interface PushOptions {
  /** NATTER_PUSH. */
  enabled: boolean;
  /** Whether an `http:` endpoint on this host may be used (NATTER_FETCH_ALLOW; otherwise only `https:`). */
  plainHttpAllowed: (url: URL) => boolean;
}

const invalidSubscription = (why: string): ChatError => new ChatError('invalid_subscription', why);

/** Bytes of a base64url string (padding allowed), or null when it is not one. */
function base64url(s: unknown): Buffer | null {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(s)) return null;
  return Buffer.from(s.replace(/=+$/, ''), 'base64url');
}

/** The parts of a `PushSubscription.toJSON()` body, checked; throws 400 invalid_subscription. */
export function checkSubscription(body: unknown, plainHttpAllowed: (url: URL) => boolean): { endpoint: string; p256dh: string; auth: string } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { endpoint?: unknown; keys?: unknown };
  const endpoint = b.endpoint;
  if (typeof endpoint !== 'string' || endpoint.length === 0 || endpoint.length > ENDPOINT_MAX) {
    throw invalidSubscription(`endpoint: a URL of at most ${ENDPOINT_MAX} characters`);
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidSubscription('endpoint: not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && plainHttpAllowed(url))) throw invalidSubscription('endpoint: must be https');
  const keys = (typeof b.keys === 'object' && b.keys !== null ? b.keys : {}) as { p256dh?: unknown; auth?: unknown };
  const p256dh = base64url(keys.p256dh);
  if (!p256dh || p256dh.length !== 65 || p256dh[0] !== 0x04) throw invalidSubscription('keys.p256dh: an uncompressed P-256 point (65 bytes, base64url)');
  const auth = base64url(keys.auth);
  if (!auth || auth.length !== 16) throw invalidSubscription('keys.auth: 16 bytes, base64url');
  return { endpoint, p256dh: keys.p256dh as string, auth: keys.auth as string };
}

const view = (s: PushSubscriptionRecord): SubscriptionView => ({ id: s.id, endpoint: s.endpoint, created_at: s.createdAt });

export class PushSubscriptions {
  private constructor(private readonly store: PushStore, private readonly opts: PushOptions, readonly vapid: VapidKeys) {}

  /** Read the VAPID keys, making and storing them at the first start (one winner when nodes start together). */
  static async open(store: PushStore, opts: PushOptions, makeKeys: () => VapidKeys): Promise<PushSubscriptions> {
    const vapid = JSON.parse(await store.serverKey('vapid', () => JSON.stringify(makeKeys()))) as VapidKeys;
    return new PushSubscriptions(store, opts, vapid);
  }

  /** The VAPID public key; 404 when push is off. */
  publicKey(): string {
    if (!this.opts.enabled) throw notFound('push (NATTER_PUSH=0)');
    return this.vapid.publicKey;
  }

  async subscribe(session: Session, body: unknown): Promise<{ subscription: SubscriptionView; created: boolean }> {
    if (!this.opts.enabled) throw notFound('push (NATTER_PUSH=0)');
    const checked = checkSubscription(body, this.opts.plainHttpAllowed);
    const { subscription, created } = await this.store.subscribe(
      { id: randomBytes(12).toString('base64url'), userId: session.user.id, sessionId: session.sessionId, ...checked },
      PUSH_SUBSCRIPTIONS_MAX,
    );
    return { subscription: view(subscription), created };
  }

  async list(user: User): Promise<SubscriptionView[]> {
    return (await this.store.subscriptions(user.id)).map(view);
  }

  async remove(user: User, id: string): Promise<void> {
    if (!(await this.store.unsubscribe(user.id, id))) throw notFound(`subscription ${id}`);
  }
}
