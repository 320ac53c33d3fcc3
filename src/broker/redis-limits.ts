/**
 * Limits shared by every node of a cluster (API v1.1 §7), kept in Redis: the HTTP rate limits
 * (@fastify/rate-limit's Redis store on this client), the login failure counters and the
 * open-stream slots. Keys are named after the database's log id, like the broker's channel.
 *
 * Redis is not on the write path, and the cluster keeps working while it is down (v1): so every
 * limit here fails open. A command fails at once while Redis is unreachable (no offline queue),
 * the request is allowed, and each node still enforces its own stream caps (core/stream.ts).
 *
 * Stream slots: a sorted set per user and per address whose members are `<node>:<n>` scored by
 * an expiry time from Redis's own clock. Each node renews its members every SLOT_TTL_MS / 3; the
 * slots of a node that died without returning them expire after SLOT_TTL_MS.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CapHit, Count, Counters, Limits, StreamSlots } from '../core/limits.ts';

/** How long a slot lives without being renewed. */
export const SLOT_TTL_MS = 30_000;

const HIT = `
local c = redis.call('INCR', KEYS[1])
local t = redis.call('PTTL', KEYS[1])
if c == 1 or t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
return {c, t}`;

const PEEK = `
local c = redis.call('GET', KEYS[1])
if not c then return {0, 0} end
local t = redis.call('PTTL', KEYS[1])
if t < 0 then t = 0 end
return {tonumber(c), t}`;

// KEYS: user set, address set. ARGV: member, ttl, user cap, address cap. Returns 0 (taken), 1 (user full), 2 (address full).
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local cu, ci = tonumber(ARGV[3]), tonumber(ARGV[4])
if cu > 0 and redis.call('ZCARD', KEYS[1]) >= cu then return 1 end
if ci > 0 and redis.call('ZCARD', KEYS[2]) >= ci then return 2 end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return 0`;

// KEYS: sets; ARGV: ttl, then one member per key. Renews members that are still there.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i, k in ipairs(KEYS) do
  redis.call('ZADD', k, 'XX', now + ttl, ARGV[i + 1])
  redis.call('PEXPIRE', k, ttl)
end
return 0`;

interface LimitCommands {
  natterHit(key: string, windowMs: number): Promise<[number, number]>;
  natterPeek(key: string): Promise<[number, number]>;
  natterAcquire(userKey: string, ipKey: string, member: string, ttlMs: number, perUser: number, perIp: number): Promise<number>;
  natterRenew(...args: (string | number)[]): Promise<number>;
}

export interface RedisLimitsOptions {
  /** Key prefix; main.ts uses `natter:<log id>:`. */
  prefix: string;
  /** Told of Redis errors (limits then fail open). */
  onError?: (what: string, err: unknown) => void;
  /** Slot lifetime without renewal; default SLOT_TTL_MS. */
  slotTtlMs?: number;
}

/** Open the shared limits on a Redis of their own connection. Close with `close()`. */
export function openRedisLimits(url: string, opts: RedisLimitsOptions): Limits {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: (times: number) => Math.min(5000, 50 * 2 ** Math.min(times, 10)),
    connectionName: 'natter-limits',
  });
  redis.on('error', () => {}); // reconnects by itself; failures surface (and are reported) per command
  redis.defineCommand('natterHit', { numberOfKeys: 1, lua: HIT });
  redis.defineCommand('natterPeek', { numberOfKeys: 1, lua: PEEK });
  redis.defineCommand('natterAcquire', { numberOfKeys: 2, lua: ACQUIRE });
  redis.defineCommand('natterRenew', { lua: RENEW });
  const cmd = redis as unknown as LimitCommands;
  const report = opts.onError ?? (() => {});
  const counters = new RedisCounters(cmd, opts.prefix, report);
  const slots = new RedisSlots(redis, cmd, opts.prefix, opts.slotTtlMs ?? SLOT_TTL_MS, report);
  return {
    counters,
    slots,
    httpRateLimit: () => ({ redis, nameSpace: `${opts.prefix}rl:`, skipOnError: true }),
    async close() {
      slots.stop();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

class RedisCounters implements Counters {
  constructor(private readonly cmd: LimitCommands, private readonly prefix: string, private readonly report: (what: string, err: unknown) => void) {}

  async hit(key: string, windowMs: number): Promise<Count> {
    try {
      const [count, resetMs] = await this.cmd.natterHit(`${this.prefix}c:${key}`, windowMs);
      return { count, resetMs };
    } catch (err) {
      this.report('limits: counter', err);
      return { count: 0, resetMs: 0 };
    }
  }

  async peek(key: string): Promise<Count> {
    try {
      const [count, resetMs] = await this.cmd.natterPeek(`${this.prefix}c:${key}`);
      return { count, resetMs };
    } catch (err) {
      this.report('limits: counter', err);
      return { count: 0, resetMs: 0 };
    }
  }

  async clear(key: string): Promise<void> {
    await (this.cmd as unknown as Redis).del(`${this.prefix}c:${key}`).catch((err: unknown) => this.report('limits: counter', err));
  }
}

class RedisSlots implements StreamSlots {
  private readonly node = randomBytes(6).toString('hex');
  private n = 0;
  /** Slot id → its two set keys and its member name in them. */
  private readonly held = new Map<string, { keys: [string, string]; member: string }>();
  private readonly renewer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly cmd: LimitCommands,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly report: (what: string, err: unknown) => void,
  ) {
    this.renewer = setInterval(() => this.renew(), Math.max(50, Math.floor(ttlMs / 3)));
    this.renewer.unref();
  }

  async acquire(id: string, userId: string, ip: string, caps: { perUser: number; perIp: number }): Promise<CapHit | null> {
    const keys: [string, string] = [`${this.prefix}su:${userId}`, `${this.prefix}si:${ip}`];
    const member = `${this.node}:${++this.n}:${id}`;
    try {
      const r = await this.cmd.natterAcquire(keys[0], keys[1], member, this.ttlMs, caps.perUser, caps.perIp);
      if (r === 1) return 'user';
      if (r === 2) return 'ip';
      this.held.set(id, { keys, member });
    } catch (err) {
      this.report('limits: stream slot', err);
    }
    return null;
  }

  release(id: string): void {
    const slot = this.held.get(id);
    if (!slot) return;
    this.held.delete(id);
    const { keys, member } = slot;
    this.redis.multi().zrem(keys[0], member).zrem(keys[1], member).exec().catch((err: unknown) => this.report('limits: stream slot', err));
  }

  stop(): void {
    clearInterval(this.renewer);
  }

  private renew(): void {
    if (this.held.size === 0 || this.redis.status !== 'ready') return;
    const keys: string[] = [];
    const members: string[] = [];
    for (const { keys: [u, i], member } of this.held.values()) {
      keys.push(u, i);
      members.push(member, member);
    }
    // One script call per 500 slots keeps each call short.
    for (let at = 0; at < keys.length; at += 1000) {
      const k = keys.slice(at, at + 1000);
      this.cmd.natterRenew(k.length, ...k, this.ttlMs, ...members.slice(at, at + 1000)).catch((err: unknown) => this.report('limits: stream slot', err));
    }
  }
}
