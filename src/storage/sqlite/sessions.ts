/**
 * Sessions in SQLite (store.ts `Sessions`). Reads run at once; writes join the store's
 * group-committed transaction of this tick (group-commit.ts), like every other write.
 */
import type Database from 'better-sqlite3';
import type { User } from '../../core/types.ts';
import type { SessionRecord, Sessions } from '../store.ts';
import { now, parseId, toSession, toUser, type SessionRow, type UserRow } from '../rows.ts';

const COLS = 's.id AS sid, s.user_id, s.created_at AS s_created_at, s.last_used_at, s.user_agent';

const SQL = {
  insert: 'INSERT INTO sessions (token_hash, user_id, created_at, last_used_at, user_agent) VALUES (?, ?, ?, ?, ?)',
  byToken: `SELECT ${COLS}, u.id, u.username, u.guest, u.created_at, u.role, u.active, u.display_name, u.avatar_id, u.kind FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?
    AND (u.owner_id IS NULL OR EXISTS (SELECT 1 FROM users o WHERE o.id = u.owner_id AND o.active = 1))`,
  touch: 'UPDATE sessions SET last_used_at = ? WHERE id = ? AND last_used_at < ?',
  list: `SELECT ${COLS} FROM sessions s WHERE s.user_id = ? ORDER BY s.created_at DESC, s.id DESC`,
  delete: 'DELETE FROM sessions WHERE token_hash = ? RETURNING id',
  deleteById: 'DELETE FROM sessions WHERE id = ? AND user_id = ? RETURNING id',
  deleteOthers: 'DELETE FROM sessions WHERE user_id = ? AND id <> ? RETURNING id',
  deleteExpired: `DELETE FROM sessions WHERE (last_used_at <= ? OR created_at <= ?)
    AND user_id NOT IN (SELECT id FROM users WHERE kind = 'bot') RETURNING id, user_id`,
} as const;

export class SqliteSessions implements Sessions {
  private readonly s;

  constructor(db: Database.Database, private readonly write: <T>(fn: () => T) => Promise<T>) {
    const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      insert: p(SQL.insert),
      byToken: p<SessionRow & UserRow>(SQL.byToken),
      touch: p(SQL.touch),
      list: p<SessionRow>(SQL.list),
      delete: p<{ id: number }>(SQL.delete),
      deleteById: p<{ id: number }>(SQL.deleteById),
      deleteOthers: p<{ id: number }>(SQL.deleteOthers),
      deleteExpired: p<{ id: number; user_id: number }>(SQL.deleteExpired),
    };
  }

  async create(userId: string, tokenHash: Buffer, userAgent: string | null): Promise<string> {
    const at = now();
    return this.write(() => String(this.s.insert.run(tokenHash, parseId(userId), at, at, userAgent).lastInsertRowid));
  }

  async find(tokenHash: Buffer): Promise<{ user: User; session: SessionRecord } | null> {
    const row = this.s.byToken.get(tokenHash);
    return row ? { user: toUser(row), session: toSession(row) } : null;
  }

  async touch(sessionId: string, at: string): Promise<void> {
    await this.write(() => this.s.touch.run(at, parseId(sessionId), at));
  }

  async list(userId: string): Promise<SessionRecord[]> {
    return this.s.list.all(parseId(userId)).map(toSession);
  }

  async delete(tokenHash: Buffer): Promise<string | null> {
    const row = await this.write(() => this.s.delete.get(tokenHash));
    return row ? String(row.id) : null;
  }

  async deleteById(userId: string, sessionId: string): Promise<boolean> {
    return (await this.write(() => this.s.deleteById.get(parseId(sessionId), parseId(userId)))) !== undefined;
  }

  async deleteOthers(userId: string, keepId: string): Promise<string[]> {
    return (await this.write(() => this.s.deleteOthers.all(parseId(userId), parseId(keepId)))).map((r) => String(r.id));
  }

  async deleteExpired(idleBefore: string, createdBefore: string): Promise<{ id: string; userId: string }[]> {
    const rows = await this.write(() => this.s.deleteExpired.all(idleBefore, createdBefore));
    return rows.map((r) => ({ id: String(r.id), userId: String(r.user_id) }));
  }
}
