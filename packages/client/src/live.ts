/**
 * The live event stream (docs/API.md, "The event stream") with its rules implemented once: resume from the last
 * event id after any drop (a `Last-Event-ID` header: fetch can send one, so Node and browsers share this code), a
 * `reset` passed to the app to refetch what it shows, reconnects after errors with the server's `retry:` as base,
 * doubled per failure up to 30 s and jittered, `Retry-After` honoured on 429, and every stored event delivered to
 * the app exactly once (an event at or below the last position delivered is dropped, e.g. after a reconnect).
 */
import { ApiError, apiErrorOf, type NatterClient } from './http.ts';
import { readStream, SseParser } from './sse.ts';

export type LiveState = 'connecting' | 'live' | 'waiting' | 'stopped';

export interface LiveHandlers {
  /** Every event but `ready` and `reset`; `id` is null for events that are not stored (typing, presence, …). */
  event(type: string, data: any, id: string | null): void;
  /** The stream is open (`ready`, with the user's rooms). */
  ready?(data: any): void;
  /** The stream could not resume from the cursor: refetch what the app shows (the stream goes on from now). */
  reset?(reason: string): void | Promise<void>;
  /** The last event id moved (persist it to resume after a restart). */
  cursor?(lastEventId: string): void;
  state?(state: LiveState, detail?: string): void;
  /** The stream cannot go on (401: the token or session ended). */
  fatal?(err: ApiError): void;
}

export interface LiveOptions {
  /** Resume from here (e.g. a cursor saved by a previous run). */
  lastEventId?: string | null;
  /** `visible=0` when the page starts hidden (v1.1 §4); a function is asked at each connect. */
  visible?: boolean | (() => boolean);
  /** Longest wait between reconnects. */
  maxDelayMs?: number;
  random?: () => number;
}

/** The log position of a stored event's id (`<position>-<log id>`), or null. */
export function positionOf(id: string): { pos: number; log: string } | null {
  const m = /^(\d{1,15})-([A-Za-z0-9]{1,64})$/.exec(id);
  return m ? { pos: Number(m[1]), log: m[2]! } : null;
}

export class LiveEvents {
  private lastId: string | null;
  private last: { pos: number; log: string } | null;
  private controller: AbortController | null = null;
  private stopped = true;
  private failures = 0;
  private retryMs = 2000;
  private wake: (() => void) | null = null;
  private immediate = false;

  constructor(private readonly client: NatterClient, private readonly on: LiveHandlers, private readonly opts: LiveOptions = {}) {
    this.lastId = opts.lastEventId ?? null;
    this.last = this.lastId ? positionOf(this.lastId) : null;
  }

  get lastEventId(): string | null {
    return this.lastId;
  }

  /** Connect, and keep connecting until `stop()`; resolves when stopped. */
  async run(): Promise<void> {
    this.stopped = false;
    while (!this.stopped) {
      this.immediate = false;
      let wait: number;
      try {
        await this.connectOnce();
        wait = this.delay();
        if (!this.stopped && !this.immediate) this.on.state?.('waiting', 'the stream ended');
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) {
          this.on.fatal?.(err);
          this.stopped = true;
          break;
        }
        wait = err instanceof ApiError && err.retryAfter !== null ? err.retryAfter * 1000 + this.jitter(1000) : this.delay();
        this.on.state?.('waiting', (err as Error).message);
      }
      if (this.stopped) break;
      if (this.immediate) continue; // reconnect() during this connection: go again at once
      this.failures++;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
    this.on.state?.('stopped');
  }

  /** Close the stream and stop reconnecting. */
  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
  }

  /** Drop the connection now and reconnect at once (e.g. the network came back). */
  reconnect(): void {
    this.failures = 0;
    this.immediate = true;
    this.controller?.abort();
    this.wake?.();
  }

  private delay(): number {
    const base = Math.min(this.opts.maxDelayMs ?? 30_000, this.retryMs * 2 ** Math.min(this.failures, 10));
    return base / 2 + this.jitter(base / 2);
  }

  private jitter(ms: number): number {
    return Math.round((this.opts.random ?? Math.random)() * ms);
  }

  private async connectOnce(): Promise<void> {
    this.on.state?.('connecting');
    this.controller = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream', ...this.client.authHeaders() };
    if (this.lastId) headers['last-event-id'] = this.lastId;
    const visible = typeof this.opts.visible === 'function' ? this.opts.visible() : this.opts.visible;
    const query = visible === false ? '?visible=0' : '';
    let res: Response;
    try {
      res = await this.client.fetch(`/api/v1/events${query}`, { headers, signal: this.controller.signal, cache: 'no-store' });
    } catch (err) {
      if (this.stopped) return;
      throw err;
    }
    if (!res.ok || !res.body) throw await apiErrorOf(res);
    const parser = new SseParser({
      message: (m) => this.dispatch(m.event, m.data, m.hasId ? m.lastEventId : null),
      retry: (ms) => { this.retryMs = Math.max(100, ms); },
      id: (id) => this.moveCursor(id),
    }, this.lastId ?? '');
    try {
      await readStream(res.body, parser);
    } catch (err) {
      if (!this.stopped && !this.controller.signal.aborted) throw err;
    }
  }

  private dispatch(type: string, raw: string, id: string | null): void {
    const data = JSON.parse(raw);
    if (type === 'ready') {
      this.failures = 0;
      this.on.state?.('live');
      this.on.ready?.(data);
      return;
    }
    if (type === 'reset') {
      if (id) this.moveCursor(id, true);
      void this.on.reset?.(data.reason);
      return;
    }
    if (id !== null) {
      const p = positionOf(id);
      if (p && this.last && p.log === this.last.log && p.pos <= this.last.pos) return; // seen already
      this.moveCursor(id);
    }
    this.on.event(type, data, id);
  }

  private moveCursor(id: string, force = false): void {
    const p = positionOf(id);
    if (!force && p && this.last && p.log === this.last.log && p.pos < this.last.pos) return;
    this.lastId = id;
    this.last = p;
    this.on.cursor?.(id);
  }
}
