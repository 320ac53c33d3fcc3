/**
 * Email addresses, their verification and the digest worker's work on SQLite (email.ts `EmailStore`, API v1.1 §4).
 * Writes join the store's group commit and run without yielding, so the cursor's compare-and-set, a claim and a
 * finished digest are each atomic. Mirrors postgres/email.ts.
 */
import { NOTIFY_LEVEL } from './sql.ts';
import type Database from 'better-sqlite3';
import { parseId } from '../rows.ts';
import {
  MAILED_KEEP_MS, toDigest, toEmailTarget, toSettings, type Digest, type DigestItemRow, type DigestKey, type EmailSettings,
  type EmailStore, type EmailTarget, type EmailTargetRow, type NewPending, type NewToken, type RecipientRow, type SettingsRow,
} from '../email.ts';


const SQL = {
  settings: 'SELECT email, email_verified, email_notifications FROM users WHERE id = ?',
  setEmail: 'UPDATE users SET email = ?, email_verified = 0 WHERE id = ?',
  setNotifications: 'UPDATE users SET email_notifications = ? WHERE id = ?',
  dropTokens: 'DELETE FROM email_tokens WHERE user_id = ?',
  addToken: 'INSERT INTO email_tokens (token_hash, user_id, email, created_at) VALUES (?, ?, ?, ?)',
  // (hash, user, notBefore): the token, for the user's current address, young enough
  token: `SELECT 1 FROM email_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = ? AND t.user_id = ? AND t.email = u.email AND t.created_at >= ?`,
  setVerified: 'UPDATE users SET email_verified = 1 WHERE id = ?',
  cursor: 'SELECT pos FROM worker_cursors WHERE name = ?',
  cursorInit: 'INSERT OR IGNORE INTO worker_cursors (name, pos) VALUES (?, ?)',
  cursorSet: 'UPDATE worker_cursors SET pos = ? WHERE name = ?',
  // (message id, room, author)
  targets: `SELECT m.user_id, r.kind, ${NOTIFY_LEVEL} AS level, m.read_seq,
      (SELECT x.reason FROM mentions x WHERE x.user_id = m.user_id AND x.message_id = ?) AS mention
    FROM members m JOIN rooms r ON r.id = m.room_id JOIN users u ON u.id = m.user_id
    WHERE m.room_id = ? AND m.user_id <> ? AND u.email IS NOT NULL AND u.email_verified = 1 AND u.email_notifications = 1`,
  pend: `INSERT INTO email_queue (user_id, room_id, seq, reason, committed_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (user_id, room_id, seq) DO NOTHING`,
  digestRow: 'INSERT INTO email_digests (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING',
  // (readyBefore, now, lastBefore, limit)
  due: `SELECT d.user_id FROM email_digests d
    WHERE d.user_id IN (SELECT q.user_id FROM email_queue q WHERE q.mailed_at IS NULL AND q.committed_at <= ?)
      AND d.claimed_until <= ? AND d.last_sent_at <= ? LIMIT ?`,
  setClaim: 'UPDATE email_digests SET claimed_until = ? WHERE user_id = ?',
  recipient: `SELECT u.username, u.email, u.email_verified, u.email_notifications, d.attempts
    FROM users u JOIN email_digests d ON d.user_id = u.id WHERE u.id = ?`,
  // (user, limit)
  items: `SELECT q.room_id, q.seq, q.reason, r.name AS room, r.kind, a.username AS author, msg.text,
      (m.read_seq IS NULL OR m.read_seq >= q.seq OR msg.deleted IS NULL OR msg.deleted = 1) AS stale
    FROM email_queue q JOIN rooms r ON r.id = q.room_id
    LEFT JOIN members m ON m.room_id = q.room_id AND m.user_id = q.user_id
    LEFT JOIN messages msg ON msg.room_id = q.room_id AND msg.seq = q.seq
    LEFT JOIN users a ON a.id = msg.author_id
    WHERE q.user_id = ? AND q.mailed_at IS NULL ORDER BY q.committed_at, q.room_id, q.seq LIMIT ?`,
  mailed: 'UPDATE email_queue SET mailed_at = ? WHERE user_id = ? AND room_id = ? AND seq = ?',
  drop: 'DELETE FROM email_queue WHERE user_id = ? AND room_id = ? AND seq = ?',
  prune: 'DELETE FROM email_queue WHERE user_id = ? AND mailed_at < ?',
  sent: 'UPDATE email_digests SET last_sent_at = ?, claimed_until = 0, attempts = 0 WHERE user_id = ?',
  release: 'UPDATE email_digests SET claimed_until = 0 WHERE user_id = ?',
  retry: 'UPDATE email_digests SET claimed_until = ?, attempts = attempts + 1 WHERE user_id = ?',
} as const;

type Statements = { [K in keyof typeof SQL]: Database.Statement<unknown[], unknown> };

export class SqliteEmail implements EmailStore {
  private readonly s: Statements;

  constructor(db: Database.Database, private readonly write: <T>(fn: () => T) => Promise<T>) {
    this.s = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, db.prepare(sql)])) as Statements;
  }

  async settings(userId: string): Promise<EmailSettings> {
    return toSettings(this.s.settings.get(parseId(userId)) as SettingsRow | undefined);
  }

  async update(userId: string, patch: { email?: string | null; notifications?: boolean }, token?: NewToken): Promise<EmailSettings> {
    const id = parseId(userId);
    return this.write(() => {
      if (patch.email !== undefined) {
        this.s.setEmail.run(patch.email, id);
        this.s.dropTokens.run(id);
        if (token && patch.email !== null) this.s.addToken.run(token.hash, id, patch.email, token.at);
      }
      if (patch.notifications !== undefined) this.s.setNotifications.run(patch.notifications ? 1 : 0, id);
      return toSettings(this.s.settings.get(id) as SettingsRow | undefined);
    });
  }

  async verify(userId: string, hash: Buffer, notBefore: number): Promise<EmailSettings | null> {
    const id = parseId(userId);
    return this.write(() => {
      if (!this.s.token.get(hash, id, notBefore)) return null;
      this.s.setVerified.run(id);
      this.s.dropTokens.run(id);
      return toSettings(this.s.settings.get(id) as SettingsRow | undefined);
    });
  }

  async cursor(name: string, initial: number): Promise<number> {
    const have = this.s.cursor.get(name) as { pos: number } | undefined;
    if (have) return have.pos;
    return this.write(() => {
      this.s.cursorInit.run(name, initial);
      return (this.s.cursor.get(name) as { pos: number }).pos;
    });
  }

  async targets(roomId: number, messageId: string, authorId: string): Promise<EmailTarget[]> {
    return (this.s.targets.all(parseId(messageId), roomId, parseId(authorId)) as EmailTargetRow[]).map(toEmailTarget);
  }

  async enqueue(name: string, from: number, to: number, pending: NewPending[]): Promise<boolean> {
    return this.write(() => {
      if ((this.s.cursor.get(name) as { pos: number } | undefined)?.pos !== from) return false;
      this.s.cursorSet.run(to, name);
      for (const p of pending) {
        const user = parseId(p.userId);
        this.s.pend.run(user, p.roomId, p.seq, p.reason, p.committedAt);
        this.s.digestRow.run(user);
      }
      return true;
    });
  }

  async claim(o: { now: number; lastBefore: number; readyBefore: number; claimMs: number; limit: number; maxItems: number }): Promise<Digest[]> {
    return this.write(() => {
      const users = (this.s.due.all(o.readyBefore, o.now, o.lastBefore, o.limit) as { user_id: number }[]).map((r) => r.user_id);
      return users.map((user) => {
        this.s.setClaim.run(o.now + o.claimMs, user);
        const items = this.s.items.all(user, o.maxItems) as DigestItemRow[];
        return toDigest(String(user), this.s.recipient.get(user) as RecipientRow, items);
      });
    });
  }

  async finish(userId: string, mailed: DigestKey[], dropped: DigestKey[], now: number): Promise<void> {
    const id = parseId(userId);
    await this.write(() => {
      for (const k of mailed) this.s.mailed.run(now, id, k.roomId, k.seq);
      for (const k of dropped) this.s.drop.run(id, k.roomId, k.seq);
      this.s.prune.run(id, now - MAILED_KEEP_MS);
      if (mailed.length > 0) this.s.sent.run(now, id);
      else this.s.release.run(id);
    });
  }

  async retry(userId: string, at: number): Promise<void> {
    await this.write(() => this.s.retry.run(at, parseId(userId)));
  }
}
