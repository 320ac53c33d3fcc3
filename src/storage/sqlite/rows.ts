/** Row shapes of the SQLite schema and their mapping to the domain types. */
import type { LogEvent, Message, Role, Room, StoredEventType, User } from '../../core/types.ts';
import type { RoomRecord } from '../store.ts';

export interface UserRow {
  id: number;
  username: string;
  guest: number;
  created_at: string;
}

export interface RoomRow {
  id: number;
  name: string;
  topic: string;
  visibility: 'public' | 'private';
  kind: 'room' | 'dm';
  created_at: string;
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
  created_at: string;
  edited_at: string | null;
  deleted: number;
}

export interface EventRow {
  pos: number;
  room_id: number;
  type: string;
  subject: number | null;
  data: string;
}

export function toUser(r: UserRow): User {
  return { id: String(r.id), username: r.username, guest: r.guest === 1, created_at: r.created_at };
}

export function toRecord(r: RoomRow): RoomRecord {
  return { id: r.id, name: r.name, topic: r.topic, visibility: r.visibility, kind: r.kind, createdAt: r.created_at, lastSeq: r.last_seq };
}

export function toRoom(r: RoomRow): Room {
  const room: Room = {
    name: r.name,
    topic: r.topic,
    visibility: r.visibility,
    kind: r.kind,
    created_at: r.created_at,
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
    created_at: r.created_at,
    edited_at: r.edited_at,
    deleted: r.deleted === 1,
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
