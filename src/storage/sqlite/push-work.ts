/**
 * Web Push delivery on SQLite (push-work.ts `PushWork`, API v1.1 §4). Writes join the store's group commit and
 * run without yielding, so the cursor's compare-and-set, a claim and a delivery are each atomic.
 * Mirrors postgres/push-work.ts.
 */
import { NOTIFY_LEVEL } from './sql.ts';
import type Database from 'better-sqlite3';
import { parseId } from '../rows.ts';
import {
  toQueued, toTarget, type ClosePayload, type NewPush, type PushTarget, type PushWork, type QueuedPush, type QueuedRow,
  type TargetRow, type VisibleSpan,
} from '../push-work.ts';


const SQL = {
  cursor: 'SELECT pos FROM worker_cursors WHERE name = ?',
  cursorInit: 'INSERT OR IGNORE INTO worker_cursors (name, pos) VALUES (?, ?)',
  cursorSet: 'UPDATE worker_cursors SET pos = ? WHERE name = ?',
  pushUsers: 'SELECT DISTINCT user_id FROM push_subscriptions',
  // (message id, pos, pos, room, author)
  targets: `SELECT s.user_id, s.id AS subscription_id, r.kind, ${NOTIFY_LEVEL} AS level, m.read_seq,
      (SELECT x.reason FROM mentions x WHERE x.user_id = m.user_id AND x.message_id = ?) AS mention,
      EXISTS (SELECT 1 FROM visible_spans v WHERE v.user_id = m.user_id AND v.from_pos <= ? AND v.to_pos >= ?) AS seen
    FROM push_subscriptions s JOIN members m ON m.user_id = s.user_id JOIN rooms r ON r.id = m.room_id
    WHERE m.room_id = ? AND m.user_id <> ?`,
  // (subscription, room, now): an unclaimed queued message to merge into
  mergeable: `SELECT id FROM push_outbox WHERE subscription_id = ? AND room_id = ? AND kind = 'message' AND claimed_until <= ?
    ORDER BY id DESC LIMIT 1`,
  merge: 'UPDATE push_outbox SET seq = ?, payload = ?, count = count + ? WHERE id = ?',
  // (subscription, user, room, seq, kind, payload, count, created, next, subscription)
  insert: `INSERT INTO push_outbox (subscription_id, user_id, room_id, seq, kind, payload, count, created_at, next_at)
    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM push_subscriptions WHERE id = ?)`,
  due: 'SELECT id FROM push_outbox WHERE next_at <= ? AND claimed_until <= ? ORDER BY next_at, id LIMIT ?',
  setClaim: 'UPDATE push_outbox SET claimed_until = ? WHERE id = ?',
  claimed: `SELECT o.*, s.endpoint, s.p256dh, s.auth,
      (o.kind = 'message' AND (m.read_seq IS NULL OR m.read_seq >= o.seq OR msg.deleted IS NULL OR msg.deleted = 1)) AS stale
    FROM push_outbox o JOIN push_subscriptions s ON s.id = o.subscription_id
    LEFT JOIN members m ON m.room_id = o.room_id AND m.user_id = o.user_id
    LEFT JOIN messages msg ON msg.room_id = o.room_id AND msg.seq = o.seq
    WHERE o.id = ?`,
  row: 'SELECT * FROM push_outbox WHERE id = ?',
  delete: 'DELETE FROM push_outbox WHERE id = ?',
  // (subscription, room, user, seq, subscription)
  pushed: `INSERT INTO push_pushed (subscription_id, room_id, user_id, seq) SELECT ?, ?, ?, ?
    WHERE EXISTS (SELECT 1 FROM push_subscriptions WHERE id = ?)
    ON CONFLICT (subscription_id, room_id) DO UPDATE SET seq = max(push_pushed.seq, excluded.seq)`,
  // (subscription, room): the pushed message, its room's name, whether it is read or deleted now
  pushedNow: `SELECT p.subscription_id, p.user_id, p.room_id, p.seq, r.name,
      (m.read_seq IS NULL OR m.read_seq >= p.seq OR msg.deleted IS NULL OR msg.deleted = 1) AS done
    FROM push_pushed p JOIN rooms r ON r.id = p.room_id
    LEFT JOIN members m ON m.room_id = p.room_id AND m.user_id = p.user_id
    LEFT JOIN messages msg ON msg.room_id = p.room_id AND msg.seq = p.seq
    WHERE p.subscription_id = ? AND p.room_id = ?`,
  unpush: 'DELETE FROM push_pushed WHERE subscription_id = ? AND room_id = ?',
  readCovered: `SELECT p.subscription_id, p.user_id, p.room_id, p.seq, r.name FROM push_pushed p JOIN rooms r ON r.id = p.room_id
    WHERE p.user_id = ? AND p.room_id = ? AND p.seq <= ?`,
  deletedCovered: `SELECT p.subscription_id, p.user_id, p.room_id, p.seq, r.name FROM push_pushed p JOIN rooms r ON r.id = p.room_id
    WHERE p.room_id = ? AND p.seq = ?`,
  retry: 'UPDATE push_outbox SET attempts = attempts + 1, next_at = ?, claimed_until = 0 WHERE id = ?',
  forget: 'DELETE FROM push_subscriptions WHERE id = ?',
  span: `INSERT INTO visible_spans (stream_id, from_pos, user_id, to_pos, updated_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (stream_id, from_pos) DO UPDATE SET to_pos = max(visible_spans.to_pos, excluded.to_pos), updated_at = excluded.updated_at`,
  prune: 'DELETE FROM visible_spans WHERE to_pos < ? AND updated_at < ?',
} as const;

interface PushedRow {
  subscription_id: string;
  user_id: number;
  room_id: number;
  seq: number;
  name: string;
}

type Statements = { [K in keyof typeof SQL]: Database.Statement<unknown[], unknown> };

export class SqlitePushWork implements PushWork {
  private readonly s: Statements;

  constructor(db: Database.Database, private readonly write: <T>(fn: () => T) => Promise<T>) {
    this.s = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, db.prepare(sql)])) as Statements;
  }

  async cursor(name: string, initial: number): Promise<number> {
    const have = this.s.cursor.get(name) as { pos: number } | undefined;
    if (have) return have.pos;
    return this.write(() => {
      this.s.cursorInit.run(name, initial);
      return (this.s.cursor.get(name) as { pos: number }).pos;
    });
  }

  async pushUsers(): Promise<string[]> {
    return (this.s.pushUsers.all() as { user_id: number }[]).map((r) => String(r.user_id));
  }

  async targets(roomId: number, messageId: string, authorId: string, pos: number): Promise<PushTarget[]> {
    return (this.s.targets.all(parseId(messageId), pos, pos, roomId, parseId(authorId)) as TargetRow[]).map(toTarget);
  }

  async enqueue(name: string, from: number, to: number, pushes: NewPush[], now: number): Promise<boolean> {
    return this.write(() => {
      if ((this.s.cursor.get(name) as { pos: number } | undefined)?.pos !== from) return false;
      this.s.cursorSet.run(to, name);
      for (const p of pushes) this.queue(p, now);
      return true;
    });
  }

  private queue(p: NewPush, now: number): void {
    const into = p.kind === 'message' ? (this.s.mergeable.get(p.subscriptionId, p.roomId, now) as { id: number } | undefined) : undefined;
    if (into) this.s.merge.run(p.seq, p.payload, p.count, into.id);
    else this.s.insert.run(p.subscriptionId, parseId(p.userId), p.roomId, p.seq, p.kind, p.payload, p.count, now, now, p.subscriptionId);
  }

  async claim(limit: number, now: number, claimMs: number): Promise<QueuedPush[]> {
    return this.write(() => {
      const ids = (this.s.due.all(now, now, limit) as { id: number }[]).map((r) => r.id);
      for (const id of ids) this.s.setClaim.run(now + claimMs, id);
      return ids.flatMap((id) => {
        const row = this.s.claimed.get(id) as QueuedRow | undefined;
        return row ? [toQueued(row)] : [];
      });
    });
  }

  async delivered(id: number, now: number, close: ClosePayload): Promise<void> {
    await this.write(() => {
      const row = this.s.row.get(id) as { subscription_id: string; user_id: number; room_id: number; seq: number; kind: string } | undefined;
      if (!row) return;
      this.s.delete.run(id);
      if (row.kind !== 'message') return;
      this.s.pushed.run(row.subscription_id, row.room_id, row.user_id, row.seq, row.subscription_id);
      const now_ = this.s.pushedNow.get(row.subscription_id, row.room_id) as (PushedRow & { done: number }) | undefined;
      if (now_?.done) this.closeAll([now_], now, close);
    });
  }

  async retry(id: number, at: number): Promise<void> {
    await this.write(() => this.s.retry.run(at, id));
  }

  async drop(id: number): Promise<void> {
    await this.write(() => this.s.delete.run(id));
  }

  async forget(subscriptionId: string): Promise<void> {
    await this.write(() => this.s.forget.run(subscriptionId));
  }

  async closeRead(userId: string, roomId: number, readSeq: number, now: number, close: ClosePayload): Promise<void> {
    const args = [parseId(userId), roomId, readSeq];
    // Most read markers move with nothing pushed: a read, and no write.
    if (!this.s.readCovered.get(...args)) return;
    await this.write(() => this.closeAll(this.s.readCovered.all(...args) as PushedRow[], now, close));
  }

  async closeDeleted(roomId: number, seq: number, now: number, close: ClosePayload): Promise<void> {
    if (!this.s.deletedCovered.get(roomId, seq)) return;
    await this.write(() => this.closeAll(this.s.deletedCovered.all(roomId, seq) as PushedRow[], now, close));
  }

  /** Forget each pushed message and queue its `close` (inside a write). */
  private closeAll(rows: PushedRow[], now: number, close: ClosePayload): void {
    for (const r of rows) {
      this.s.unpush.run(r.subscription_id, r.room_id);
      this.queue({ subscriptionId: r.subscription_id, userId: String(r.user_id), roomId: r.room_id, seq: r.seq, kind: 'close', payload: close(r.name, r.seq), count: 1 }, now);
    }
  }

  async recordSpans(spans: readonly VisibleSpan[], now: number): Promise<void> {
    if (spans.length === 0) return;
    await this.write(() => {
      for (const v of spans) this.s.span.run(v.streamId, v.fromPos, parseId(v.userId), v.toPos, now);
    });
  }

  async pruneSpans(pos: number, before: number): Promise<void> {
    await this.write(() => this.s.prune.run(pos, before));
  }
}
