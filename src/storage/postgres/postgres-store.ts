/**
 * The cluster store: PostgreSQL through node-postgres (pg.Pool). Every node of a
 * cluster opens one against the same database.
 *
 * Positions (STYLE habit 7). A bare sequence would hand out numbers in *start*
 * order: transaction T1 takes 7, T2 takes 8, T2 commits first, and a reader
 * that sees 8 and moves its cursor past it never sees 7. So positions come from
 * the single row of `log_head`: `UPDATE log_head SET pos = pos + 1 RETURNING pos`
 * inside the appending transaction. The UPDATE takes that row's lock and holds
 * it until COMMIT or ROLLBACK; the next appender blocks on it until then, and
 * PostgreSQL makes a commit visible before it releases the transaction's locks.
 * Hence positions are gapless (a rollback releases its number unused: the next
 * appender reads the old value) and committed in order: once any session sees N
 * committed, every position below N is committed and visible too. `head()`
 * reads the same row, which to other sessions only ever holds a committed value.
 * The price is that appends are serialised cluster-wide for the short tail of
 * each transaction; to keep that tail short, every use case takes log_head last,
 * after its other writes, which also keeps the lock order acyclic (no deadlocks).
 *
 * Per-room seq: `UPDATE rooms SET last_seq = last_seq + 1 … RETURNING` in the
 * posting transaction, so concurrent posts to one room queue on the room's row
 * and get consecutive numbers; a rollback gives its number back the same way.
 *
 * Snapshots (`listRooms`, `memberRooms`) run in one REPEATABLE READ READ ONLY
 * transaction, so the rooms and the head belong to the same moment.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ChatError, notFound } from '../../core/errors.ts';
import { memberEvent, roomUpdatedEvent } from '../../core/events.ts';
import type { LogEvent, Message, Role, Room, User, UserRef, Visibility } from '../../core/types.ts';
import type { Changed, HistoryQuery, MemberSnapshot, RoomAccess, RoomRecord, Store, StoredMessage } from '../store.ts';
import { createPool, isConnectionError, retrying, silentLog, sleep, transaction, withTimeout, type StoreLog, type Tx } from './db.ts';
import { migrate } from './migrate.ts';
import { toEvent, toRecord, toRoom, toUser, type EventRow, type MessageRow, type RoomRow, type UserRow } from '../rows.ts';
import * as q from './sql.ts';
import { append, changeMessageIn, headOf, id, join, postIn, roomView, userById, withReactions, type Db } from './writes.ts';

const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

export interface PostgresStoreOptions {
  /** Where recovered faults are logged; default silent. */
  log?: StoreLog;
  /** Pool size per node; default 10. */
  poolSize?: number;
  /** Give up on the first connection after this long; default 0 = keep retrying (a node may start before its database). */
  connectTimeoutMs?: number;
}

/**
 * Open the store at `url`: wait for the database (retrying with backoff, logged),
 * apply migrations under an advisory lock, create `general` and the log id.
 * Close with `close()`.
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const log = opts.log ?? silentLog;
  const pool = createPool(url, log, opts.poolSize ?? 10);
  const deadline = opts.connectTimeoutMs ? Date.now() + opts.connectTimeoutMs : Infinity;
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(pool);
      const logId = await transaction(pool, log, async (tx) => {
        await tx.query("INSERT INTO meta (key, value) VALUES ('log_id', $1) ON CONFLICT DO NOTHING", [randomBytes(6).toString('hex')]);
        await tx.query(q.INSERT_ROOM, ['general', '', 'public', 'room', null, null, new Date().toISOString()]);
        return (await tx.query<{ value: string }>("SELECT value FROM meta WHERE key = 'log_id'")).rows[0]!.value;
      });
      return new PostgresStore(pool, logId, log);
    } catch (err) {
      if (!isConnectionError(err) || Date.now() > deadline) {
        await pool.end().catch(() => {});
        throw err;
      }
      const delay = Math.min(5000, 200 * 2 ** Math.min(attempt - 1, 5));
      log.warn({ err, attempt, delayMs: delay }, 'postgres: database not reachable at start, retrying');
      await sleep(delay);
    }
  }
}

export class PostgresStore implements Store {
  private closed = false;

  constructor(private readonly pool: pg.Pool, readonly logId: string, private readonly log: StoreLog) {}

  /** Rejects when closed, when the database fails, or when it does not answer within 2 s (/readyz must not hang). */
  async ping(): Promise<void> {
    if (this.closed) throw new Error('store closed');
    await withTimeout(this.pool.query('SELECT 1'), 2000, 'postgres ping');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // ---- accounts and sessions

  async createUser(input: { username: string; passwordHash: string | null; guest: boolean }): Promise<Changed<User>> {
    const taken = (): ChatError => new ChatError('username_taken', `username ${input.username} is taken`);
    try {
      return await this.tx(async (tx) => {
        const key = input.username.toLowerCase();
        if ((await tx.query('SELECT 1 FROM users WHERE username_key = $1', [key])).rowCount) throw taken();
        const user = toUser((await tx.query<UserRow>(
          'INSERT INTO users AS u (username, username_key, password_hash, guest, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ' + q.USER_COLS,
          [input.username, key, input.passwordHash, input.guest, new Date().toISOString()])).rows[0]!);
        const general = (await tx.query<{ id: number }>("SELECT id FROM rooms WHERE name = 'general'")).rows[0]!;
        return { value: user, events: await join(tx, general.id, 'general', user, 'member') };
      });
    } catch (err) {
      // Two nodes registering the same name at once: the loser hits the unique index.
      if ((err as { code?: string }).code === '23505') throw taken();
      throw err;
    }
  }

  async findCredentials(username: string): Promise<{ user: User; passwordHash: string | null } | null> {
    const row = (await this.read((db) => db.query<UserRow & { password_hash: string | null }>(
      `SELECT ${q.USER_COLS}, u.password_hash FROM users u WHERE u.username_key = $1`, [username.toLowerCase()]))).rows[0];
    return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
  }

  async findUserByName(username: string): Promise<User | null> {
    return (await this.findCredentials(username))?.user ?? null;
  }

  async createSession(userId: string, tokenHash: Buffer): Promise<string> {
    const r = await this.tx((tx) => tx.query<{ id: number }>('INSERT INTO sessions (token_hash, user_id, created_at) VALUES ($1, $2, now()) RETURNING id', [tokenHash, id(userId)]));
    return String(r.rows[0]!.id);
  }

  async findSession(tokenHash: Buffer): Promise<{ user: User; sessionId: string } | null> {
    const row = (await this.read((db) => db.query<UserRow & { sid: number }>(
      `SELECT s.id AS sid, ${q.USER_COLS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, [tokenHash]))).rows[0];
    return row ? { user: toUser(row), sessionId: String(row.sid) } : null;
  }

  async deleteSession(tokenHash: Buffer): Promise<string | null> {
    const row = (await this.tx((tx) => tx.query<{ id: number }>('DELETE FROM sessions WHERE token_hash = $1 RETURNING id', [tokenHash]))).rows[0];
    return row ? String(row.id) : null;
  }

  // ---- rooms

  async findRoom(name: string, viewerId: string): Promise<{ record: RoomRecord; role: Role | null } | null> {
    const row = (await this.read((db) => db.query<RoomRow>(`${q.ROOM_ACCESS} WHERE r.name = $2`, [id(viewerId), name]))).rows[0];
    return row ? { record: toRecord(row), role: row.role } : null;
  }

  async getRoom(name: string, viewerId: string): Promise<RoomAccess | null> {
    const row = (await this.read((db) => db.query<RoomRow>(`${q.ROOM_VIEW} WHERE r.name = $2`, [id(viewerId), name]))).rows[0];
    return row ? { record: toRecord(row), room: toRoom(row), role: row.role } : null;
  }

  async listRooms(viewerId: string): Promise<{ rooms: Room[]; head: number }> {
    return this.snapshot(async (tx) => ({
      rooms: (await tx.query<RoomRow>(`${q.ROOM_VIEW} WHERE r.visibility = 'public' OR m.role IS NOT NULL ORDER BY r.name`, [id(viewerId)])).rows.map(toRoom),
      head: await headOf(tx),
    }));
  }

  async memberRooms(viewerId: string): Promise<MemberSnapshot> {
    return this.snapshot(async (tx) => {
      const rows = (await tx.query<RoomRow>(`${q.ROOM_VIEW} WHERE m.role IS NOT NULL ORDER BY r.name`, [id(viewerId)])).rows;
      return { rooms: rows.map(toRoom), roomIds: rows.map((r) => r.id), head: await headOf(tx) };
    });
  }

  async createRoom(input: { name: string; topic: string; visibility: Visibility; ownerId: string }): Promise<Changed<Room>> {
    return this.tx(async (tx) => {
      const created = (await tx.query<{ id: number }>(q.INSERT_ROOM, [input.name, input.topic, input.visibility, 'room', null, null, new Date().toISOString()])).rows[0];
      if (!created) throw new ChatError('room_exists', `room ${input.name} already exists`);
      const owner = await userById(tx, id(input.ownerId));
      const events = await join(tx, created.id, input.name, owner, 'owner');
      return { value: await roomView(tx, created.id, input.ownerId), events };
    });
  }

  async updateRoom(roomId: number, patch: { topic?: string; visibility?: Visibility }, viewerId: string): Promise<Changed<Room>> {
    return this.tx(async (tx) => {
      const before = await roomView(tx, roomId, viewerId);
      const topic = patch.topic ?? before.topic;
      const visibility = patch.visibility ?? before.visibility;
      if (topic === before.topic && visibility === before.visibility) return { value: before, events: [] };
      await tx.query('UPDATE rooms SET topic = $1, visibility = $2 WHERE id = $3', [topic, visibility, roomId]);
      const room = await roomView(tx, roomId, viewerId);
      return { value: room, events: [await append(tx, roomUpdatedEvent(roomId, room))] };
    });
  }

  async addMember(roomId: number, userId: string, role: Role): Promise<Changed<boolean>> {
    return this.tx(async (tx) => {
      const room = (await tx.query<{ name: string }>('SELECT name FROM rooms WHERE id = $1', [roomId])).rows[0];
      const user = (await tx.query<UserRow>(`SELECT ${q.USER_COLS} FROM users u WHERE u.id = $1`, [id(userId)])).rows[0];
      if (!room || !user) throw notFound(room ? 'user' : 'room');
      const events = await join(tx, roomId, room.name, toUser(user), role);
      return { value: events.length > 0, events };
    });
  }

  async removeMember(roomId: number, userId: string): Promise<Changed<boolean>> {
    return this.tx(async (tx) => {
      if (!(await tx.query('DELETE FROM members WHERE room_id = $1 AND user_id = $2', [roomId, id(userId)])).rowCount) return { value: false, events: [] };
      const room = (await tx.query<{ name: string }>('SELECT name FROM rooms WHERE id = $1', [roomId])).rows[0]!;
      const event = await append(tx, memberEvent(roomId, room.name, await userById(tx, id(userId)), false));
      await tx.query('UPDATE member_spans SET to_pos = $1 WHERE user_id = $2 AND room_id = $3 AND to_pos IS NULL', [event.pos, id(userId), roomId]);
      return { value: true, events: [event] };
    });
  }

  async listMembers(roomId: number): Promise<{ user: UserRef; role: Role }[]> {
    const rows = (await this.read((db) => db.query<{ id: number; username: string; role: Role }>(
      'SELECT u.id, u.username, m.role FROM members m JOIN users u ON u.id = m.user_id WHERE m.room_id = $1 ORDER BY m.role DESC, u.username_key', [roomId]))).rows;
    return rows.map((r) => ({ user: { id: String(r.id), username: r.username }, role: r.role }));
  }

  async openDm(viewerId: string, peerId: string): Promise<Changed<Room>> {
    return this.tx(async (tx) => {
      const [a, b] = [id(viewerId), id(peerId)].sort((x, y) => x - y) as [number, number];
      const name = `dm-${a}-${b}`;
      // ON CONFLICT waits for a concurrent creator to commit; READ COMMITTED then sees its row.
      const created = (await tx.query<{ id: number }>(q.INSERT_ROOM, [name, '', 'private', 'dm', a, b, new Date().toISOString()])).rows[0];
      const roomId = created?.id ?? (await tx.query<{ id: number }>('SELECT id FROM rooms WHERE name = $1', [name])).rows[0]!.id;
      const events: LogEvent[] = [];
      for (const uid of a === b ? [a] : [a, b]) events.push(...(await join(tx, roomId, name, await userById(tx, uid), 'member')));
      return { value: await roomView(tx, roomId, viewerId), events };
    });
  }

  // ---- messages

  async postMessage(input: { roomId: number; author: UserRef; text: string; clientId: string | null }): Promise<Changed<{ message: Message; created: boolean }>> {
    try {
      return await this.tx((tx) => postIn(tx, input));
    } catch (err) {
      // The same client_id posted concurrently (a retry racing its original, maybe on another
      // node): the loser hits the unique index; run again and return the winner's message.
      if ((err as { constraint?: string }).constraint === 'messages_client_id') return this.tx((tx) => postIn(tx, input));
      throw err;
    }
  }

  async getMessage(roomId: number, messageId: string): Promise<StoredMessage | null> {
    return this.read(async (db) => {
      const row = (await db.query<MessageRow>(`${q.MESSAGE_VIEW} WHERE m.room_id = $1 AND m.id = $2`, [roomId, id(messageId)])).rows[0];
      return row ? { message: (await withReactions(db, [row]))[0]!, authorId: String(row.author_id) } : null;
    });
  }

  async listMessages(roomId: number, query: HistoryQuery): Promise<Message[]> {
    return this.read(async (db) => {
      const rows =
        query.after !== undefined ? (await db.query<MessageRow>(q.HISTORY_AFTER, [roomId, query.limit, query.after])).rows
        : query.before !== undefined ? (await db.query<MessageRow>(q.HISTORY_BEFORE, [roomId, query.limit, query.before])).rows
        : (await db.query<MessageRow>(q.HISTORY_LATEST, [roomId, query.limit])).rows;
      return withReactions(db, rows);
    });
  }

  async editMessage(roomId: number, messageId: string, text: string): Promise<Changed<Message>> {
    return this.tx((tx) => changeMessageIn(tx, roomId, messageId, async (mid) =>
      !!(await tx.query('UPDATE messages SET text = $1, edited_at = $2 WHERE id = $3', [text, new Date().toISOString(), mid])).rowCount));
  }

  async deleteMessage(roomId: number, messageId: string): Promise<Changed<Message>> {
    return this.tx((tx) => changeMessageIn(tx, roomId, messageId, async (mid) => {
      if (!(await tx.query("UPDATE messages SET deleted = true, text = '' WHERE id = $1 AND NOT deleted", [mid])).rowCount) return false;
      await tx.query('DELETE FROM reactions WHERE message_id = $1', [mid]);
      return true;
    }));
  }

  async setReaction(roomId: number, messageId: string, userId: string, emoji: string, on: boolean): Promise<Changed<Message>> {
    return this.tx((tx) => changeMessageIn(tx, roomId, messageId, async (mid) => !!(await tx.query(on
      ? 'INSERT INTO reactions (message_id, emoji, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING'
      : 'DELETE FROM reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3', [mid, emoji, id(userId)])).rowCount));
  }

  async markRead(roomId: number, userId: string, seq: number): Promise<void> {
    await this.tx((tx) => tx.query(q.MARK_READ, [roomId, id(userId), seq]));
  }

  // ---- event log

  async head(): Promise<number> {
    return this.read(headOf);
  }

  async readEvents(userId: string, after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    return (await this.read((db) => db.query<EventRow>(q.READ_EVENTS, [id(userId), after, upTo, limit]))).rows.map(toEvent);
  }

  async readLog(after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    return (await this.read((db) => db.query<EventRow>(q.READ_LOG, [after, upTo, limit]))).rows.map(toEvent);
  }

  // ---- helpers

  private tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return transaction(this.pool, this.log, fn);
  }

  /** Reads change nothing, so a connection fault anywhere in them is safe to retry. */
  private read<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return retrying('read', this.log, 4, () => fn(this.pool));
  }

  private snapshot<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return retrying('snapshot', this.log, 4, () => transaction(this.pool, this.log, fn, SNAPSHOT));
  }

}
