/**
 * Statements shared by the PostgreSQL store's use cases, each running inside the
 * caller's transaction (`tx`) or on the pool for reads (`db`).
 */
import type pg from 'pg';
import { notFound } from '../../core/errors.ts';
import { memberEvent, messageEvent, type NewEvent } from '../../core/events.ts';
import type { LogEvent, Message, Role, Room, User, UserRef } from '../../core/types.ts';
import type { Changed } from '../store.ts';
import type { Tx } from './db.ts';
import { groupReactions, toMessage, toRoom, toUser, type MessageRow, type RoomRow, type UserRow } from '../rows.ts';
import * as q from './sql.ts';

export type Db = Pick<pg.Pool, 'query'>;

/** A user id from the API ("17") as the bigint column wants it; -1 (matches nothing) when malformed. */
export const id = (s: string): number => (/^\d{1,15}$/.test(s) ? Number(s) : -1);

/** Append one event at the next position (takes log_head's row lock until commit; see the header). */
export async function append(tx: Tx, e: NewEvent): Promise<LogEvent> {
  const pos = (await tx.query<{ pos: number }>(q.NEXT_POS)).rows[0]!.pos;
  await tx.query(q.APPEND, [pos, e.roomId, e.type, e.subject === null ? null : id(e.subject), e.data]);
  return { pos, ...e };
}

/** The newest committed position. */
export async function headOf(db: Db): Promise<number> {
  return (await db.query<{ pos: number }>(q.HEAD)).rows[0]!.pos;
}

/** A user by internal id (known to exist). */
export async function userById(tx: Tx, uid: number): Promise<User> {
  return toUser((await tx.query<UserRow>(`SELECT ${q.USER_COLS} FROM users u WHERE u.id = $1`, [uid])).rows[0]!);
}

/** A room as `viewerId` sees it (known to exist). */
export async function roomView(tx: Tx, roomId: number, viewerId: string): Promise<Room> {
  return toRoom((await tx.query<RoomRow>(`${q.ROOM_VIEW} WHERE r.id = $2`, [id(viewerId), roomId])).rows[0]!);
}

/** Messages with their reactions, fetched in one query. */
export async function withReactions(db: Db, rows: MessageRow[]): Promise<Message[]> {
  if (rows.length === 0) return [];
  const grouped = groupReactions((await db.query<{ message_id: number; emoji: string; username: string }>(q.REACTIONS_OF, [rows.map((r) => r.id)])).rows);
  return rows.map((r) => toMessage(r, grouped.get(r.id) ?? {}));
}

/** The body of `postMessage` (idempotent by client_id; seq from the room row, position from log_head). */
export async function postIn(tx: Tx, input: { roomId: number; author: UserRef; text: string; clientId: string | null }): Promise<Changed<{ message: Message; created: boolean }>> {
  const authorId = id(input.author.id);
  if (input.clientId !== null) {
    const prior = (await tx.query<MessageRow>(`${q.MESSAGE_VIEW} WHERE m.author_id = $1 AND m.client_id = $2`, [authorId, input.clientId])).rows[0];
    if (prior) return { value: { message: (await withReactions(tx, [prior]))[0]!, created: false }, events: [] };
  }
  const bumped = (await tx.query<{ last_seq: number; name: string }>('UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq, name', [input.roomId])).rows[0];
  if (!bumped) throw notFound('room');
  const createdAt = new Date().toISOString();
  const { id: messageId } = (await tx.query<{ id: number }>(
    'INSERT INTO messages (room_id, seq, author_id, text, client_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [input.roomId, bumped.last_seq, authorId, input.text, input.clientId, createdAt])).rows[0]!;
  await tx.query(q.MARK_READ, [input.roomId, authorId, bumped.last_seq]);
  const message: Message = {
    id: String(messageId), room: bumped.name, seq: bumped.last_seq, author: { id: input.author.id, username: input.author.username },
    text: input.text, created_at: createdAt, edited_at: null, deleted: false, reactions: {}, client_id: input.clientId,
  };
  return { value: { message, created: true }, events: [await append(tx, messageEvent(input.roomId, message, false))] };
}

/** Add a member and open their visibility span at the join event; [] when already a member. */
export async function join(tx: Tx, roomId: number, roomName: string, user: UserRef, role: Role): Promise<LogEvent[]> {
  if (!(await tx.query(q.INSERT_MEMBER, [roomId, id(user.id), role])).rowCount) return [];
  const event = await append(tx, memberEvent(roomId, roomName, user, true));
  await tx.query('INSERT INTO member_spans (user_id, room_id, from_pos) VALUES ($1, $2, $3)', [id(user.id), roomId, event.pos]);
  return [event];
}

/** Apply `change` to a message; when it changed something, append `message_updated` with the new state. */
export async function changeMessageIn(tx: Tx, roomId: number, messageId: string, change: (mid: number) => Promise<boolean>): Promise<Changed<Message>> {
  const mid = id(messageId);
  // Lock the message row first, so two changes of one message queue instead of racing.
  if (!(await tx.query('SELECT 1 FROM messages WHERE room_id = $1 AND id = $2 FOR UPDATE', [roomId, mid])).rowCount) throw notFound('message');
  const changed = await change(mid);
  const rows = (await tx.query<MessageRow>(`${q.MESSAGE_VIEW} WHERE m.room_id = $1 AND m.id = $2`, [roomId, mid])).rows;
  const message = (await withReactions(tx, rows))[0]!;
  return { value: message, events: changed ? [await append(tx, messageEvent(roomId, message, true))] : [] };
}
