/**
 * Row shapes shared by the SQL stores and their mapping to the domain types.
 * The two drivers differ only in column types: SQLite gives times as ISO text
 * and flags as 0/1, PostgreSQL gives timestamptz as Date and booleans (its int8
 * columns arrive as numbers, see postgres/db.ts). Both show times as ISO 8601.
 */
import type { LogEvent, Message, Role, Room, StoredEventType, User } from '../core/types.ts';
import type { RoomRecord } from './store.ts';

type Time = string | Date;
type Flag = number | boolean;

export interface UserRow {
  id: number;
  username: string;
  guest: Flag;
  created_at: Time;
}

export interface RoomRow {
  id: number;
  name: string;
  topic: string;
  visibility: 'public' | 'private';
  kind: 'room' | 'dm';
  created_at: Time;
  last_seq: number;
  role: Role | null;
  unread: number;
  peer_id: number | null;
  peer_name: string | null;
}

export interface MessageRow {
  id: number;
  room: string;
  seq: number;
  author_id: number;
  author_name: string;
  text: string;
  client_id: string | null;
  created_at: Time;
  edited_at: Time | null;
  deleted: Flag;
}

export interface EventRow {
  pos: number;
  room_id: number;
  type: string;
  subject: number | null;
  data: string;
}

const iso = (t: Time): string => (typeof t === 'string' ? t : t.toISOString());
const flag = (f: Flag): boolean => f === true || f === 1;

export function toUser(r: UserRow): User {
  return { id: String(r.id), username: r.username, guest: flag(r.guest), created_at: iso(r.created_at) };
}

export function toRecord(r: RoomRow): RoomRecord {
  return { id: r.id, name: r.name, topic: r.topic, visibility: r.visibility, kind: r.kind, createdAt: iso(r.created_at), lastSeq: r.last_seq };
}

export function toRoom(r: RoomRow): Room {
  const room: Room = {
    name: r.name,
    topic: r.topic,
    visibility: r.visibility,
    kind: r.kind,
    created_at: iso(r.created_at),
    member: r.role !== null,
    unread: r.unread,
    last_seq: r.last_seq,
  };
  if (r.kind === 'dm' && r.peer_id !== null) room.peer = { id: String(r.peer_id), username: r.peer_name ?? '' };
  return room;
}

export function toMessage(r: MessageRow, reactions: Record<string, string[]>): Message {
  return {
    id: String(r.id),
    room: r.room,
    seq: r.seq,
    author: { id: String(r.author_id), username: r.author_name },
    text: flag(r.deleted) ? '' : r.text,
    created_at: iso(r.created_at),
    edited_at: r.edited_at && iso(r.edited_at),
    deleted: flag(r.deleted),
    reactions: flag(r.deleted) ? {} : reactions,
    client_id: r.client_id,
  };
}

export function toEvent(r: EventRow): LogEvent {
  return { pos: r.pos, roomId: r.room_id, type: r.type as StoredEventType, subject: r.subject === null ? null : String(r.subject), data: r.data };
}

/** Group `(message_id, emoji, username)` rows, already in reaction order, per message. */
export function groupReactions(rows: { message_id: number; emoji: string; username: string }[]): Map<number, Record<string, string[]>> {
  const out = new Map<number, Record<string, string[]>>();
  for (const r of rows) {
    let byEmoji = out.get(r.message_id);
    if (!byEmoji) out.set(r.message_id, (byEmoji = {}));
    (byEmoji[r.emoji] ??= []).push(r.username);
  }
  return out;
}
