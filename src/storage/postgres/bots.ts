/**
 * Bots on PostgreSQL (hooks.ts `BotStore`, API v1.1 §6). The per-owner limit is counted under a lock on the
 * owner's row, so two creations racing for the last place make one bot. Mirrors sqlite/bots.ts.
 */
import { ChatError } from '../../core/errors.ts';
import type { User } from '../../core/types.ts';
import type { Changed } from '../accounts.ts';
import type { BotStore, BotView, NewBot } from '../hooks.ts';
import { now, parseId, toUser, usernameTaken, type UserRow } from '../rows.ts';
import type { Tx } from './db.ts';
import { USER_COLS } from './sql.ts';
import { createUser } from './users.ts';
import type { Db } from './writes.ts';

const SQL = {
  lockOwner: 'SELECT 1 FROM users WHERE id = $1 FOR UPDATE',
  count: "SELECT COUNT(*)::int AS n FROM users WHERE owner_id = $1 AND kind = 'bot' AND active",
  insertSession: 'INSERT INTO sessions (token_hash, user_id, created_at, last_used_at, user_agent) VALUES ($1, $2, $3, $3, NULL)',
  list: `SELECT ${USER_COLS}, o.id AS owner_id, o.username AS owner_name FROM users u JOIN users o ON o.id = u.owner_id
    WHERE u.kind = 'bot' AND ($1::bigint IS NULL OR u.owner_id = $1) ORDER BY u.username_key`,
  find: `SELECT ${USER_COLS}, u.owner_id FROM users u WHERE u.username_key = $1 AND u.kind = 'bot'`,
  endSessions: 'DELETE FROM sessions WHERE user_id = $1 RETURNING id',
  ownedSessions: "SELECT s.id, s.user_id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.owner_id = $1 AND u.kind = 'bot'",
} as const;

export class PostgresBots implements BotStore {
  constructor(
    private readonly write: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
    private readonly read: <T>(fn: (db: Db) => Promise<T>) => Promise<T>,
  ) {}

  async create(input: NewBot): Promise<Changed<User>> {
    try {
      return await this.write(async (tx) => {
        const owner = parseId(input.ownerId);
        await tx.query(SQL.lockOwner, [owner]);
        if ((await tx.query<{ n: number }>(SQL.count, [owner])).rows[0]!.n >= input.limit) {
          throw new ChatError('limit_reached', `at most ${input.limit} bots per owner`);
        }
        const created = await createUser(tx, { username: input.username, passwordHash: null, guest: false, displayName: input.displayName, ownerId: input.ownerId });
        await tx.query(SQL.insertSession, [input.tokenHash, parseId(created.value.id), now()]);
        return created;
      });
    } catch (err) {
      // Two nodes creating the same name at once: the loser hits the unique index (as PostgresStore.createUser).
      if ((err as { code?: string }).code === '23505') throw usernameTaken(input.username);
      throw err;
    }
  }

  async list(ownerId: string | null): Promise<BotView[]> {
    type Row = UserRow & { owner_id: string; owner_name: string };
    const rows = (await this.read((db) => db.query<Row>(SQL.list, [ownerId === null ? null : parseId(ownerId)]))).rows;
    return rows.map((r) => ({ ...toUser(r), owner: { id: String(r.owner_id), username: r.owner_name } }));
  }

  async find(username: string): Promise<{ bot: User; ownerId: string } | null> {
    const row = (await this.read((db) => db.query<UserRow & { owner_id: string }>(SQL.find, [username.toLowerCase()]))).rows[0];
    return row ? { bot: toUser(row), ownerId: String(row.owner_id) } : null;
  }

  async replaceToken(botId: string, tokenHash: Buffer): Promise<string[]> {
    return this.write(async (tx) => {
      const id = parseId(botId);
      const ended = (await tx.query<{ id: string }>(SQL.endSessions, [id])).rows.map((r) => String(r.id));
      await tx.query(SQL.insertSession, [tokenHash, id, now()]);
      return ended;
    });
  }

  async ownedSessions(ownerId: string): Promise<{ id: string; userId: string }[]> {
    const rows = (await this.read((db) => db.query<{ id: string; user_id: string }>(SQL.ownedSessions, [parseId(ownerId)]))).rows;
    return rows.map((r) => ({ id: String(r.id), userId: String(r.user_id) }));
  }
}
