/**
 * Email digests (API v1.1 §4 "Email"). Every node runs this loop; the database makes the work happen once, as
 * for Web Push (push-delivery.ts):
 *
 * 1. Decide. From the stored cursor `email` (made at the log head on first start: no backlog is mailed), each
 *    `message` event at least `delayMs` old is decided per member with a verified address and email
 *    notifications on: a DM or a `user`/`reply` mention that notifies them (push-decision.ts `notifyReason`,
 *    with their level and mention row) and is still unread and not deleted becomes pending for them. The
 *    pending rows are written in the transaction that moves the cursor, by compare-and-set: when nodes decide
 *    together, one commits and the others' work is discarded.
 * 2. Send. A user whose last digest went out at least `delayMs` ago and whose oldest pending message is
 *    `delayMs + gatherMs` old is claimed by one node (the claim expires if that node dies). Messages read or
 *    deleted meanwhile are dropped; the rest go out in ONE email and are marked mailed with the user's
 *    last-sent time. A failed send keeps them pending and is tried again with backoff. `gatherMs` lets a burst
 *    of messages committed close together share one email instead of the first going out alone.
 *
 * A node that dies after the SMTP server took a digest but before recording it may mail it again once its
 * claim expires: at least once, never lost.
 */
import type { EventLog } from '../storage/store.ts';
import type { Digest, EmailStore, NewPending } from '../storage/email.ts';
import { composeDigest, type SendMail } from './email-compose.ts';
import type { MentionReason } from './mentions.ts';
import { notifyReason } from './push-decision.ts';
import { dueMessages, WorkerLoop } from './log-worker.ts';
import type { Message, NotificationLevel } from './types.ts';

export interface EmailDigestOptions {
  /** NATTER_EMAIL_DELAY_MS: unread age before mailing, and the least gap between a user's emails. */
  delayMs: number;
  /** How long a claim on a user's digest lasts (longer than a send may take). */
  claimMs: number;
  /** Pause between rounds. */
  tickMs: number;
  /** NATTER_PUBLIC_URL, for the links. */
  publicUrl: string;
}

const CURSOR = 'email';
/** Digests claimed per round. */
const BATCH = 16;
/** Messages listed in one email; more wait for the next one. */
export const DIGEST_MAX = 100;
const BACKOFF_MAX_MS = 3_600_000;

/** How long after the oldest message becomes due a digest waits for the ones committed just after it. */
export const gatherMs = (delayMs: number): number => Math.min(60_000, Math.floor(delayMs / 4));

/** Delay before the next try of a digest that failed `attempts` times: exponential from 10 s, at most an hour, with jitter. */
export function emailBackoffMs(attempts: number, random = Math.random): number {
  const exp = Math.min(BACKOFF_MAX_MS, 10_000 * 2 ** Math.min(attempts, 20));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Why a message is mailed to a member (`dm`, `user` or `reply`), or null: not notified, another reason, read or deleted. */
export function emailReason(
  m: { seq: number; authorId: string; roomKind: 'room' | 'dm'; deleted: boolean; mention: MentionReason | null },
  u: { userId: string; level: NotificationLevel; readSeq: number },
): 'dm' | 'user' | 'reply' | null {
  const reason = notifyReason(m, u);
  if (reason !== 'dm' && reason !== 'user' && reason !== 'reply') return null;
  return m.deleted || u.readSeq >= m.seq ? null : reason;
}

export class EmailDigests {
  private readonly loop: WorkerLoop;

  constructor(
    private readonly log: Pick<EventLog, 'head' | 'readLog'>,
    private readonly work: EmailStore,
    private readonly send: SendMail,
    private readonly opts: EmailDigestOptions,
    private readonly onError: (what: string, err: unknown) => void,
  ) {
    this.loop = new WorkerLoop([['email decision', () => this.decide()], ['email send', () => this.sendDue()]], opts.tickMs, onError);
  }

  start(): void {
    this.loop.start();
  }

  /** Stop the loop; resolves when the round in progress (if any, with its sends) ended. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One round: decide what is due, then send the digests that are due. Rounds never overlap. */
  round(): Promise<void> {
    return this.loop.round();
  }

  /** Record the messages due for each recipient's digest, moving the cursor past them in the same transaction. */
  async decide(now = Date.now()): Promise<void> {
    const { from, to, due } = await dueMessages(this.log, (head) => this.work.cursor(CURSOR, head), this.opts.delayMs, now);
    if (to === from) return;
    const pending: NewPending[] = [];
    for (const d of due) await this.decideMessage(d.roomId, d.message, d.committedAt, pending);
    await this.work.enqueue(CURSOR, from, to, pending);
  }

  private async decideMessage(roomId: number, m: Message, committedAt: number, out: NewPending[]): Promise<void> {
    for (const t of await this.work.targets(roomId, m.id, m.author.id)) {
      const facts = { seq: m.seq, authorId: m.author.id, roomKind: t.roomKind, deleted: m.deleted, mention: t.mention };
      const reason = emailReason(facts, { userId: t.userId, level: t.level, readSeq: t.readSeq });
      if (reason) out.push({ userId: t.userId, roomId, seq: m.seq, reason, committedAt });
    }
  }

  /** Claim the digests that are due and send each (at most BATCH per round). */
  async sendDue(now = Date.now()): Promise<void> {
    const { delayMs, claimMs } = this.opts;
    const digests = await this.work.claim({
      now, lastBefore: now - delayMs, readyBefore: now - delayMs - gatherMs(delayMs), claimMs, limit: BATCH, maxItems: DIGEST_MAX,
    });
    await Promise.all(digests.map((d) => this.sendOne(d).catch((err: unknown) => this.onError('email send', err))));
  }

  private async sendOne(d: Digest): Promise<void> {
    // No address to mail now (removed, changed and unverified, or notifications off): nothing pending is kept.
    const live = d.to === null ? [] : d.items.filter((i) => !i.stale);
    const dropped = d.to === null ? d.items : d.items.filter((i) => i.stale);
    if (live.length === 0) return this.work.finish(d.userId, [], dropped, Date.now());
    try {
      await this.send(d.to!, composeDigest(d.username, live, this.opts.publicUrl));
    } catch (err) {
      this.onError('email send', err);
      return this.work.retry(d.userId, Date.now() + emailBackoffMs(d.attempts));
    }
    await this.work.finish(d.userId, live, dropped, Date.now());
  }
}
