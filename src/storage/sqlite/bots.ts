/**
 * Bots on SQLite (hooks.ts `BotStore`, API v1.1 §6): users of kind `bot` with an owner, whose token is a session
 * that never expires. Writes join the store's group commit, so the per-owner limit and the creation are one
 * transaction. Mirrors postgres/bots.ts.
 */
import type Database from 'better-sqlite3';
import { ChatError } from '../../core/errors.ts';
import type { User } from '../../core/types.ts';
import type { Changed, NewUser } from '../accounts.ts';
import type { BotStore, BotView, NewBot } from '../hooks.ts';
import { now, parseId, toUser, type UserRow } from '../rows.ts';
import { USER_COLS } from './sql.ts';

const U = USER_COLS.split(', ').map((c) => `u.${c}`).join(', ');

const SQL = {
  count: "SELECT COUNT(*) AS n FROM users WHERE owner_id = ? AND kind = 'bot' AND active = 1",
  insertSession: 'INSERT INTO sessions (token_hash, user_id, created_at, last_used_at, user_agent) VALUES (?, ?, ?, ?, NULL)',
  list: `SELECT ${U}, o.id AS owner_id, o.username AS owner_name FROM users u JOIN users o ON o.id = u.owner_id
    WHERE u.kind = 'bot' AND (@owner IS NULL OR u.owner_id = @owner) ORDER BY u.username_key`,
  find: `SELECT ${USER_COLS}, owner_id FROM users WHERE username_key = ? AND kind = 'bot'`,
  endSessions: 'DELETE FROM sessions WHERE user_id = ? RETURNING id',
  ownedSessions: "SELECT s.id, s.user_id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.owner_id = ? AND u.kind = 'bot'",
} as const;

type Prepared = { [K in keyof typeof SQL]: Database.Statement<unknown[], unknown> };

export class SqliteBots implements BotStore {
  private readonly q: Prepared;

  constructor(
    db: Database.Database,
    private readonly write: <T>(fn: () => T) => Promise<T>,
    /** `Accounts.createUser`'s body (sqlite/users.ts), run inside this store's write. */
    private readonly createUser: (input: NewUser) => Changed<User>,
  ) {
    this.q = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, db.prepare(sql)])) as Prepared;
  }

  async create(input: NewBot): Promise<Changed<User>> {
    return this.write(() => {
      if ((this.q.count.get(parseId(input.ownerId)) as { n: number }).n >= input.limit) {
        throw new ChatError('limit_reached', `at most ${input.limit} bots per owner`);
      }
      const created = this.createUser({ username: input.username, passwordHash: null, guest: false, displayName: input.displayName, ownerId: input.ownerId });
      const at = now();
      this.q.insertSession.run(input.tokenHash, parseId(created.value.id), at, at);
      return created;
    });
  }

  async list(ownerId: string | null): Promise<BotView[]> {
    type Row = UserRow & { owner_id: number; owner_name: string };
    return (this.q.list.all({ owner: ownerId === null ? null : parseId(ownerId) }) as Row[])
      .map((r) => ({ ...toUser(r), owner: { id: String(r.owner_id), username: r.owner_name } }));
  }

  async find(username: string): Promise<{ bot: User; ownerId: string } | null> {
    const row = this.q.find.get(username.toLowerCase()) as (UserRow & { owner_id: number }) | undefined;
    return row ? { bot: toUser(row), ownerId: String(row.owner_id) } : null;
  }

  async replaceToken(botId: string, tokenHash: Buffer): Promise<string[]> {
    return this.write(() => {
      const id = parseId(botId);
      const ended = (this.q.endSessions.all(id) as { id: number }[]).map((r) => String(r.id));
      const at = now();
      this.q.insertSession.run(tokenHash, id, at, at);
      return ended;
    });
  }

  async ownedSessions(ownerId: string): Promise<{ id: string; userId: string }[]> {
    return (this.q.ownedSessions.all(parseId(ownerId)) as { id: number; user_id: number }[]).map((r) => ({ id: String(r.id), userId: String(r.user_id) }));
  }
}
