/**
 * Desktop notifications (API v1.1 §4): opting this browser in and out of Web Push. Permission is asked only from
 * a click (enablePush), never on load; on load a subscription the user already opted into is posted again
 * quietly (resyncPush), since the browser may have changed its keys. The subscription id the server gave is
 * remembered per user in localStorage, so that turning notifications off deletes exactly that one.
 */
import { client, ApiError, errorText } from './api.ts';
import { loadServerInfo } from './server-info.ts';

/** What the settings show: the browser cannot, the server does not, the browser blocks it, or on / off. */
export type PushState = 'unsupported' | 'unavailable' | 'blocked' | 'on' | 'off';

/** A failure to turn notifications on or off, as a sentence for the person. */
export class PushFailure extends Error {}

/** How long the browser's push service may take to answer a subscribe before we say it did not. */
const SUBSCRIBE_TIMEOUT_MS = 30_000;

const storageKey = (userId: string) => `natter:push:${userId}`;

/** The server's id of this browser's subscription, when this user turned notifications on here. */
function remembered(userId: string): string | null {
  try {
    return localStorage.getItem(storageKey(userId));
  } catch {
    return null;
  }
}

function remember(userId: string, id: string | null): void {
  try {
    if (id === null) localStorage.removeItem(storageKey(userId));
    else localStorage.setItem(storageKey(userId), id);
  } catch {
    /* storage off (private mode): the choice lasts for this page only */
  }
}

/** Whether this browser can receive Web Push here (a secure page with service workers, Push and Notification). */
export function pushSupported(): boolean {
  return window.isSecureContext && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** Rejects with `message` if `p` has not settled after `ms`. */
function within<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new PushFailure(message)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The active service worker registration (pwa.ts registers it on load; registered here if it has not been). */
async function registration(): Promise<ServiceWorkerRegistration> {
  const sw = navigator.serviceWorker;
  if (!(await sw.getRegistration('/'))) await sw.register('/sw.js', { scope: '/' });
  return within(sw.ready, 10_000, 'The notification helper of this page did not start. Reload the page and try again.');
}

/** This browser's push subscription, if it has one (never asks for anything). */
async function currentSubscription(): Promise<PushSubscription | null> {
  const reg = await navigator.serviceWorker.getRegistration('/');
  return (await reg?.pushManager.getSubscription()) ?? null;
}

/** base64url (no padding) → bytes, for `applicationServerKey`. */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function sameBytes(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}

/** The state to show now; asks nothing of the person. */
export async function pushState(userId: string): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  const info = await loadServerInfo();
  if (info?.push === false) return 'unavailable';
  if (Notification.permission === 'denied') return 'blocked';
  if (Notification.permission !== 'granted' || !remembered(userId)) return 'off';
  return (await currentSubscription().catch(() => null)) ? 'on' : 'off';
}

/** The sentence for a failed `pushManager.subscribe`. */
function subscribeFailure(e: unknown): string {
  if (e instanceof PushFailure) return e.message;
  return "Notifications could not be turned on: this browser's push service could not be reached. Check your connection and try again later.";
}

/**
 * Turns notifications on: asks for permission (call this straight from a click: browsers prompt only during a
 * user action), subscribes this browser with the server's key and registers the subscription with the server.
 * Resolves with the new state; rejects with a PushFailure whose message says what went wrong.
 */
export async function enablePush(userId: string): Promise<PushState> {
  // First, before any other await, while the click still counts as a user action.
  const permission = await Notification.requestPermission();
  if (permission === 'denied') return 'blocked';
  if (permission !== 'granted') throw new PushFailure('Notifications stay off: the browser was not given permission. Try again and choose Allow.');
  let key: Uint8Array<ArrayBuffer>;
  try {
    key = fromBase64url((await client.push.key()).public_key);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return 'unavailable';
    throw new PushFailure(errorText(e));
  }
  let sub: PushSubscription | null;
  try {
    const reg = await registration();
    sub = await reg.pushManager.getSubscription();
    // A subscription made for another key (the server's changed) cannot be reused: subscribe() would refuse.
    if (sub && !sameBytes(sub.options?.applicationServerKey, key)) {
      await sub.unsubscribe().catch(() => false);
      sub = null;
    }
    sub ??= await within(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }), SUBSCRIBE_TIMEOUT_MS,
      "Notifications could not be turned on: this browser's push service did not answer. Try again later.");
  } catch (e) {
    if (Notification.permission === 'denied') return 'blocked';
    throw new PushFailure(subscribeFailure(e));
  }
  try {
    const { subscription } = await client.push.subscribe(sub.toJSON());
    remember(userId, subscription.id);
  } catch (e) {
    await sub.unsubscribe().catch(() => false);
    throw new PushFailure(`Notifications could not be turned on: ${errorText(e)}`);
  }
  return 'on';
}

/** Turns notifications off: unsubscribes this browser and deletes the subscription on the server. */
export async function disablePush(userId: string): Promise<PushState> {
  const id = remembered(userId);
  const sub = await currentSubscription().catch(() => null);
  await sub?.unsubscribe().catch(() => false);
  remember(userId, null);
  if (id) {
    try {
      await client.push.unsubscribe(id);
    } catch (e) {
      // 404: the server dropped it already (a newer one replaced it, or this session ended). Nothing to do.
      if (!(e instanceof ApiError && e.status === 404)) {
        throw new PushFailure(`Notifications are off in this browser, but the server could not be told: ${errorText(e)}`);
      }
    }
  }
  return 'off';
}

/**
 * On load, for a user who turned notifications on in this browser: if permission still stands and the browser
 * still has the subscription, post it again (its keys may have changed; the server answers with the same id).
 * Never asks for permission and never subscribes; failures are quiet.
 */
export async function resyncPush(userId: string): Promise<void> {
  if (!pushSupported() || Notification.permission !== 'granted' || !remembered(userId)) return;
  try {
    const sub = await currentSubscription();
    if (!sub) {
      // The browser dropped it (site data cleared, or expired): it is off now.
      remember(userId, null);
      return;
    }
    const { subscription } = await client.push.subscribe(sub.toJSON());
    remember(userId, subscription.id);
  } catch {
    /* the server is unreachable or sends no push: the next load tries again */
  }
}
