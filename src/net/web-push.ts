/**
 * Sends one Web Push message (API v1.1 §4): encrypted with RFC 8291 `aes128gcm` and signed with VAPID
 * (RFC 8292) by the `web-push` library, which only builds the request here; the request itself goes through
 * the fetch guard (net/fetch-guard.ts), like every server-side fetch.
 */
import webpush from 'web-push';
import type { SendPush } from '../core/push-delivery.ts';
import type { VapidKeys } from '../core/push.ts';
import { guardedFetch, type FetchAllow } from './fetch-guard.ts';

/** A day: how long a push service keeps a message for an offline browser (API v1.1 §4). */
const TTL_S = 86_400;

/** The VAPID `sub` claim: the public origin when it is https, else a mailto: address (push services want one of the two). */
export function vapidSubject(publicUrl: string): string {
  const url = new URL(publicUrl);
  return url.protocol === 'https:' ? url.origin : `mailto:natter@${url.hostname.includes('.') ? url.hostname : 'localhost.localdomain'}`;
}

export function webPushSender(vapid: VapidKeys, subject: string, allow: FetchAllow, timeoutMs: number): SendPush {
  return async (sub, payload, topic) => {
    const req = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, payload, {
      vapidDetails: { subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      TTL: TTL_S,
      urgency: 'high',
      topic,
      contentEncoding: 'aes128gcm',
    });
    const headers: Record<string, string> = { 'user-agent': 'Natter (Web Push)' };
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = String(v);
    const res = await guardedFetch(req.endpoint, {
      method: 'POST',
      headers,
      body: req.body ?? Buffer.alloc(0),
      allow,
      timeoutMs,
      maxRedirects: 0,
      maxBytes: 16 * 1024,
      truncate: true,
    });
    const retryAfter = Number(res.headers['retry-after']);
    return { status: res.status, retryAfterMs: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : null };
  };
}
