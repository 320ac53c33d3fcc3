/**
 * One live stream per origin, shared by all tabs of a browser (browsers only). With Web Locks the tabs elect a
 * leader: the tab holding the lock `natter-stream` (held until it closes) runs the only `LiveEvents` and
 * re-broadcasts every event on `BroadcastChannel('natter')`. Every tab remembers the last cursor it saw (from
 * events, or the `GET /rooms` snapshot it loaded with), so a tab that takes the lock after the leader closed
 * resumes from there (`Last-Event-ID`) and the server replays what happened in between: handlers must be
 * idempotent, a takeover can replay events a follower already applied. Without Web Locks each tab is `solo`.
 */
import { ApiError, type NatterClient } from './http.ts';
import { LiveEvents, type LiveState } from './live.ts';
import { trackVisibility, type VisibilityMessage } from './tab-visibility.ts';

/** The stream's state for a banner. `resynced` lasts a few seconds after a reconnect or a reset. */
export type ConnStatus = 'connecting' | 'live' | 'reconnecting' | 'resynced';

/** This tab's part. `solo`: no Web Locks (or no BroadcastChannel), so this tab has its own stream. */
export type StreamRole = 'leader' | 'follower' | 'solo';

/** One stream event as the leader received it (`data` parsed), shared as is with the other tabs. */
export interface StreamEvent {
  type: string;
  data: any;
  /** The event's id ('' for events that are not stored: ready, typing, presence, …). */
  lastEventId: string;
}

/** What the library's tabs say on the channel; an app adds its own kinds (`M`). */
export type StreamTabMessage =
  | { kind: 'event'; event: StreamEvent }
  | { kind: 'status'; status: ConnStatus; cursor: string | null }
  | { kind: 'hello' }
  /** A follower asks the leader to reconnect now ("Retry now", or the browser came back online). */
  | { kind: 'reconnect' }
  | VisibilityMessage;

const OWN_KINDS = new Set(['event', 'status', 'hello', 'reconnect', 'visible', 'visible?']);

export interface SharedStreamHandlers<M> {
  onEvent(ev: StreamEvent): void;
  onStatus(status: ConnStatus): void;
  onRole(role: StreamRole): void;
  /** Another tab broadcast an app message (one of `M`). */
  onTabMessage?(msg: M): void;
}

export interface SharedStreamOptions {
  /** Where to resume from (e.g. the `cursor` of `GET /rooms`). */
  cursor: string | null;
  lockName?: string;
  channelName?: string;
  /** How long `resynced` shows after a reconnect or reset. */
  resyncedMs?: number;
}

export interface SharedStream<M> {
  readonly role: StreamRole;
  /** Tell the other tabs something (an app message, e.g. a read marker moved). */
  broadcast(msg: M): void;
  /** Reconnect now instead of waiting out the backoff (a follower asks the leader tab). */
  reconnectNow(): void;
  /** Close the stream and the channel, and release the lock. */
  stop(): void;
}

/** Starts this tab's share of the stream. `M` is the app's own tab messages (each with a `kind` of its own). */
export function startSharedStream<M extends { kind: string }>(client: NatterClient, opts: SharedStreamOptions, h: SharedStreamHandlers<M>): SharedStream<M> {
  let cursor = opts.cursor;
  let status: ConnStatus = 'connecting';
  let role: StreamRole = 'follower';
  let live: LiveEvents | null = null;
  let liveState: LiveState = 'stopped';
  let stopped = false;
  let everReady = false;
  let resyncTimer: ReturnType<typeof setTimeout> | undefined;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let backoff = 1000;
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(opts.channelName ?? 'natter') : null;
  const post = (msg: StreamTabMessage | M) => channel?.postMessage(msg);
  const abort = new AbortController();
  const visibility = trackVisibility(client, post, () => role !== 'follower');

  const setRole = (r: StreamRole) => {
    role = r;
    h.onRole(r);
  };
  const show = (s: ConnStatus) => {
    status = s;
    h.onStatus(s);
  };
  const setStatus = (s: ConnStatus) => {
    clearTimeout(resyncTimer);
    show(s);
    if (role === 'leader') post({ kind: 'status', status: s, cursor });
    if (s === 'resynced') resyncTimer = setTimeout(() => setStatus('live'), opts.resyncedMs ?? 3000);
  };

  const noteCursor = (ev: StreamEvent) => {
    if (ev.lastEventId) cursor = ev.lastEventId;
    else if (ev.type === 'ready' && typeof ev.data?.cursor === 'string') cursor = ev.data.cursor;
  };

  const deliver = (ev: StreamEvent) => {
    noteCursor(ev);
    if (role === 'leader') post({ kind: 'event', event: ev });
    if (ev.type === 'ready') {
      backoff = 1000;
      setStatus(everReady ? 'resynced' : 'live');
      if (typeof ev.data?.stream_id === 'string' && role !== 'follower') visibility.onReady(ev.data.stream_id);
    }
    if (ev.type === 'reset') setStatus('resynced');
    everReady ||= ev.type === 'ready';
    h.onEvent(ev);
  };

  /** Runs the stream from our cursor (the leader or a solo tab). */
  const open = () => {
    if (stopped) return;
    const events: LiveEvents = new LiveEvents(client, {
      event: (type, data, id) => deliver({ type, data, lastEventId: id ?? '' }),
      ready: (data) => deliver({ type: 'ready', data, lastEventId: '' }),
      reset: (reason) => deliver({ type: 'reset', data: { reason }, lastEventId: events.lastEventId ?? '' }),
      cursor: (id) => void (cursor = id),
      state: (s) => {
        liveState = s;
        if (s === 'waiting' && !stopped) setStatus('reconnecting');
      },
      fatal: () => {
        if (!stopped) setStatus('reconnecting');
        scheduleRestart();
      },
    }, { lastEventId: cursor, visible: () => visibility.anyVisible() });
    live = events;
    void events.run();
  };

  /** The server refused the stream (401/403/404): check the session, and open again later unless it ended. */
  const scheduleRestart = () => {
    live = null;
    clearTimeout(restartTimer);
    restartTimer = setTimeout(async () => {
      try {
        await client.request('GET', '/me');
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return; // the client's onUnauthenticated said so
      }
      open();
    }, backoff);
    backoff = Math.min(backoff * 2, 15_000);
  };

  /** Reconnects at once (from our cursor) unless the stream is open and fine. */
  const reconnectNow = () => {
    if (stopped || role === 'follower') return;
    if (live === null) {
      clearTimeout(restartTimer);
      backoff = 1000;
      open();
    } else if (liveState !== 'live') live.reconnect();
  };

  const onOnline = () => (role === 'follower' ? post({ kind: 'reconnect' }) : reconnectNow());
  window.addEventListener('online', onOnline);

  channel?.addEventListener('message', (e: MessageEvent<StreamTabMessage | M>) => {
    const msg = e.data;
    if (!OWN_KINDS.has(msg.kind)) return h.onTabMessage?.(msg as M);
    const own = msg as StreamTabMessage;
    if (own.kind === 'event') {
      if (role === 'leader') return; // two leaders cannot happen with locks; ignore to be safe
      noteCursor(own.event);
      h.onEvent(own.event);
    } else if (own.kind === 'status') {
      if (role === 'leader') return;
      if (own.cursor) cursor = own.cursor;
      show(own.status);
    } else if (own.kind === 'reconnect') {
      if (role === 'leader') reconnectNow();
    } else if (own.kind === 'hello') {
      if (role === 'leader') post({ kind: 'status', status, cursor });
    } else {
      visibility.onTabMessage(own);
    }
  });

  show(status);
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (locks && channel) {
    setRole('follower');
    post({ kind: 'hello' });
    locks
      .request(opts.lockName ?? 'natter-stream', { signal: abort.signal }, () => {
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
    get role() {
      return role;
    },
    broadcast: (msg) => post(msg),
    reconnectNow() {
      if (role === 'follower') post({ kind: 'reconnect' });
      else reconnectNow();
    },
    stop() {
      stopped = true;
      window.removeEventListener('online', onOnline);
      clearTimeout(resyncTimer);
      clearTimeout(restartTimer);
      visibility.stop();
      live?.stop();
      abort.abort();
      channel?.close();
    },
  };
}
