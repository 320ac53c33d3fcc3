import type { EventType } from '../../src/core/types.ts';
import { api, ApiError } from './api.ts';
import { trackVisibility, type VisibilityMessage } from './visibility.ts';

/**
 * The state of the live stream. `resynced` lasts a few seconds after a reconnect or a reset. The page shows
 * nothing while it is healthy and a banner while `reconnecting`; `<html data-conn>` carries it for tests.
 */
export type ConnStatus = 'connecting' | 'live' | 'reconnecting' | 'resynced';

/** This tab's part in the one-stream-per-browser scheme. `solo`: no Web Locks, so this tab has its own stream. */
export type StreamRole = 'leader' | 'follower' | 'solo';

/** One SSE event as the leader received it, shared verbatim with the other tabs. */
export interface StreamEvent {
  type: string;
  data: string;
  lastEventId: string;
}

/** Messages between the tabs of one browser on `BroadcastChannel('natter')`. */
export type TabMessage =
  | { kind: 'event'; event: StreamEvent }
  | { kind: 'status'; status: ConnStatus; cursor: string | null }
  | { kind: 'hello' }
  /** A follower asks the leader to reconnect now ("Retry now", or the browser came back online). */
  | { kind: 'reconnect' }
  | { kind: 'read'; room: string; seq: number }
  | VisibilityMessage;

export interface StreamHandlers {
  onEvent(ev: StreamEvent): void;
  onStatus(status: ConnStatus): void;
  onRole(role: StreamRole): void;
  /** Another tab said something that is not an event (a read marker moved). */
  onTabMessage(msg: TabMessage): void;
}

export interface StreamHandle {
  /** Tell the other tabs something (read markers). */
  broadcast(msg: TabMessage): void;
  /** Reconnect now instead of waiting out the backoff (a follower asks the leader tab). */
  reconnectNow(): void;
  /** Close the stream and the channel; the Web Lock is released with the tab. */
  stop(): void;
}

const EVENT_TYPES = [
  'ready',
  'message',
  'message_updated',
  'member_joined',
  'member_left',
  'room_updated',
  'typing',
  'presence',
  'reset',
  'read',
  'notification_level',
  'user_updated',
] as const satisfies readonly EventType[];

const RESYNCED_MS = 3000;

/** The `stream_id` of a `ready` event (v1.1 §4), if it has one. */
function streamIdOf(ev: StreamEvent): string | null {
  try {
    const id = (JSON.parse(ev.data) as { stream_id?: unknown }).stream_id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/**
 * Starts this tab's share of the live stream.
 *
 * With Web Locks, the tabs of a browser elect one leader: the tab holding the lock `natter-stream` (held until the
 * tab closes) opens the single EventSource and re-broadcasts every event to the other tabs. Every tab remembers the
 * last cursor it saw (from events, or from the `GET /rooms` snapshot it loaded with), so a tab that takes the lock
 * after the leader closed resumes with `?last_event_id=<cursor>`, and the server replays what happened in between.
 * Handlers must be idempotent: a takeover can replay events a follower already applied.
 */
export function startStream(initialCursor: string | null, h: StreamHandlers): StreamHandle {
  let cursor = initialCursor;
  let status: ConnStatus = 'connecting';
  let role: StreamRole = 'follower';
  let es: EventSource | null = null;
  let stopped = false;
  let everReady = false;
  let resyncTimer: ReturnType<typeof setTimeout> | undefined;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;
  let backoff = 1000;
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('natter') : null;
  const abort = new AbortController();
  document.documentElement.dataset.conn = status;
  const visibility = trackVisibility((msg) => channel?.postMessage(msg satisfies TabMessage), () => role !== 'follower');

  const setRole = (r: StreamRole) => {
    role = r;
    document.documentElement.dataset.streamRole = r;
    h.onRole(r);
  };

  const show = (s: ConnStatus) => {
    status = s;
    document.documentElement.dataset.conn = s;
    h.onStatus(s);
  };

  const setStatus = (s: ConnStatus) => {
    clearTimeout(resyncTimer);
    show(s);
    if (role === 'leader') channel?.postMessage({ kind: 'status', status: s, cursor } satisfies TabMessage);
    if (s === 'resynced') resyncTimer = setTimeout(() => setStatus('live'), RESYNCED_MS);
  };

  const noteCursor = (ev: StreamEvent) => {
    if (ev.lastEventId) cursor = ev.lastEventId;
    else if (ev.type === 'ready') {
      try {
        cursor = (JSON.parse(ev.data) as { cursor?: string }).cursor ?? cursor;
      } catch {
        /* a malformed ready keeps the old cursor */
      }
    }
  };

  const deliver = (ev: StreamEvent) => {
    noteCursor(ev);
    if (role === 'leader') channel?.postMessage({ kind: 'event', event: ev } satisfies TabMessage);
    if (ev.type === 'ready') {
      setStatus(everReady ? 'resynced' : 'live');
      const id = streamIdOf(ev);
      if (id && role !== 'follower') visibility.onReady(id);
    }
    if (ev.type === 'reset') setStatus('resynced');
    everReady ||= ev.type === 'ready';
    h.onEvent(ev);
  };

  const open = () => {
    if (stopped) return;
    // A stream opened while no tab shows Natter starts hidden, so a message arriving at once can still notify.
    const query = [cursor ? 'last_event_id=' + encodeURIComponent(cursor) : '', visibility.anyVisible() ? '' : 'visible=0'].filter(Boolean).join('&');
    const url = '/api/v1/events' + (query ? '?' + query : '');
    const source = new EventSource(url, { withCredentials: true });
    es = source;
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (e) => {
        const me = e as MessageEvent<string>;
        backoff = 1000;
        deliver({ type, data: me.data, lastEventId: me.lastEventId });
      });
    }
    source.addEventListener('error', () => {
      if (stopped) return;
      setStatus('reconnecting');
      // CONNECTING: the browser retries by itself with Last-Event-ID. CLOSED: the server answered with an error
      // status (signed out, or over a stream cap), so we check the session and reopen later from our cursor.
      if (source.readyState === EventSource.CLOSED) scheduleReopen();
    });
  };

  const scheduleReopen = () => {
    es?.close();
    es = null;
    clearTimeout(reopenTimer);
    reopenTimer = setTimeout(async () => {
      try {
        await api.me();
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return; // the app shows sign-in
      }
      open();
    }, backoff);
    backoff = Math.min(backoff * 2, 15000);
  };

  /** Opens a fresh stream at once (from our cursor) unless the current one is open and fine. */
  const reconnectNow = () => {
    if (stopped || role === 'follower') return;
    if (es?.readyState === EventSource.OPEN) return;
    clearTimeout(reopenTimer);
    es?.close();
    backoff = 1000;
    open();
  };

  const onOnline = () => (role === 'follower' ? channel?.postMessage({ kind: 'reconnect' } satisfies TabMessage) : reconnectNow());
  window.addEventListener('online', onOnline);

  channel?.addEventListener('message', (e: MessageEvent<TabMessage>) => {
    const msg = e.data;
    if (msg.kind === 'event') {
      if (role === 'leader') return; // two leaders cannot happen with locks; ignore to be safe
      noteCursor(msg.event);
      h.onEvent(msg.event);
    } else if (msg.kind === 'status') {
      if (role !== 'leader') show(msg.status);
    } else if (msg.kind === 'reconnect') {
      if (role === 'leader') reconnectNow();
    } else if (msg.kind === 'visible' || msg.kind === 'visible?') {
      visibility.onTabMessage(msg);
    } else if (msg.kind === 'hello') {
      if (role === 'leader') channel.postMessage({ kind: 'status', status, cursor } satisfies TabMessage);
    } else {
      h.onTabMessage(msg);
    }
  });

  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (locks && channel) {
    setRole('follower');
    channel.postMessage({ kind: 'hello' } satisfies TabMessage);
    locks
      .request('natter-stream', { signal: abort.signal }, () => {
        if (stopped) return;
        setRole('leader');
        open();
        // Held for the life of the tab: the browser releases it when the tab closes.
        return new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve()));
      })
      .catch(() => {
        /* aborted by stop() */
      });
  } else {
    setRole('solo');
    open();
  }

  return {
    broadcast(msg) {
      channel?.postMessage(msg);
    },
    reconnectNow() {
      if (role === 'follower') channel?.postMessage({ kind: 'reconnect' } satisfies TabMessage);
      else reconnectNow();
    },
    stop() {
      stopped = true;
      window.removeEventListener('online', onOnline);
      delete document.documentElement.dataset.conn;
      clearTimeout(resyncTimer);
      clearTimeout(reopenTimer);
      visibility.stop();
      es?.close();
      abort.abort();
      channel?.close();
    },
  };
}
