/**
 * Web Push delivery (API v1.1 §4, issue 13 items 2 and 3). Every node runs this loop; the database makes the
 * work happen once:
 *
 * 1. Decide. The log is the queue of candidates: from the stored cursor `push`, each `message` event whose
 *    delay has passed is decided per subscription (core/push-decision.ts) with facts read now (level, read
 *    marker, mention, whether a stream was sent it while visible: core/visible-spans.ts). What to push is
 *    queued in the same transaction that moves the cursor, by compare-and-set: when nodes decide together,
 *    one commits and the others' work is discarded. A restart resumes from the cursor; nothing is in memory.
 * 2. Send. Queued pushes are claimed by one node at a time (a claim that outlives a dead node expires, and
 *    another node sends it with the same Topic, which the push service and the notification's tag collapse),
 *    sent, and deleted when the push service accepts them. 404/410 deletes the subscription; 429, 5xx and
 *    network failures are retried with backoff for up to an hour; a push whose message was read or deleted
 *    meanwhile is dropped.
 * 3. Take back. When a read marker reaches a pushed message, or it is deleted, a `close` is queued for each
 *    subscription that got it (`onRead` / `onDeleted`, called by the chat use cases).
 */
import { createHash } from 'node:crypto';
import type { EventLog } from '../storage/store.ts';
import type { NewPush, PushWork, QueuedPush } from '../storage/push-work.ts';
import { decidePush, pushExcerpt, type NotifyReason } from './push-decision.ts';
import { dueMessages, WorkerLoop } from './log-worker.ts';
import type { Message } from './types.ts';
import type { VisibleSpans } from './visible-spans.ts';

/** Send one encrypted push; resolves with the push service's status (rejects when it could not be reached). */
export type SendPush = (
  sub: { endpoint: string; p256dh: string; auth: string },
  payload: string,
  topic: string,
) => Promise<{ status: number; retryAfterMs: number | null }>;

export interface PushDeliveryOptions {
  delayMs: number;
  excerpt: boolean;
  /** How long a claim on a queued push lasts (longer than a send may take). */
  claimMs: number;
  /** Pause between rounds. */
  tickMs: number;
}

const CURSOR = 'push';
/** Pushes claimed per batch. */
const BATCH = 32;
/** Pushes in flight at once per node: sends run beside the rounds, so one slow push service delays nobody else. */
const IN_FLIGHT_MAX = 128;
/** How long stopping waits for sends in flight (an abandoned one is sent again, with the same Topic, once its claim expires). */
const STOP_WAIT_MS = 5000;
/** How long a push is retried, and the oldest message still pushed (a node down longer does not push old news). */
export const PUSH_GIVE_UP_MS = 3_600_000;
const BACKOFF_MAX_MS = 10 * 60_000;
/** Rounds between prunings of the visible-stream record. */
const PRUNE_EVERY = 100;

/** The `tag` of a room's notifications: a newer one replaces the older. */
export const pushTag = (room: string): string => `natter:${room}`;

/** RFC 8030 Topic (at most 32 URL-safe base64 characters): one per room, so the push service keeps only the newest. */
export const pushTopic = (room: string): string => createHash('sha256').update(pushTag(room)).digest('base64url').slice(0, 32);

export const closePayload = (room: string, seq: number): string => JSON.stringify({ type: 'close', tag: pushTag(room), room, seq });

/** Delay before the next try of a push tried `attempts` times: exponential with jitter, at least what the service asked. */
export function backoffMs(attempts: number, retryAfterMs: number | null, random = Math.random): number {
  const exp = Math.min(BACKOFF_MAX_MS, 1000 * 2 ** Math.min(attempts, 20));
  return Math.max(retryAfterMs ?? 0, Math.round(exp / 2 + random() * (exp / 2)));
}

export class PushDelivery {
  private readonly loop: WorkerLoop;
  private readonly inFlight = new Set<Promise<void>>();
  private rounds = 0;

  constructor(
    private readonly log: Pick<EventLog, 'head' | 'readLog'>,
    private readonly work: PushWork,
    spans: VisibleSpans,
    private readonly send: SendPush,
    private readonly opts: PushDeliveryOptions,
    private readonly onError: (what: string, err: unknown) => void,
  ) {
    this.loop = new WorkerLoop([
      ['visible spans', () => spans.flush()],
      ['push decision', () => this.decide()],
      ['push send', () => this.sendQueued()],
    ], opts.tickMs, onError);
  }

  start(): void {
    this.loop.start();
  }

  /** Stop the loop; resolves when the round in progress ended and the sends in flight finished (or STOP_WAIT_MS passed). */
  async stop(): Promise<void> {
    await this.loop.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.inFlight), new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** One round: record visibility, decide what is due, send what is queued. Rounds never overlap. */
  round(): Promise<void> {
    return this.loop.round();
  }

  /** Queue pushes for the messages whose delay has passed, moving the cursor past them in the same transaction. */
  async decide(now = Date.now()): Promise<void> {
    const { from, to, due } = await dueMessages(this.log, (head) => this.work.cursor(CURSOR, head), this.opts.delayMs, now);
    if (to === from) return;
    const queued = new Map<string, NewPush>();
    for (const d of due) {
      if (now - d.committedAt < PUSH_GIVE_UP_MS) await this.decideMessage(d.roomId, d.pos, d.message, d.committedAt, now, queued);
    }
    await this.work.enqueue(CURSOR, from, to, [...queued.values()], now);
    // Stretches below the cursor decide nothing any more; an hour's margin covers any node's clock.
    if (++this.rounds % PRUNE_EVERY === 0) await this.work.pruneSpans(to, now - PUSH_GIVE_UP_MS);
  }

  private async decideMessage(roomId: number, pos: number, m: Message, committedAt: number, now: number, queued: Map<string, NewPush>): Promise<void> {
    const targets = await this.work.targets(roomId, m.id, m.author.id, pos);
    for (const t of targets) {
      const facts = { seq: m.seq, authorId: m.author.id, roomKind: t.roomKind, deleted: m.deleted, committedAt, mention: t.mention };
      const d = decidePush(facts, { userId: t.userId, level: t.level, readSeq: t.readSeq, seenVisible: t.seen }, now, this.opts.delayMs);
      if (!d.push) continue;
      const key = `${t.subscriptionId} ${roomId}`;
      const count = (queued.get(key)?.count ?? 0) + 1;
      const payload = this.payload(m, t.roomKind, d.reason);
      queued.set(key, { subscriptionId: t.subscriptionId, userId: t.userId, roomId, seq: m.seq, kind: 'message', payload, count });
    }
  }

  private payload(m: Message, roomKind: 'room' | 'dm', reason: NotifyReason): string {
    const author = m.author as Message['author'] & { display_name?: string | null };
    return JSON.stringify({
      type: 'message', tag: pushTag(m.room), room: m.room, room_kind: roomKind, message_id: m.id, seq: m.seq,
      author: { id: author.id, username: author.username, display_name: author.display_name ?? null },
      excerpt: pushExcerpt(m.text, this.opts.excerpt), reason,
    });
  }

  /** Claim queued pushes, a batch at a time, until none is due or IN_FLIGHT_MAX are in flight; send them without waiting. */
  async sendQueued(): Promise<void> {
    while (!this.loop.stopped && this.inFlight.size < IN_FLIGHT_MAX) {
      const batch = await this.work.claim(Math.min(BATCH, IN_FLIGHT_MAX - this.inFlight.size), Date.now(), this.opts.claimMs);
      for (const q of batch) {
        const sending: Promise<void> = this.sendOne(q)
          .catch((err: unknown) => this.onError('push send', err))
          .finally(() => this.inFlight.delete(sending));
        this.inFlight.add(sending);
      }
      if (batch.length < BATCH) return;
    }
  }

  private async sendOne(q: QueuedPush): Promise<void> {
    const now = Date.now();
    if (q.stale || now - q.createdAt > PUSH_GIVE_UP_MS) return this.work.drop(q.id);
    const body = q.kind === 'message' ? JSON.stringify({ ...(JSON.parse(q.payload) as object), count: q.count }) : q.payload;
    const room = (JSON.parse(q.payload) as { room: string }).room;
    let res: Awaited<ReturnType<SendPush>>;
    try {
      res = await this.send(q.subscription, body, pushTopic(room));
    } catch {
      return this.work.retry(q.id, Date.now() + backoffMs(q.attempts, null));
    }
    if (res.status >= 200 && res.status < 300) return this.work.delivered(q.id, Date.now(), closePayload);
    if (res.status === 404 || res.status === 410) return this.work.forget(q.subscription.id);
    if (res.status === 429 || res.status >= 500) return this.work.retry(q.id, Date.now() + backoffMs(q.attempts, res.retryAfterMs));
    // Any other answer (400, 403, 413…) will not change by sending the same again.
    this.onError('push send', new Error(`push service answered ${res.status} for subscription ${q.subscription.id}`));
    return this.work.drop(q.id);
  }

  /** The user's read marker moved: take back what it covers. */
  onRead(userId: string, roomId: number, readSeq: number): void {
    this.work.closeRead(userId, roomId, readSeq, Date.now(), closePayload).catch((err: unknown) => this.onError('push close', err));
  }

  /** A message was deleted: take back its notifications. */
  onDeleted(roomId: number, seq: number): void {
    this.work.closeDeleted(roomId, seq, Date.now(), closePayload).catch((err: unknown) => this.onError('push close', err));
  }
}
