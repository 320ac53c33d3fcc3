/**
 * Outgoing webhook delivery (API v1.1 §6, issue 15 item 3). Every node runs this loop; the database makes each
 * hook's delivery happen on one node at a time:
 *
 * - A round leases the hooks that have events after their stored position (a lease is a node id and an expiry
 *   in the hook's row) and starts a lane for each. A lane sends the hook's feed in log order, one delivery in
 *   flight, and records each acknowledgement with its lease renewed; every write is fenced by the lease, so a
 *   node that lost it (it stalled past the expiry, or the hook was deleted) stops at once.
 * - A failure records the attempt, sets when to try again (exponential from `retryMs`, capped at 10 min, with
 *   jitter) and gives the lease back, so the retry may come from any node. A drained backlog gives it back too.
 * - A node that dies keeps its leases until they expire; another node then goes on from the stored position:
 *   only the event that was in flight can be delivered twice. Nothing is kept in memory between rounds.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { EventLog } from '../storage/store.ts';
import type { HookRecord, HookStore } from '../storage/hooks.ts';
import { encodeCursor } from './cursor.ts';
import { WorkerLoop } from './log-worker.ts';
import type { LogEvent } from './types.ts';

/** Post one delivery; resolves with the HTTP status (rejects when no answer came: network, timeout, refused address). */
export type SendHook = (url: string, body: string, headers: Record<string, string>) => Promise<number>;

export interface HookDeliveryOptions {
  /** How long a lease lasts; renewed as the holder delivers. */
  leaseMs: number;
  /** The first retry's delay (doubling up to RETRY_MAX_MS). */
  retryMs: number;
  /** Pause between rounds. */
  tickMs: number;
  /** Hooks one node delivers at once. */
  lanesMax: number;
}

/** The contract's limit on one delivery (API v1.1 §6): also the least lease a send may start on. */
export const SEND_TIMEOUT_MS = 10_000;
const RETRY_MAX_MS = 10 * 60_000;
/** Feed events read per step of a lane. */
const PAGE = 100;
/** Rounds started by new events come at most this often. */
const NUDGE_MS = 10;
/** How long stopping waits for deliveries in flight (an abandoned one is sent again by the next holder). */
const STOP_WAIT_MS = 5000;

/** Delay before try `attempts + 1` of an event that failed `attempts` times: base × 2^(attempts-1), capped, plus up to a quarter. */
export function retryDelayMs(attempts: number, baseMs: number, random = Math.random): number {
  const d = Math.min(RETRY_MAX_MS, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(d + random() * d / 4);
}

/** The Standard Webhooks signature of a body: `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** A delivery's body: the stream's event, its data embedded as it was encoded (no re-encoding). */
export const deliveryBody = (hookId: string, eventId: string, e: LogEvent): string =>
  `{"hook_id":${JSON.stringify(hookId)},"event":{"id":${JSON.stringify(eventId)},"type":${JSON.stringify(e.type)},"data":${e.data}}}`;

export class HookDelivery {
  private readonly loop: WorkerLoop;
  /** This process's name in leases. */
  readonly node = randomBytes(8).toString('hex');
  private readonly lanes = new Map<string, Promise<void>>();
  private nudged: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Pick<EventLog, 'head'> & { readonly logId: string },
    private readonly hooks: HookStore,
    private readonly send: SendHook,
    private readonly opts: HookDeliveryOptions,
    private readonly onError: (what: string, err: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.loop = new WorkerLoop([['hook lease', () => this.lease()]], opts.tickMs, onError);
  }

  start(): void {
    this.loop.start();
  }

  /** One round now. */
  round(): Promise<void> {
    return this.loop.round();
  }

  /** New events reached this node: a round soon instead of at the next tick (coalesced to one per NUDGE_MS). */
  nudge(): void {
    if (this.nudged || this.loop.stopped) return;
    this.nudged = setTimeout(() => {
      this.nudged = null;
      void this.round();
    }, NUDGE_MS);
    this.nudged.unref();
  }

  /** Stop leasing; wait a while for lanes in flight (they give their leases back). */
  async stop(): Promise<void> {
    await this.loop.stop();
    if (this.nudged) clearTimeout(this.nudged);
    await Promise.race([Promise.allSettled(this.lanes.values()), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
  }

  private async lease(): Promise<void> {
    const room = this.opts.lanesMax - this.lanes.size;
    if (room <= 0) return;
    const t = this.now();
    const ids = await this.hooks.lease(this.node, t, t + this.opts.leaseMs, await this.log.head(), room);
    for (const id of ids) {
      if (this.lanes.has(id)) continue;
      const lane = this.lane(id).catch((err: unknown) => this.onError('hook delivery', err)).finally(() => this.lanes.delete(id));
      this.lanes.set(id, lane);
    }
  }

  /** Deliver one leased hook's feed until it is drained, fails, or the lease is lost. */
  private async lane(id: string): Promise<void> {
    const hook = await this.hooks.leased(id);
    if (!hook) return;
    let until = this.now() + this.opts.leaseMs;
    let pos = hook.pos;
    /** Failed tries of the next event (reset by an acknowledgement). */
    let failed = hook.attempts;
    try {
      for (;;) {
        if (this.loop.stopped) return await this.hooks.release(id, this.node);
        const head = await this.log.head();
        const events = await this.hooks.feed(hook, pos, head, PAGE);
        if (events.length === 0) {
          const state = await this.hooks.skip(id, this.node, head, this.now() + this.opts.leaseMs);
          if (state) await this.hooks.release(id, this.node);
          return;
        }
        for (const e of events) {
          if (this.loop.stopped) return await this.hooks.release(id, this.node);
          if (until - this.now() < SEND_TIMEOUT_MS) {
            until = this.now() + Math.max(this.opts.leaseMs, SEND_TIMEOUT_MS * 2);
            if (!(await this.hooks.renew(id, this.node, until))) return;
          }
          const result = await this.deliver(hook, e);
          const at = new Date(this.now()).toISOString();
          if (result.ok) {
            until = this.now() + this.opts.leaseMs;
            const state = await this.hooks.ack(id, this.node, e.pos, result.status!, at, until);
            if (!state) return;
            if (!state.deliverable) return await this.hooks.release(id, this.node);
            pos = e.pos;
            failed = 0;
          } else {
            const nextAt = this.now() + retryDelayMs(failed + 1, this.opts.retryMs);
            return await this.hooks.fail(id, this.node, { pos: e.pos, status: result.status, error: result.error, at, nextAt });
          }
        }
      }
    } catch (err) {
      await this.hooks.release(id, this.node).catch(() => {});
      throw err;
    }
  }

  private async deliver(hook: HookRecord, e: LogEvent): Promise<{ ok: true; status: number } | { ok: false; status: number | null; error: string }> {
    const eventId = encodeCursor(e.pos, this.log.logId);
    const body = deliveryBody(hook.id, eventId, e);
    const timestamp = Math.floor(this.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'webhook-id': eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(hook.secret!, eventId, timestamp, body),
    };
    try {
      const status = await this.send(hook.url!, body, headers);
      if (status >= 200 && status < 300) return { ok: true, status };
      return { ok: false, status, error: status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}` };
    } catch (err) {
      return { ok: false, status: null, error: (err as Error).message || 'no answer' };
    }
  }
}
