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
import type { Changed, HistoryQuery, NewPost, Previews } from '../store.ts';
import { previewsColumn, readPreviews } from '../previews.ts';
import type { Tx } from './db.ts';
import { newMessage, now, parseId, toMessages, toRoom, toUser, type MessageRow, type ReactionRow, type RoomRow, type UserRow } from '../rows.ts';
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

/** The body of `postMessage` (idempotent by client_id; seq from the room row, position from log_head). */
export async function post(tx: Tx, input: NewPost): Promise<Changed<{ message: Message; created: boolean }>> {
  const authorId = parseId(input.author.id);
  if (input.clientId !== null) {
    const prior = (await tx.query<MessageRow>(SQL.messageByClientId, [authorId, input.clientId])).rows[0];
    if (prior) return { value: { message: (await withReactions(tx, [prior]))[0]!, created: false }, events: [] };
  }
  const parent = input.replyTo != null ? await replyParent(tx, input.roomId, input.replyTo) : null;
  const bumped = (await tx.query<{ last_seq: number; name: string }>(SQL.bumpSeq, [input.roomId])).rows[0];
  if (!bumped) throw notFound('room');
  const createdAt = now();
  // Everything the text derives goes into the one INSERT: the row is written once and never updated for it
  // (an update would re-insert all of its ~3 grams per character into the GIN index).
  const d = await deriveText(tx, { roomId: input.roomId, authorId: input.author.id, text: input.text, replyAuthorId: parent ? String(parent.row.author_id) : null }, input.online ?? (() => false));
  const inserted = (await tx.query<{ id: number }>(SQL.insertMessage, [input.roomId, bumped.last_seq, authorId, input.text, input.clientId, createdAt, parent?.row.id ?? null, d.folded, d.grams, d.mentionsJson, input.alias ?? null])).rows[0]!;
  const attachments = await attach(tx, Number(inserted.id), authorId, input.attachments ?? [], input.uploadsSince ?? new Date(0).toISOString());
  await saveMentions(tx, { id: Number(inserted.id), roomId: input.roomId, seq: bumped.last_seq }, d, false);
  await tx.query(SQL.markRead, [input.roomId, authorId, bumped.last_seq]);
  const mentions = d.mentions;
  const message = newMessage(input, { id: inserted.id, room: bumped.name, seq: bumped.last_seq, createdAt, mentions, replyTo: parent?.ref ?? null, attachments });
  // log_head last (see postgres-store.ts); then the message's position goes to message_order (search order).
  const event = await append(tx, messageEvent(input.roomId, message, false));
  await tx.query(SQL.setPos, [event.pos, inserted.id, input.roomId, d.folded]);
  return { value: { message, created: true }, events: [event] };
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
