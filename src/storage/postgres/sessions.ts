/**
 * Sessions in PostgreSQL (store.ts `Sessions`): each write is one short transaction of its own
 * (no log position is taken, so none of them waits on log_head); reads retry connection faults.
 */
import type pg from 'pg';
import type { User } from '../../core/types.ts';
import type { SessionRecord, Sessions } from '../store.ts';
import { parseId, toSession, toUser, type SessionRow, type UserRow } from '../rows.ts';
import { prepareNamed, retrying, transaction, type StoreLog } from './db.ts';

const COLS = 's.id AS sid, s.user_id, s.created_at AS s_created_at, s.last_used_at, s.user_agent';

const SQL = {
  insert: 'INSERT INTO sessions (token_hash, user_id, created_at, last_used_at, user_agent) VALUES ($1, $2, now(), now(), $3) RETURNING id',
  byToken: `SELECT ${COLS}, u.id, u.username, u.guest, u.created_at, u.role, u.active, u.display_name, u.avatar_id, u.kind FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1
    AND (u.owner_id IS NULL OR EXISTS (SELECT 1 FROM users o WHERE o.id = u.owner_id AND o.active))`,
  touch: 'UPDATE sessions SET last_used_at = $1 WHERE id = $2 AND last_used_at < $1',
  list: `SELECT ${COLS} FROM sessions s WHERE s.user_id = $1 ORDER BY s.created_at DESC, s.id DESC`,
  delete: 'DELETE FROM sessions WHERE token_hash = $1 RETURNING id',
  deleteById: 'DELETE FROM sessions WHERE id = $1 AND user_id = $2 RETURNING id',
  deleteOthers: 'DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING id',
  deleteExpired: `DELETE FROM sessions WHERE (last_used_at <= $1 OR created_at <= $2)
    AND user_id NOT IN (SELECT id FROM users WHERE kind = 'bot') RETURNING id, user_id`,
} as const;
prepareNamed('sessions', SQL);

export class PostgresSessions implements Sessions {
  constructor(private readonly pool: pg.Pool, private readonly log: StoreLog) {}

  async create(userId: string, tokenHash: Buffer, userAgent: string | null): Promise<string> {
    return String((await this.write<{ id: number }>(SQL.insert, [tokenHash, parseId(userId), userAgent]))[0]!.id);
  }

  async find(tokenHash: Buffer): Promise<{ user: User; session: SessionRecord } | null> {
    const row = (await this.read<SessionRow & UserRow>(SQL.byToken, [tokenHash]))[0];
    return row ? { user: toUser(row), session: toSession(row) } : null;
  }

  async touch(sessionId: string, at: string): Promise<void> {
    await this.write(SQL.touch, [at, parseId(sessionId)]);
  }

  async list(userId: string): Promise<SessionRecord[]> {
    return (await this.read<SessionRow>(SQL.list, [parseId(userId)])).map(toSession);
  }

  async delete(tokenHash: Buffer): Promise<string | null> {
    const row = (await this.write<{ id: number }>(SQL.delete, [tokenHash]))[0];
    return row ? String(row.id) : null;
  }

  async deleteById(userId: string, sessionId: string): Promise<boolean> {
    return (await this.write(SQL.deleteById, [parseId(sessionId), parseId(userId)])).length > 0;
  }

  async deleteOthers(userId: string, keepId: string): Promise<string[]> {
    return (await this.write<{ id: number }>(SQL.deleteOthers, [parseId(userId), parseId(keepId)])).map((r) => String(r.id));
  }

  async deleteExpired(idleBefore: string, createdBefore: string): Promise<{ id: string; userId: string }[]> {
    const rows = await this.write<{ id: number; user_id: number }>(SQL.deleteExpired, [idleBefore, createdBefore]);
    return rows.map((r) => ({ id: String(r.id), userId: String(r.user_id) }));
  }

  private async write<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    return (await transaction(this.pool, this.log, (tx) => tx.query<R>(sql, params))).rows;
  }

  private read<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    return retrying('read', this.log, 4, async () => (await this.pool.query<R>(sql, params)).rows);
  }
}
