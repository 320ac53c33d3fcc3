/**
 * Web Push delivery on PostgreSQL (push-work.ts `PushWork`, API v1.1 §4). The cursor moves by compare-and-set
 * (`UPDATE … WHERE pos = from`: of nodes deciding together, the row lock lets one win), claims skip rows another
 * node holds (`FOR UPDATE SKIP LOCKED`), and a delivery's bookkeeping is one transaction. Mirrors sqlite/push-work.ts.
 */
import { parseId } from '../rows.ts';
import {
  toQueued, toTarget, type ClosePayload, type NewPush, type PushTarget, type PushWork, type QueuedPush, type QueuedRow,
  type TargetRow, type VisibleSpan,
} from '../push-work.ts';
import { NOTIFY_LEVEL } from './sql.ts';
import type { Tx } from './db.ts';
import type { Db } from './writes.ts';

const DONE = '(m.read_seq IS NULL OR m.read_seq >= p.seq OR msg.deleted IS NULL OR msg.deleted)';

const SQL = {
  cursor: 'SELECT pos FROM worker_cursors WHERE name = $1',
  cursorInit: 'INSERT INTO worker_cursors (name, pos) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
  cursorMove: 'UPDATE worker_cursors SET pos = $3 WHERE name = $1 AND pos = $2',
  pushUsers: 'SELECT DISTINCT user_id FROM push_subscriptions',
  targets: `SELECT s.user_id, s.id AS subscription_id, r.kind, ${NOTIFY_LEVEL} AS level, m.read_seq,
      (SELECT x.reason FROM mentions x WHERE x.user_id = m.user_id AND x.message_id = $1) AS mention,
      EXISTS (SELECT 1 FROM visible_spans v WHERE v.user_id = m.user_id AND v.from_pos <= $2 AND v.to_pos >= $2) AS seen
    FROM push_subscriptions s JOIN members m ON m.user_id = s.user_id JOIN rooms r ON r.id = m.room_id
    WHERE m.room_id = $3 AND m.user_id <> $4`,
  mergeable: `SELECT id FROM push_outbox WHERE subscription_id = $1 AND room_id = $2 AND kind = 'message' AND claimed_until <= $3
    ORDER BY id DESC LIMIT 1 FOR UPDATE SKIP LOCKED`,
  merge: 'UPDATE push_outbox SET seq = $1, payload = $2, count = count + $3 WHERE id = $4',
  insert: `INSERT INTO push_outbox (subscription_id, user_id, room_id, seq, kind, payload, count, created_at, next_at)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $8 WHERE EXISTS (SELECT 1 FROM push_subscriptions WHERE id = $1)`,
  claim: `UPDATE push_outbox SET claimed_until = $3 WHERE id IN (
      SELECT id FROM push_outbox WHERE next_at <= $1 AND claimed_until <= $1 ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
    RETURNING id`,
  claimed: `SELECT o.*, s.endpoint, s.p256dh, s.auth,
      (o.kind = 'message' AND (m.read_seq IS NULL OR m.read_seq >= o.seq OR msg.deleted IS NULL OR msg.deleted)) AS stale
    FROM push_outbox o JOIN push_subscriptions s ON s.id = o.subscription_id
    LEFT JOIN members m ON m.room_id = o.room_id AND m.user_id = o.user_id
    LEFT JOIN messages msg ON msg.room_id = o.room_id AND msg.seq = o.seq
    WHERE o.id = ANY($1) ORDER BY o.next_at, o.id`,
  take: 'DELETE FROM push_outbox WHERE id = $1 RETURNING subscription_id, user_id, room_id, seq, kind',
  // A delivery and a read marker (or a delete) that commit together would each miss the other under READ COMMITTED
  // (the delivery sees the marker unmoved, the closer sees nothing pushed): the delivery holds the two rows those
  // writers change, so one of them waits for the other and sees what it wrote.
  hold: `SELECT 1 FROM members m JOIN messages msg ON msg.room_id = m.room_id
    WHERE m.room_id = $1 AND m.user_id = $2 AND msg.seq = $3 FOR SHARE`,
  pushed: `INSERT INTO push_pushed (subscription_id, room_id, user_id, seq) SELECT $1, $2, $3, $4
    WHERE EXISTS (SELECT 1 FROM push_subscriptions WHERE id = $1)
    ON CONFLICT (subscription_id, room_id) DO UPDATE SET seq = GREATEST(push_pushed.seq, EXCLUDED.seq)`,
  pushedNow: `SELECT p.subscription_id, p.user_id, p.room_id, p.seq, r.name, ${DONE} AS done
    FROM push_pushed p JOIN rooms r ON r.id = p.room_id
    LEFT JOIN members m ON m.room_id = p.room_id AND m.user_id = p.user_id
    LEFT JOIN messages msg ON msg.room_id = p.room_id AND msg.seq = p.seq
    WHERE p.subscription_id = $1 AND p.room_id = $2`,
  // The pushed rows a read or a delete covers, taken (deleted) so that of two racing closers one queues the close.
  takeRead: `DELETE FROM push_pushed p USING rooms r WHERE r.id = p.room_id AND p.user_id = $1 AND p.room_id = $2 AND p.seq <= $3
    RETURNING p.subscription_id, p.user_id, p.room_id, p.seq, r.name`,
  takeDeleted: `DELETE FROM push_pushed p USING rooms r WHERE r.id = p.room_id AND p.room_id = $1 AND p.seq = $2
    RETURNING p.subscription_id, p.user_id, p.room_id, p.seq, r.name`,
  anyRead: 'SELECT 1 FROM push_pushed WHERE user_id = $1 AND room_id = $2 AND seq <= $3 LIMIT 1',
  anyDeleted: 'SELECT 1 FROM push_pushed WHERE room_id = $1 AND seq = $2 LIMIT 1',
  unpush: 'DELETE FROM push_pushed WHERE subscription_id = $1 AND room_id = $2',
  retry: 'UPDATE push_outbox SET attempts = attempts + 1, next_at = $2, claimed_until = 0 WHERE id = $1',
  drop: 'DELETE FROM push_outbox WHERE id = $1',
  forget: 'DELETE FROM push_subscriptions WHERE id = $1',
  spans: `INSERT INTO visible_spans (stream_id, from_pos, user_id, to_pos, updated_at)
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]), (VALUES ($5::bigint)) AS t(at)
    ON CONFLICT (stream_id, from_pos) DO UPDATE SET to_pos = GREATEST(visible_spans.to_pos, EXCLUDED.to_pos), updated_at = EXCLUDED.updated_at`,
  prune: 'DELETE FROM visible_spans WHERE to_pos < $1 AND updated_at < $2',
} as const;

interface PushedRow {
  subscription_id: string;
  user_id: number;
  room_id: number;
  seq: number;
  name: string;
}

export class PostgresPushWork implements PushWork {
  constructor(
    private readonly write: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
    private readonly read: <T>(fn: (db: Db) => Promise<T>) => Promise<T>,
  ) {}

  async cursor(name: string, initial: number): Promise<number> {
    const have = await this.read(async (db) => (await db.query<{ pos: number }>(SQL.cursor, [name])).rows[0]);
    if (have) return have.pos;
    return this.write(async (tx) => {
      await tx.query(SQL.cursorInit, [name, initial]);
      return (await tx.query<{ pos: number }>(SQL.cursor, [name])).rows[0]!.pos;
    });
  }

  async pushUsers(): Promise<string[]> {
    return this.read(async (db) => (await db.query<{ user_id: number }>(SQL.pushUsers)).rows.map((r) => String(r.user_id)));
  }

  async targets(roomId: number, messageId: string, authorId: string, pos: number): Promise<PushTarget[]> {
    const rows = await this.read(async (db) => (await db.query<TargetRow>(SQL.targets, [parseId(messageId), pos, roomId, parseId(authorId)])).rows);
    return rows.map(toTarget);
  }

  async enqueue(name: string, from: number, to: number, pushes: NewPush[], now: number): Promise<boolean> {
    return this.write(async (tx) => {
      if ((await tx.query(SQL.cursorMove, [name, from, to])).rowCount !== 1) return false;
      for (const p of pushes) await this.queue(tx, p, now);
      return true;
    });
  }

  private async queue(tx: Tx, p: NewPush, now: number): Promise<void> {
    const into = p.kind === 'message' ? (await tx.query<{ id: number }>(SQL.mergeable, [p.subscriptionId, p.roomId, now])).rows[0] : undefined;
    if (into) await tx.query(SQL.merge, [p.seq, p.payload, p.count, into.id]);
    else await tx.query(SQL.insert, [p.subscriptionId, parseId(p.userId), p.roomId, p.seq, p.kind, p.payload, p.count, now]);
  }

  async claim(limit: number, now: number, claimMs: number): Promise<QueuedPush[]> {
    return this.write(async (tx) => {
      const ids = (await tx.query<{ id: number }>(SQL.claim, [now, limit, now + claimMs])).rows.map((r) => r.id);
      if (ids.length === 0) return [];
      return (await tx.query<QueuedRow>(SQL.claimed, [ids])).rows.map(toQueued);
    });
  }

  async delivered(id: number, now: number, close: ClosePayload): Promise<void> {
    await this.write(async (tx) => {
      const row = (await tx.query<{ subscription_id: string; user_id: number; room_id: number; seq: number; kind: string }>(SQL.take, [id])).rows[0];
      if (!row || row.kind !== 'message') return;
      await tx.query(SQL.hold, [row.room_id, row.user_id, row.seq]);
      await tx.query(SQL.pushed, [row.subscription_id, row.room_id, row.user_id, row.seq]);
      const now_ = (await tx.query<PushedRow & { done: boolean }>(SQL.pushedNow, [row.subscription_id, row.room_id])).rows[0];
      if (now_?.done) {
        await tx.query(SQL.unpush, [row.subscription_id, row.room_id]);
        await this.closeAll(tx, [now_], now, close);
      }
    });
  }

  async retry(id: number, at: number): Promise<void> {
    await this.write((tx) => tx.query(SQL.retry, [id, at]));
  }

  async drop(id: number): Promise<void> {
    await this.write((tx) => tx.query(SQL.drop, [id]));
  }

  async forget(subscriptionId: string): Promise<void> {
    await this.write((tx) => tx.query(SQL.forget, [subscriptionId]));
  }

  async closeRead(userId: string, roomId: number, readSeq: number, now: number, close: ClosePayload): Promise<void> {
    const args = [parseId(userId), roomId, readSeq];
    // Most read markers move with nothing pushed: a read, and no write.
    if ((await this.read((db) => db.query(SQL.anyRead, args))).rowCount === 0) return;
    await this.write(async (tx) => this.closeAll(tx, (await tx.query<PushedRow>(SQL.takeRead, args)).rows, now, close));
  }

  async closeDeleted(roomId: number, seq: number, now: number, close: ClosePayload): Promise<void> {
    if ((await this.read((db) => db.query(SQL.anyDeleted, [roomId, seq]))).rowCount === 0) return;
    await this.write(async (tx) => this.closeAll(tx, (await tx.query<PushedRow>(SQL.takeDeleted, [roomId, seq])).rows, now, close));
  }

  /** Queue a `close` for each pushed message taken. */
  private async closeAll(tx: Tx, rows: PushedRow[], now: number, close: ClosePayload): Promise<void> {
    for (const r of rows) {
      await this.queue(tx, { subscriptionId: r.subscription_id, userId: String(r.user_id), roomId: r.room_id, seq: r.seq, kind: 'close', payload: close(r.name, r.seq), count: 1 }, now);
    }
  }

  async recordSpans(spans: readonly VisibleSpan[], now: number): Promise<void> {
    if (spans.length === 0) return;
    const cols = [spans.map((v) => v.streamId), spans.map((v) => v.fromPos), spans.map((v) => parseId(v.userId)), spans.map((v) => v.toPos), now];
    await this.write((tx) => tx.query(SQL.spans, cols));
  }

  async pruneSpans(pos: number, before: number): Promise<void> {
    await this.write((tx) => tx.query(SQL.prune, [pos, before]));
  }
}
