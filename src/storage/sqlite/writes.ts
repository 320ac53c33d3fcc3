/**
 * The steps of the SQLite store's use cases that are more than one statement
 * (most of them shared by several use cases), each running inside the caller's
 * transaction. postgres/writes.ts has the same functions under the same names;
 * these are synchronous on purpose (see store.ts), so a use case never yields
 * between its statements.
 */
import { randomBytes } from 'node:crypto';
import { notFound } from '../../core/errors.ts';
import { memberEvent, messageEvent, type NewEvent } from '../../core/events.ts';
import type { LogEvent, Message, Role, Room, Upload, User, UserRef } from '../../core/types.ts';
import { keptPreviews, mergePreviews, samePreviews } from '../../core/links.ts';
import type { Changed, HistoryQuery, NewPost, Previews } from '../store.ts';
import { previewsColumn, readPreviews } from '../previews.ts';
import { newMessage, now, parseId, toMessages, toRoom, toUser, type MessageRow } from '../rows.ts';
import { invalidAttachment, toUpload } from '../upload-rows.ts';
import { derive, deriveText, replyParent, saveDerived, underive } from './derived.ts';
import type { Statements } from './statements.ts';

/** Create the meta row and `general` on first start; returns the log id. */
export function init(s: Statements): string {
  s.insertLogId.run(randomBytes(6).toString('hex'));
  s.insertRoom.get('general', '', 'public', 'room', null, null, now());
  return s.logId.get()!.value;
}

/** Append one event; its position is the rowid, so positions follow commit order under SQLite's single writer. */
export function append(s: Statements, e: NewEvent): LogEvent {
  const pos = Number(s.append.run(e.roomId, e.type, e.subject === null ? null : parseId(e.subject), e.data).lastInsertRowid);
  return { pos, ...e };
}

/** A user by internal id (known to exist). */
export function userById(s: Statements, uid: number): User {
  return toUser(s.userById.get(uid)!);
}

/** A room as `viewerId` sees it (known to exist). */
export function roomView(s: Statements, roomId: number, viewerId: string): Room {
  return toRoom(s.roomById.get({ id: roomId, viewer: parseId(viewerId) })!);
}

/** Messages with their reactions, fetched in one query. */
export function withReactions(s: Statements, rows: MessageRow[]): Message[] {
  if (rows.length === 0) return [];
  const ids = JSON.stringify(rows.map((r) => r.id));
  return toMessages(rows, s.reactionsOf.all(ids), s.attachmentsOf.all(ids));
}

/** One page of a room's history with reactions, ascending seq (see `HistoryQuery`). */
export function history(s: Statements, roomId: number, query: HistoryQuery): Message[] {
  const rows =
    query.after !== undefined ? s.historyAfter.all(roomId, query.after, query.limit)
    : query.before !== undefined ? s.historyBefore.all(roomId, query.before, query.limit)
    : s.historyLatest.all(roomId, query.limit);
  return withReactions(s, rows);
}

/** Add a member and open their visibility span at the join event; [] when already a member. */
export function join(s: Statements, roomId: number, roomName: string, user: UserRef, role: Role): LogEvent[] {
  if (s.insertMember.run(roomId, parseId(user.id), role, now(), roomId).changes === 0) return [];
  const event = append(s, memberEvent(roomId, roomName, user, true));
  s.openSpan.run(parseId(user.id), roomId, event.pos);
  return [event];
}

/** End a membership and close its visibility span at the leave event; [] when not a member. */
export function leave(s: Statements, roomId: number, userId: string): LogEvent[] {
  const uid = parseId(userId);
  if (s.deleteMember.run(roomId, uid).changes === 0) return [];
  const room = s.roomName.get(roomId)!;
  const event = append(s, memberEvent(roomId, room.name, userById(s, uid), false));
  s.closeSpan.run(event.pos, uid, roomId);
  return [event];
}

/** The body of `postMessage` (idempotent by client_id; seq from the room row, position from the rowid). */
export function post(s: Statements, input: NewPost): Changed<{ message: Message; created: boolean }> {
  const authorId = parseId(input.author.id);
  if (input.clientId !== null) {
    const prior = s.messageByClientId.get(authorId, input.clientId);
    if (prior) return { value: { message: withReactions(s, [prior])[0]!, created: false }, events: [] };
  }
  const parent = input.replyTo != null ? replyParent(s, input.roomId, input.replyTo) : null;
  const bumped = s.bumpSeq.get(input.roomId);
  if (!bumped) throw notFound('room');
  const createdAt = now();
  const derived = deriveText(s, { roomId: input.roomId, authorId: input.author.id, text: input.text, replyAuthorId: parent ? String(parent.row.author_id) : null }, input.online ?? (() => false));
  const inserted = s.insertMessage.get(input.roomId, bumped.last_seq, authorId, input.text, input.clientId, createdAt, parent?.row.id ?? null, derived.mentionsJson, input.alias ?? null)!;
  s.markRead.run(bumped.last_seq, input.roomId, input.roomId, authorId);
  const attachments = attach(s, inserted.id, authorId, input.attachments ?? [], input.uploadsSince ?? '');
  saveDerived(s, { id: inserted.id, roomId: input.roomId, seq: bumped.last_seq }, derived, true);
  const mentions = derived.mentions;
  const message = newMessage(input, { id: inserted.id, room: bumped.name, seq: bumped.last_seq, createdAt, mentions, replyTo: parent?.ref ?? null, attachments });
  return { value: { message, created: true }, events: [append(s, messageEvent(input.roomId, message, false))] };
}

/** Attach the author's uploads to a new message, in order; any that is not theirs, taken, or expired: `invalid_attachment`. */
function attach(s: Statements, messageId: number, authorId: number, ids: string[], since: string): Upload[] {
  ids.forEach((id, i) => {
    if (s.attachUpload.run(messageId, i, id, authorId, since).changes === 0) throw invalidAttachment(id);
  });
  return ids.length === 0 ? [] : s.attachmentsOf.all(JSON.stringify([messageId])).map(toUpload);
}

/** Apply `change` to a message; when it changed something, append `message_updated` with the new state. */
export function changeMessage(s: Statements, roomId: number, messageId: string, change: (mid: number) => boolean): Changed<Message> {
  const mid = parseId(messageId);
  // No row lock needed: nothing else runs between these statements (single writer, no await).
  if (!s.messageById.get(roomId, mid)) throw notFound('message');
  const changed = change(mid);
  const message = withReactions(s, [s.messageById.get(roomId, mid)!])[0]!;
  return { value: message, events: changed ? [append(s, messageEvent(roomId, message, true))] : [] };
}

/** Soft-delete a message: no text, reactions, attachments (their files become dead), mentions or index; false when it already was. */
export function removeMessage(s: Statements, mid: number): boolean {
  if (s.deleteMessage.run(mid).changes === 0) return false;
  s.deleteReactions.run(mid);
  s.buryAttachments.run(mid);
  s.forgetAttachments.run(mid);
  underive(s, mid);
  return true;
}

/** Replace a message's text (edited now) and re-derive its mentions and search index; false when it was deleted. */
export function editText(s: Statements, roomId: number, mid: number, text: string, online: (userId: string) => boolean): boolean {
  if (s.editMessage.run(text, now(), mid).changes === 0) return false;
  const row = s.messageById.get(roomId, mid)!;
  const replyAuthorId = row.reply_author_id === null ? null : String(row.reply_author_id);
  derive(s, { id: mid, roomId, seq: row.seq, authorId: String(row.author_id), text, replyAuthorId }, online);
  // Previews of URLs no longer in the text go at once (new URLs are fetched after commit: core/previews.ts).
  if (row.previews !== null) s.setPreviews.run(previewsColumn(keptPreviews(readPreviews(row.previews), text)), mid);
  return true;
}

/** The Store's `previews` part: fetched previews merged into a message's current ones (store.ts Previews). */
export function sqlitePreviews(s: Statements, write: <T>(fn: () => T) => Promise<T>): Previews {
  return {
    setPreviews: (roomId, messageId, found) => write(() => changeMessage(s, roomId, messageId, (mid) => {
      const row = s.messageById.get(roomId, mid)!;
      if (row.deleted) return false;
      const current = readPreviews(row.previews);
      const next = mergePreviews(current, found, row.text);
      if (samePreviews(current, next)) return false;
      s.setPreviews.run(previewsColumn(next), mid);
      return true;
    })),
  };
}
