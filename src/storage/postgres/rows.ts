/**
 * Row shapes of the PostgreSQL schema and their mapping to the domain types.
 * int8 columns arrive as numbers (see db.ts); timestamptz as Date, shown as ISO 8601 like SQLite's text.
 */
import type { LogEvent, Message, Role, Room, StoredEventType, User } from '../../core/types.ts';
import type { RoomRecord } from '../store.ts';

export interface UserRow {
  id: number;
  username: string;
  guest: boolean;
  created_at: Date;
}

export interface RoomRow {
  id: number;
  name: string;
  topic: string;
  visibility: 'public' | 'private';
  kind: 'room' | 'dm';
  created_at: Date;
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
  created_at: Date;
  edited_at: Date | null;
  deleted: boolean;
}

export interface EventRow {
  pos: number;
  room_id: number;
  type: string;
  subject: number | null;
  data: string;
}

const iso = (d: Date): string => d.toISOString();

export function toUser(r: UserRow): User {
  return { id: String(r.id), username: r.username, guest: r.guest, created_at: iso(r.created_at) };
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
    text: r.deleted ? '' : r.text,
    created_at: iso(r.created_at),
    edited_at: r.edited_at && iso(r.edited_at),
    deleted: r.deleted,
    reactions: r.deleted ? {} : reactions,
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
