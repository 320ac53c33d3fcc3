/**
 * Email addresses, their verification and the digest worker's work on PostgreSQL (email.ts `EmailStore`, API v1.1
 * §4). The cursor moves by compare-and-set (`UPDATE … WHERE pos = from`: of nodes deciding together, the row lock
 * lets one win), claims skip users another node holds (`FOR UPDATE SKIP LOCKED`), and a finished digest's
 * bookkeeping is one transaction. Mirrors sqlite/email.ts.
 */
import { parseId } from '../rows.ts';
import {
  MAILED_KEEP_MS, toDigest, toEmailTarget, toSettings, type Digest, type DigestItemRow, type DigestKey, type EmailSettings,
  type EmailStore, type EmailTarget, type EmailTargetRow, type NewPending, type NewToken, type RecipientRow, type SettingsRow,
} from '../email.ts';
import { NOTIFY_LEVEL } from './sql.ts';
import type { Tx } from './db.ts';
import type { Db } from './writes.ts';


const SQL = {
  settings: 'SELECT email, email_verified, email_notifications FROM users WHERE id = $1',
  setEmail: 'UPDATE users SET email = $2, email_verified = false WHERE id = $1',
  setNotifications: 'UPDATE users SET email_notifications = $2 WHERE id = $1',
  dropTokens: 'DELETE FROM email_tokens WHERE user_id = $1',
  addToken: 'INSERT INTO email_tokens (token_hash, user_id, email, created_at) VALUES ($1, $2, $3, $4)',
  // The token, for the user's current address, young enough; the user row is locked against a racing change.
  token: `SELECT 1 FROM email_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = $1 AND t.user_id = $2 AND t.email = u.email AND t.created_at >= $3 FOR UPDATE OF u`,
  setVerified: 'UPDATE users SET email_verified = true WHERE id = $1',
  cursor: 'SELECT pos FROM worker_cursors WHERE name = $1',
  cursorInit: 'INSERT INTO worker_cursors (name, pos) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
  cursorMove: 'UPDATE worker_cursors SET pos = $3 WHERE name = $1 AND pos = $2',
  targets: `SELECT m.user_id, r.kind, ${NOTIFY_LEVEL} AS level, m.read_seq,
      (SELECT x.reason FROM mentions x WHERE x.user_id = m.user_id AND x.message_id = $1) AS mention
    FROM members m JOIN rooms r ON r.id = m.room_id JOIN users u ON u.id = m.user_id
    WHERE m.room_id = $2 AND m.user_id <> $3 AND u.email IS NOT NULL AND u.email_verified AND u.email_notifications`,
  pend: `INSERT INTO email_queue (user_id, room_id, seq, reason, committed_at)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[])
    ON CONFLICT (user_id, room_id, seq) DO NOTHING`,
  digestRows: 'INSERT INTO email_digests (user_id) SELECT DISTINCT unnest($1::bigint[]) ON CONFLICT (user_id) DO NOTHING',
  // (now, lastBefore, readyBefore, limit, claimedUntil)
  claim: `UPDATE email_digests SET claimed_until = $5 WHERE user_id IN (
      SELECT d.user_id FROM email_digests d
      WHERE d.user_id IN (SELECT q.user_id FROM email_queue q WHERE q.mailed_at IS NULL AND q.committed_at <= $3)
        AND d.claimed_until <= $1 AND d.last_sent_at <= $2
      LIMIT $4 FOR UPDATE SKIP LOCKED)
    RETURNING user_id`,
  recipient: `SELECT u.username, u.email, u.email_verified, u.email_notifications, d.attempts
    FROM users u JOIN email_digests d ON d.user_id = u.id WHERE u.id = $1`,
  items: `SELECT q.room_id, q.seq, q.reason, r.name AS room, r.kind, a.username AS author, msg.text,
      (m.read_seq IS NULL OR m.read_seq >= q.seq OR msg.deleted IS NULL OR msg.deleted) AS stale
    FROM email_queue q JOIN rooms r ON r.id = q.room_id
    LEFT JOIN members m ON m.room_id = q.room_id AND m.user_id = q.user_id
    LEFT JOIN messages msg ON msg.room_id = q.room_id AND msg.seq = q.seq
    LEFT JOIN users a ON a.id = msg.author_id
    WHERE q.user_id = $1 AND q.mailed_at IS NULL ORDER BY q.committed_at, q.room_id, q.seq LIMIT $2`,
  mailed: `UPDATE email_queue q SET mailed_at = $2 FROM unnest($3::bigint[], $4::bigint[]) AS k(room_id, seq)
    WHERE q.user_id = $1 AND q.room_id = k.room_id AND q.seq = k.seq`,
  drop: `DELETE FROM email_queue q USING unnest($2::bigint[], $3::bigint[]) AS k(room_id, seq)
    WHERE q.user_id = $1 AND q.room_id = k.room_id AND q.seq = k.seq`,
  prune: 'DELETE FROM email_queue WHERE user_id = $1 AND mailed_at < $2',
  sent: 'UPDATE email_digests SET last_sent_at = $2, claimed_until = 0, attempts = 0 WHERE user_id = $1',
  release: 'UPDATE email_digests SET claimed_until = 0 WHERE user_id = $1',
  retry: 'UPDATE email_digests SET claimed_until = $2, attempts = attempts + 1 WHERE user_id = $1',
} as const;

const columns = (keys: DigestKey[]): [number[], number[]] => [keys.map((k) => k.roomId), keys.map((k) => k.seq)];

export class PostgresEmail implements EmailStore {
  constructor(
    private readonly write: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
    private readonly read: <T>(fn: (db: Db) => Promise<T>) => Promise<T>,
  ) {}

  async settings(userId: string): Promise<EmailSettings> {
    return this.read(async (db) => toSettings((await db.query<SettingsRow>(SQL.settings, [parseId(userId)])).rows[0]));
  }

  async update(userId: string, patch: { email?: string | null; notifications?: boolean }, token?: NewToken): Promise<EmailSettings> {
    const id = parseId(userId);
    return this.write(async (tx) => {
      if (patch.email !== undefined) {
        await tx.query(SQL.setEmail, [id, patch.email]);
        await tx.query(SQL.dropTokens, [id]);
        if (token && patch.email !== null) await tx.query(SQL.addToken, [token.hash, id, patch.email, token.at]);
      }
      if (patch.notifications !== undefined) await tx.query(SQL.setNotifications, [id, patch.notifications]);
      return toSettings((await tx.query<SettingsRow>(SQL.settings, [id])).rows[0]);
    });
  }

  async verify(userId: string, hash: Buffer, notBefore: number): Promise<EmailSettings | null> {
    const id = parseId(userId);
    return this.write(async (tx) => {
      if ((await tx.query(SQL.token, [hash, id, notBefore])).rowCount === 0) return null;
      await tx.query(SQL.setVerified, [id]);
      await tx.query(SQL.dropTokens, [id]);
      return toSettings((await tx.query<SettingsRow>(SQL.settings, [id])).rows[0]);
    });
  }

  async cursor(name: string, initial: number): Promise<number> {
    const have = await this.read(async (db) => (await db.query<{ pos: number }>(SQL.cursor, [name])).rows[0]);
    if (have) return have.pos;
    return this.write(async (tx) => {
      await tx.query(SQL.cursorInit, [name, initial]);
      return (await tx.query<{ pos: number }>(SQL.cursor, [name])).rows[0]!.pos;
    });
  }

  async targets(roomId: number, messageId: string, authorId: string): Promise<EmailTarget[]> {
    const rows = await this.read(async (db) => (await db.query<EmailTargetRow>(SQL.targets, [parseId(messageId), roomId, parseId(authorId)])).rows);
    return rows.map(toEmailTarget);
  }

  async enqueue(name: string, from: number, to: number, pending: NewPending[]): Promise<boolean> {
    return this.write(async (tx) => {
      if ((await tx.query(SQL.cursorMove, [name, from, to])).rowCount !== 1) return false;
      if (pending.length === 0) return true;
      const users = pending.map((p) => parseId(p.userId));
      await tx.query(SQL.pend, [users, pending.map((p) => p.roomId), pending.map((p) => p.seq), pending.map((p) => p.reason), pending.map((p) => p.committedAt)]);
      await tx.query(SQL.digestRows, [users]);
      return true;
    });
  }

  async claim(o: { now: number; lastBefore: number; readyBefore: number; claimMs: number; limit: number; maxItems: number }): Promise<Digest[]> {
    return this.write(async (tx) => {
      const users = (await tx.query<{ user_id: number }>(SQL.claim, [o.now, o.lastBefore, o.readyBefore, o.limit, o.now + o.claimMs])).rows.map((r) => r.user_id);
      const digests: Digest[] = [];
      for (const user of users) {
        const items = (await tx.query<DigestItemRow>(SQL.items, [user, o.maxItems])).rows;
        digests.push(toDigest(String(user), (await tx.query<RecipientRow>(SQL.recipient, [user])).rows[0]!, items));
      }
      return digests;
    });
  }

  async finish(userId: string, mailed: DigestKey[], dropped: DigestKey[], now: number): Promise<void> {
    const id = parseId(userId);
    await this.write(async (tx) => {
      if (mailed.length > 0) await tx.query(SQL.mailed, [id, now, ...columns(mailed)]);
      if (dropped.length > 0) await tx.query(SQL.drop, [id, ...columns(dropped)]);
      await tx.query(SQL.prune, [id, now - MAILED_KEEP_MS]);
      await tx.query(mailed.length > 0 ? SQL.sent : SQL.release, mailed.length > 0 ? [id, now] : [id]);
    });
  }

  async retry(userId: string, at: number): Promise<void> {
    await this.write((tx) => tx.query(SQL.retry, [parseId(userId), at]));
  }
}
