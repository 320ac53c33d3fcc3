/**
 * The cluster broker: Redis pub/sub through ioredis. One channel (main.ts names it
 * `natter:<log id>`, so deployments that share a Redis stay apart), carrying
 * JSON messages stamped with this node's id; a node drops its own.
 *
 * Pub/sub is at-most-once: a message published while a subscriber is
 * disconnected is gone. That is fine by design (STYLE habit 5): the store is
 * the source of truth, and the Feed notices a gap in positions, or polls the
 * store's head, and reads what it missed. So this class never waits and never
 * throws on publish: while Redis is down, publish counts a drop and returns,
 * and local delivery goes on untouched.
 *
 * Two connections, because a connection in subscriber mode can run nothing
 * but (un)subscribe commands. Both reconnect forever with capped exponential
 * backoff; ioredis re-subscribes the subscriber after a reconnect. The
 * publisher has no offline queue: a publish while disconnected fails at once
 * instead of piling up in memory and arriving late.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Broker, BrokerMessage, Outgoing } from './broker.ts';
import { decodeMessage, encodeMessage } from './wire.ts';

/** Where the broker reports connection changes and faults; main.ts passes pino. */
export interface BrokerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RedisBrokerOptions {
  /** Pub/sub channel; default `natter:events`. */
  channel?: string;
  /** Default: silent. */
  log?: BrokerLog;
  /** Backoff cap between reconnect attempts; default 5000 ms. */
  maxBackoffMs?: number;
  /** How long `ping()` waits for PONG; default 1000 ms. */
  pingTimeoutMs?: number;
}

/** Counters for /metrics and tests. */
export interface BrokerStats {
  published: number;
  /** Publishes that failed or were skipped while Redis was unreachable (other nodes catch up from the store). */
  dropped: number;
  received: number;
  /** Messages on the channel that were not valid Natter messages. */
  malformed: number;
  /** Connection errors seen (each failed reconnect attempt counts). */
  errors: number;
  /** Times a connection (publisher or subscriber) was lost. */
  disconnects: number;
}

const silent: BrokerLog = { info() {}, warn() {} };

export class RedisBroker implements Broker {
  readonly nodeId = randomBytes(6).toString('hex');
  readonly remote = true;
  readonly stats: BrokerStats = { published: 0, dropped: 0, received: 0, malformed: 0, errors: 0, disconnects: 0 };
  private readonly channel: string;
  private readonly log: BrokerLog;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly pingTimeoutMs: number;
  private handler: ((msg: BrokerMessage) => void) | null = null;
  private closed: Promise<void> | null = null;

  /** Connects in the background; `ping()` tells when both connections are up. Close with `close()`. */
  constructor(url: string, opts: RedisBrokerOptions = {}) {
    this.channel = opts.channel ?? 'natter:events';
    this.log = opts.log ?? silent;
    const cap = opts.maxBackoffMs ?? 5000;
    const base = {
      // Reconnect forever: 50 ms doubling to the cap, with jitter so nodes do not reconnect in lockstep.
      retryStrategy: (times: number) => Math.round(Math.min(cap, 50 * 2 ** Math.min(times, 10)) * (0.75 + Math.random() / 2)),
      connectTimeout: 5000,
      lazyConnect: false,
    };
    this.pub = new Redis(url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: `natter-pub-${this.nodeId}` });
    this.sub = new Redis(url, { ...base, maxRetriesPerRequest: null, autoResubscribe: true, connectionName: `natter-sub-${this.nodeId}` });
    this.watch(this.pub, 'publisher');
    this.watch(this.sub, 'subscriber');
    this.sub.on('message', (channel: string, text: string) => this.receive(channel, text));
    this.sub.subscribe(this.channel).catch((err: unknown) => this.log.warn({ err }, 'redis: subscribe failed'));
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 1000;
  }

  publish(msg: Outgoing): void {
    if (this.closed || this.pub.status !== 'ready') {
      this.stats.dropped++;
      return;
    }
    const text = encodeMessage({ ...msg, node: this.nodeId } as BrokerMessage);
    this.pub.publish(this.channel, text).then(
      () => void this.stats.published++,
      (err: unknown) => {
        this.stats.dropped++;
        this.log.warn({ err, kind: msg.kind }, 'redis: publish failed (other nodes will catch up from the store)');
      },
    );
  }

  onMessage(handler: (msg: BrokerMessage) => void): void {
    this.handler = handler;
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('broker closed');
    if (this.pub.status !== 'ready' || this.sub.status !== 'ready') throw new Error(`redis not connected (publisher ${this.pub.status}, subscriber ${this.sub.status})`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('redis ping timed out')), this.pingTimeoutMs);
    });
    try {
      await Promise.race([this.pub.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.handler = null;
      // quit() sends QUIT and waits for the reply; when Redis is down that cannot happen, so disconnect.
      await Promise.all([this.pub, this.sub].map((c) => (c.status === 'ready' ? c.quit().then(() => undefined, () => c.disconnect()) : c.disconnect())));
    })();
    return this.closed;
  }

  private receive(channel: string, text: string): void {
    if (channel !== this.channel) return;
    const msg = decodeMessage(text);
    if (!msg) {
      this.stats.malformed++;
      return;
    }
    if (msg.node === this.nodeId) return;
    this.stats.received++;
    this.handler?.(msg);
  }

  /** Log each connection's transitions once (not every retry), and count its errors; an 'error' listener also keeps ioredis from throwing. */
  private watch(conn: Redis, role: string): void {
    let down = false;
    conn.on('error', (err: Error) => {
      this.stats.errors++;
      if (down || this.closed) return;
      down = true;
      this.log.warn({ err: err.message, role }, 'redis: connection lost, reconnecting with backoff');
    });
    conn.on('close', () => {
      if (!this.closed) this.stats.disconnects++;
      if (!down && !this.closed) {
        down = true;
        this.log.warn({ role }, 'redis: connection closed, reconnecting with backoff');
      }
    });
    conn.on('ready', () => {
      if (down) this.log.info({ role }, 'redis: reconnected');
      down = false;
    });
  }
}
