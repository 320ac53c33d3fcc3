/**
 * Windowed counters for limits that the HTTP rate-limit plugin cannot express (the per-username
 * login failure throttle). `LocalCounters` keeps them on this node; in cluster mode
 * broker/redis-limits.ts keeps them in Redis so every node sees one count.
 */

/** A count and how long until its window ends. */
export interface Count {
  count: number;
  resetMs: number;
}

/** Fixed-window counters: a window opens at a key's first hit and lasts `windowMs`. */
export interface Counters {
  /** Add one to the key's count (opening a window when none is open); returns the new count. */
  hit(key: string, windowMs: number): Promise<Count>;
  /** The key's count without adding; 0 when no window is open. */
  peek(key: string): Promise<Count>;
  /** Forget the key. */
  clear(key: string): Promise<void>;
}

/** Why a stream was refused by the shared caps. */
export type CapHit = 'user' | 'ip';

/**
 * Open-stream slots counted across every node (cluster mode). Each node still counts its own streams
 * (core/stream.ts); this adds the count of the others. Slots of a node that died expire by themselves.
 */
export interface StreamSlots {
  /** Take a slot for stream `id` of this user and address: null when taken, else the cap that is full. */
  acquire(id: string, userId: string, ip: string, caps: { perUser: number; perIp: number }): Promise<CapHit | null>;
  /** Give the slot back (best effort: an unreturned slot expires). */
  release(id: string): void;
}

/** The limits of one node: local ones, or shared through Redis in cluster mode. */
export interface Limits {
  counters: Counters;
  /** null: streams are capped per node only (one node: that is all of them). */
  slots: StreamSlots | null;
  /** Options for @fastify/rate-limit's plugin registration: its Redis store in cluster mode, nothing (its local store) on one node. */
  httpRateLimit(): Record<string, unknown>;
  close(): Promise<void>;
}

/** Limits for a single node. */
export function localLimits(): Limits {
  const counters = new LocalCounters();
  return {
    counters,
    slots: null,
    httpRateLimit: () => ({}),
    async close() {
      counters.close();
    },
  };
}

/** Counters in this process; expired windows are dropped as they are met and on a sweep every minute. */
export class LocalCounters implements Counters {
  private readonly windows = new Map<string, { count: number; until: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async hit(key: string, windowMs: number): Promise<Count> {
    const t = this.now();
    const w = this.open(key, t) ?? { count: 0, until: t + windowMs };
    w.count++;
    this.windows.set(key, w);
    return { count: w.count, resetMs: w.until - t };
  }

  async peek(key: string): Promise<Count> {
    const t = this.now();
    const w = this.open(key, t);
    return w ? { count: w.count, resetMs: w.until - t } : { count: 0, resetMs: 0 };
  }

  async clear(key: string): Promise<void> {
    this.windows.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private open(key: string, t: number): { count: number; until: number } | undefined {
    const w = this.windows.get(key);
    if (w && w.until <= t) this.windows.delete(key);
    return w && w.until > t ? w : undefined;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, w] of this.windows) if (w.until <= t) this.windows.delete(k);
  }
}
