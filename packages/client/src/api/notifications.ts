/** Web Push subscriptions (v1.1 §4) and the page-visibility report that decides what is pushed. */
import type { PushSubscriptionInfo, PushSubscriptionKeys } from '../types.ts';
import { seg, type Send } from './send.ts';

export class PushApi {
  constructor(private readonly send: Send) {}

  /** The server's VAPID public key (base64url); 404 when it sends no push. */
  key(): Promise<{ public_key: string }> {
    return this.send('GET', '/push/key');
  }
  /** Register (or refresh the keys of) a browser's subscription: `PushSubscription.toJSON()`. */
  subscribe(sub: PushSubscriptionKeys): Promise<{ subscription: PushSubscriptionInfo }> {
    return this.send('POST', '/push/subscriptions', sub);
  }
  /** Yours, oldest first. */
  subscriptions(): Promise<{ subscriptions: PushSubscriptionInfo[] }> {
    return this.send('GET', '/push/subscriptions');
  }
  unsubscribe(id: string): Promise<null> {
    return this.send('DELETE', `/push/subscriptions/${seg(id)}`);
  }
}

export class EventsApi {
  constructor(private readonly send: Send) {}

  /**
   * The page showing stream `streamId` (from its `ready` event) became visible or hidden; `keepalive` so a report
   * made as a tab hides or closes still goes out. 404 when that stream is not open.
   */
  visibility(streamId: string, visible: boolean): Promise<null> {
    return this.send('POST', '/events/visibility', { stream_id: streamId, visible }, { keepalive: true });
  }
}
