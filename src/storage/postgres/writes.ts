/**
 * The steps of the PostgreSQL store's use cases that are more than one statement
 * (most of them shared by several use cases), each running inside the caller's
 * transaction (`tx`) or on the pool for reads (`db`). sqlite/writes.ts has the
 * same functions under the same names, synchronous.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { notFound } from '../../core/errors.ts';
import { memberEvent, messageEvent, type NewEvent } from '../../core/events.ts';
import type { LogEvent, Message, Role, Room, Upload, User, UserRef } from '../../core/types.ts';
import { keptPreviews, mergePreviews, samePreviews } from '../../core/links.ts';
import type { Changed, HistoryQuery, NewPost, NewRoom, Previews } from '../store.ts';
import { previewsColumn, readPreviews } from '../previews.ts';
import type { Tx } from './db.ts';
import { dmPair, dmRoomName, newMessage, now, parseId, roomExists, toMessages, toRoom, toUser, type MessageRow, type ReactionRow, type RoomRow, type UserRow } from '../rows.ts';
import { invalidAttachment, toUpload, type UploadRow } from '../upload-rows.ts';
import { derive, deriveText, replyParent, saveMentions, underive } from './derived.ts';
import { SQL } from './sql.ts';

/** Anything that runs a query: the pool (a read outside a transaction) or a transaction's client. */
export type Db = Pick<pg.Pool, 'query'>;

/** Create the meta row and `general` on first start; returns the log id. */
export async function init(tx: Tx): Promise<string> {
  await tx.query(SQL.insertLogId, [randomBytes(6).toString('hex')]);
  await tx.query(SQL.insertRoom, ['general', '', 'public', 'room', null, null, now()]);
  return (await tx.query<{ value: string }>(SQL.logId)).rows[0]!.value;
}

/** Append one event at the next position (takes log_head's row lock until commit; see postgres-store.ts). */
export async function append(tx: Tx, e: NewEvent): Promise<LogEvent> {
  const pos = (await tx.query<{ pos: number }>(SQL.nextPos)).rows[0]!.pos;
  await tx.query(SQL.append, [pos, e.roomId, e.type, e.subject === null ? null : parseId(e.subject), e.data]);
  return { pos, ...e };
}

/** The newest committed position. */
export async function headOf(db: Db): Promise<number> {
  return (await db.query<{ pos: number }>(SQL.head)).rows[0]!.pos;
}

/** A user by internal id (known to exist). */
export async function userById(db: Db, uid: number): Promise<User> {
  return toUser((await db.query<UserRow>(SQL.userById, [uid])).rows[0]!);
}

/** A room as `viewerId` sees it (known to exist). */
export async function roomView(db: Db, roomId: number, viewerId: string): Promise<Room> {
  return toRoom((await db.query<RoomRow>(SQL.roomById, [parseId(viewerId), roomId])).rows[0]!);
}

/** Messages with their reactions, fetched in one query. */
export async function withReactions(db: Db, rows: MessageRow[]): Promise<Message[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [reactions, uploads] = [await db.query<ReactionRow>(SQL.reactionsOf, [ids]), await db.query<UploadRow>(SQL.attachmentsOf, [ids])];
  return toMessages(rows, reactions.rows, uploads.rows);
}

/** One page of a room's history with reactions, ascending seq (see `HistoryQuery`). */
export async function history(db: Db, roomId: number, query: HistoryQuery): Promise<Message[]> {
  const rows =
    query.after !== undefined ? (await db.query<MessageRow>(SQL.historyAfter, [roomId, query.limit, query.after])).rows
    : query.before !== undefined ? (await db.query<MessageRow>(SQL.historyBefore, [roomId, query.limit, query.before])).rows
    : (await db.query<MessageRow>(SQL.historyLatest, [roomId, query.limit])).rows;
  return withReactions(db, rows);
}

/** The body of `createRoom`: the room and its owner's join. */
export async function createRoom(tx: Tx, input: NewRoom): Promise<Changed<Room>> {
  const created = (await tx.query<{ id: number }>(SQL.insertRoom, [input.name, input.topic, input.visibility, 'room', null, null, now()])).rows[0];
  if (!created) throw roomExists(input.name);
  const owner = await userById(tx, parseId(input.ownerId));
  const events = await join(tx, created.id, input.name, owner, 'owner');
  return { value: await roomView(tx, created.id, input.ownerId), events };
}

/** The body of `openDm`: the pair's room (created at the first call) and both joins. */
export async function openDm(tx: Tx, viewerId: string, peerId: string): Promise<Changed<Room>> {
  const [a, b] = dmPair(viewerId, peerId);
  const name = dmRoomName(a, b);
  // ON CONFLICT waits for a concurrent creator to commit; READ COMMITTED then sees its row.
  const created = (await tx.query<{ id: number }>(SQL.insertRoom, [name, '', 'private', 'dm', a, b, now()])).rows[0];
  const roomId = created?.id ?? (await tx.query<{ id: number }>(SQL.roomId, [name])).rows[0]!.id;
  const events: LogEvent[] = [];
  for (const uid of a === b ? [a] : [a, b]) events.push(...(await join(tx, roomId, name, await userById(tx, uid), 'member')));
  return { value: await roomView(tx, roomId, viewerId), events };
}

/** Add a member and open their visibility span at the join event; [] when already a member. */
export async function join(tx: Tx, roomId: number, roomName: string, user: UserRef, role: Role): Promise<LogEvent[]> {
  if (!(await tx.query(SQL.insertMember, [roomId, parseId(user.id), role])).rowCount) return [];
  const event = await append(tx, memberEvent(roomId, roomName, user, true));
  await tx.query(SQL.openSpan, [parseId(user.id), roomId, event.pos]);
  return [event];
}

/** End a membership and close its visibility span at the leave event; [] when not a member. */
export async function leave(tx: Tx, roomId: number, userId: string): Promise<LogEvent[]> {
  const uid = parseId(userId);
  if (!(await tx.query(SQL.deleteMember, [roomId, uid])).rowCount) return [];
  const room = (await tx.query<{ name: string }>(SQL.roomName, [roomId])).rows[0]!;
  const event = await append(tx, memberEvent(roomId, room.name, await userById(tx, uid), false));
  await tx.query(SQL.closeSpan, [event.pos, uid, roomId]);
  return [event];
}

/** A post written but not yet placed in the log: `appendPosts` gives it its position. */
export interface PendingPost {
  message: Message;
  messageId: number;
  folded: string;
  event: NewEvent;
}

/**
 * The body of `postMessage` up to its position (post-batch.ts appends a batch's posts together): idempotent by
 * client_id (a repeat returns the original, `created: false`, and nothing to append); seq from the room row.
 */
export async function preparePost(tx: Tx, input: NewPost): Promise<{ replay: Message } | { pending: PendingPost }> {
  const authorId = parseId(input.author.id);
  if (input.clientId !== null) {
    const prior = (await tx.query<MessageRow>(SQL.messageByClientId, [authorId, input.clientId])).rows[0];
    if (prior) return { replay: (await withReactions(tx, [prior]))[0]! };
  }
  const parent = input.replyTo != null ? await replyParent(tx, input.roomId, input.replyTo) : null;
  const createdAt = now();
  // Everything the text derives goes into the one INSERT: the row is written once and never updated for it
  // (an update would re-insert all of its ~3 grams per character into the GIN index). Derived (reads only)
  // before the room's row is locked, so that lock is held for less.
  const d = await deriveText(tx, { roomId: input.roomId, authorId: input.author.id, text: input.text, replyAuthorId: parent ? String(parent.row.author_id) : null }, input.online ?? (() => false));
  // The room's seq, the row and the author's read marker in one statement (SQL.insertMessage).
  const bumped = (await tx.query<{ id: number; last_seq: number; name: string }>(SQL.insertMessage, [input.roomId, authorId, input.text, input.clientId, createdAt, parent?.row.id ?? null, d.folded, d.grams, d.mentionsJson, input.alias ?? null])).rows[0];
  if (!bumped) throw notFound('room');
  const messageId = Number(bumped.id);
  const attachments = await attach(tx, messageId, authorId, input.attachments ?? [], input.uploadsSince ?? new Date(0).toISOString());
  await saveMentions(tx, { id: messageId, roomId: input.roomId, seq: bumped.last_seq }, d, false);
  const message = newMessage(input, { id: bumped.id, room: bumped.name, seq: bumped.last_seq, createdAt, mentions: d.mentions, replyTo: parent?.ref ?? null, attachments });
  return { pending: { message, messageId, folded: d.folded, event: messageEvent(input.roomId, message, false) } };
}

/**
 * Give `posts` the next positions, in order, with ONE statement that takes log_head last (its row lock until this
 * transaction ends; see postgres-store.ts) and writes their events and their `message_order` rows (search order).
 * A message's floor is the smallest id at its position or later (migration 007): earlier rows above the batch's
 * smallest id are lowered to it.
 */
export async function appendPosts(tx: Tx, posts: PendingPost[]): Promise<LogEvent[]> {
  if (posts.length === 0) return [];
  const ids = posts.map((p) => p.messageId);
  const floors = [...ids];
  for (let i = floors.length - 2; i >= 0; i--) floors[i] = Math.min(floors[i]!, floors[i + 1]!);
  const e = posts.map((p) => p.event);
  const base = (await tx.query<{ base: number }>(SQL.appendPosts, [
    posts.length, e.map((x) => x.roomId), e.map((x) => x.type), e.map((x) => (x.subject === null ? null : parseId(x.subject))), e.map((x) => x.data),
    ids, posts.map((p) => p.folded), floors,
  ])).rows[0]!.base;
  return e.map((x, i) => ({ pos: base + i + 1, ...x }));
}

/** Attach the author's uploads to a new message, in order; any that is not theirs, taken, or expired: `invalid_attachment`. */
async function attach(tx: Tx, messageId: number, authorId: number, ids: string[], since: string): Promise<Upload[]> {
  for (const [i, id] of ids.entries()) {
    if (!(await tx.query(SQL.attachUpload, [messageId, i, id, authorId, since])).rowCount) throw invalidAttachment(id);
  }
  return ids.length === 0 ? [] : (await tx.query<UploadRow>(SQL.attachmentsOf, [[messageId]])).rows.map(toUpload);
}

/** Apply `change` to a message; when it changed something, append `message_updated` with the new state. */
export async function changeMessage(tx: Tx, roomId: number, messageId: string, change: (mid: number) => Promise<boolean>): Promise<Changed<Message>> {
  const mid = parseId(messageId);
  // Lock the message row first, so two changes of one message queue instead of racing.
  if (!(await tx.query(SQL.lockMessage, [roomId, mid])).rowCount) throw notFound('message');
  const changed = await change(mid);
  const message = (await withReactions(tx, (await tx.query<MessageRow>(SQL.messageById, [roomId, mid])).rows))[0]!;
  return { value: message, events: changed ? [await append(tx, messageEvent(roomId, message, true))] : [] };
}

/** Soft-delete a message: no text, reactions, attachments (their files become dead), mentions or index; false when it already was. */
export async function removeMessage(tx: Tx, mid: number): Promise<boolean> {
  if (!(await tx.query(SQL.deleteMessage, [mid])).rowCount) return false;
  await tx.query(SQL.deleteReactions, [mid]);
  await tx.query(SQL.buryAttachments, [mid]);
  await tx.query(SQL.forgetAttachments, [mid]);
  await underive(tx, mid);
  return true;
}

/** Replace a message's text (edited now) and re-derive its mentions and search index; false when it was deleted. */
export async function editText(tx: Tx, roomId: number, mid: number, text: string, online: (userId: string) => boolean): Promise<boolean> {
  if (!(await tx.query(SQL.editMessage, [text, now(), mid])).rowCount) return false;
  const row = (await tx.query<MessageRow>(SQL.messageById, [roomId, mid])).rows[0]!;
  const replyAuthorId = row.reply_author_id === null ? null : String(row.reply_author_id);
  await derive(tx, { id: mid, roomId, seq: row.seq, authorId: String(row.author_id), text, replyAuthorId }, online);
  // Previews of URLs no longer in the text go at once (new URLs are fetched after commit: core/previews.ts).
  if (row.previews !== null) await tx.query(SQL.setPreviews, [previewsColumn(keptPreviews(readPreviews(row.previews), text)), mid]);
  return true;
}

/** The Store's `previews` part: fetched previews merged into a message's current ones (store.ts Previews). */
export function postgresPreviews(write: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>): Previews {
  return {
    setPreviews: (roomId, messageId, found) => write((tx) => changeMessage(tx, roomId, messageId, async (mid) => {
      const row = (await tx.query<MessageRow>(SQL.messageById, [roomId, mid])).rows[0]!;
      if (row.deleted) return false;
      const current = readPreviews(row.previews);
      const next = mergePreviews(current, found, row.text);
      if (samePreviews(current, next)) return false;
      await tx.query(SQL.setPreviews, [previewsColumn(next), mid]);
      return true;
    })),
  };
}
