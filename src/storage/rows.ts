/**
 * What the two SQL stores share: the row shapes and their mapping to the domain
 * types, and the pure pieces of the use cases (ids, DM names, a new message, the
 * room patch rule, the conflict errors). Nothing here touches a database, so it
 * serves the synchronous SQLite store and the async PostgreSQL store alike.
 *
 * The two drivers differ only in column types: SQLite gives times as ISO text
 * and flags as 0/1, PostgreSQL gives timestamptz as Date and booleans (its int8
 * columns arrive as numbers, see postgres/db.ts). Both show times as ISO 8601.
 */
import { ChatError } from '../core/errors.ts';
import { REACTIONS_MAX } from '../core/validate.ts';
import type { AccountRole, LogEvent, Message, MessageMentions, NotificationLevel, ReplyRef, Role, Room, StoredEventType, Upload, User, UserRef, Visibility } from '../core/types.ts';
import type { NewPost, RoomPatch, RoomRecord, SessionRecord } from './store.ts';
import { readPreviews } from './previews.ts';
import { toUpload, type UploadRow } from './upload-rows.ts';
import { flag, iso, type Flag, type Time } from './values.ts';

/** A user as both stores select it (`USER_COLS`). */
export interface UserRow {
  id: number;
  username: string;
  guest: Flag;
  created_at: Time;
  role: AccountRole;
  active: Flag;
  display_name: string | null;
  avatar_id: string | null;
  kind: 'user' | 'bot';
}

/** A session as the session statements select it, with its user's columns. */
export interface SessionRow {
  sid: number;
  user_id: number;
  s_created_at: Time;
  last_used_at: Time;
  user_agent: string | null;
}

/** A room as ROOM_VIEW selects it for one viewer (ROOM_ACCESS leaves out `unread` and the peer). */
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
  mentions: number;
  notifications: NotificationLevel;
  peer_id: number | null;
  peer_name: string | null;
}

/** A message as MESSAGE_VIEW selects it. */
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
  /** v1.1: JSON of message.mentions (null: none). */
  mentions: string | null;
  /** v1.1: JSON of message.previews (null: none). */
  previews: string | null;
  reply_id: number | null;
  reply_seq: number | null;
  reply_author_id: number | null;
  reply_author_name: string | null;
  reply_excerpt: string | null;
  reply_deleted: Flag | null;
  /** v1.1 §6: the name an incoming hook posted under. */
  alias: string | null;
}

/** A log event as READ_EVENTS and readLog select it. */
export interface EventRow {
  pos: number;
  room_id: number;
  type: string;
  subject: number | null;
  data: string;
}

/** A reaction as REACTIONS_OF selects it, in reaction order. */
export interface ReactionRow {
  message_id: number;
  emoji: string;
  username: string;
}

/** A member as the `members` statement selects it. */
export interface MemberRow {
  id: number;
  username: string;
  role: Role;
}


/** The API's view of a user row. */
export function toUser(r: UserRow): User {
  return {
    id: String(r.id), username: r.username, guest: flag(r.guest), created_at: iso(r.created_at),
    display_name: r.display_name, avatar_url: r.avatar_id === null ? null : `/api/v1/files/${r.avatar_id}/thumbnail`,
    role: r.role, kind: r.kind, active: flag(r.active),
  };
}

export function toSession(r: SessionRow): SessionRecord {
  return { id: String(r.sid), userId: String(r.user_id), createdAt: iso(r.s_created_at), lastUsedAt: iso(r.last_used_at), userAgent: r.user_agent };
}

/** The viewer-independent record of a room row. */
export function toRecord(r: RoomRow): RoomRecord {
  return { id: r.id, name: r.name, topic: r.topic, visibility: r.visibility, kind: r.kind, createdAt: iso(r.created_at), lastSeq: r.last_seq };
}

/** The API's view of a room row, as its viewer sees it. */
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
    mentions: Number(r.mentions),
    notifications: r.notifications,
  };
  if (r.kind === 'dm' && r.peer_id !== null) room.peer = { id: String(r.peer_id), username: r.peer_name ?? '' };
  return room;
}

/** The API's view of a message row; a deleted message shows no text and no reactions. */
export function toMessage(r: MessageRow, reactions: Record<string, string[]>, attachments: Upload[] = []): Message {
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
    mentions: flag(r.deleted) || r.mentions === null ? noMentions() : (JSON.parse(r.mentions) as MessageMentions),
    reply_to: toReplyRef(r),
    attachments: flag(r.deleted) ? [] : attachments,
    previews: flag(r.deleted) ? [] : readPreviews(r.previews),
    alias: r.alias ?? null,
  };
}

/** A message that mentions nobody. */
export const noMentions = (): MessageMentions => ({ users: [], room: false, here: false });

/** The `reply_to` of a message row, built from its parent's current state (MESSAGE_VIEW's reply_* columns). */
export function toReplyRef(r: MessageRow): ReplyRef | null {
  if (r.reply_id === null) return null;
  const deleted = flag(r.reply_deleted ?? false);
  return {
    id: String(r.reply_id),
    seq: r.reply_seq!,
    author: { id: String(r.reply_author_id), username: r.reply_author_name ?? '' },
    excerpt: deleted ? '' : (r.reply_excerpt ?? ''),
    deleted,
  };
}

/** The `reply_to` a new reply shows of its parent (a message row, not deleted). */
export function replyRefOf(parent: MessageRow): ReplyRef {
  return {
    id: String(parent.id),
    seq: parent.seq,
    author: { id: String(parent.author_id), username: parent.author_name },
    excerpt: [...parent.text].slice(0, 120).join(''),
    deleted: false,
  };
}

/** A log event from its row. */
export function toEvent(r: EventRow): LogEvent {
  return { pos: r.pos, roomId: r.room_id, type: r.type as StoredEventType, subject: r.subject === null ? null : String(r.subject), data: r.data };
}

/** A member from its row. */
export function toMember(r: MemberRow): { user: UserRef; role: Role } {
  return { user: { id: String(r.id), username: r.username }, role: r.role };
}

/** A page from up to `limit + 1` rows in key order (the extra row only says that more follow). */
export function toMemberPage(rows: (MemberRow & { username_key: string })[], limit: number): { members: { user: UserRef; role: Role }[]; nextKey: string | null } {
  const page = rows.slice(0, limit);
  return { members: page.map(toMember), nextKey: rows.length > limit ? page[page.length - 1]!.username_key : null };
}

/** Messages with their reactions; `reactions` are those of `rows`, in reaction order (REACTIONS_OF). */
export function toMessages(rows: MessageRow[], reactions: ReactionRow[], uploads: UploadRow[] = []): Message[] {
  const grouped = groupReactions(reactions);
  const attached = new Map<number, Upload[]>();
  for (const u of uploads) {
    const list = attached.get(u.message_id!);
    if (list) list.push(toUpload(u));
    else attached.set(u.message_id!, [toUpload(u)]);
  }
  return rows.map((r) => toMessage(r, grouped.get(r.id) ?? {}, attached.get(r.id) ?? []));
}

/**
 * Group reaction rows, already in reaction order, per message: emoji → usernames.
 * Emoji are user strings, so `__proto__` or `constructor` must be ordinary keys: grouped in a Map,
 * then defined as own properties (an assignment `o['__proto__'] = v` would set the prototype instead).
 */
function groupReactions(rows: ReactionRow[]): Map<number, Record<string, string[]>> {
  const grouped = new Map<number, Map<string, string[]>>();
  for (const r of rows) {
    let byEmoji = grouped.get(r.message_id);
    if (!byEmoji) grouped.set(r.message_id, (byEmoji = new Map()));
    const users = byEmoji.get(r.emoji);
    if (users) users.push(r.username);
    else byEmoji.set(r.emoji, [r.username]);
  }
  const out = new Map<number, Record<string, string[]>>();
  for (const [id, byEmoji] of grouped) {
    const reactions: Record<string, string[]> = {};
    for (const [emoji, users] of byEmoji) Object.defineProperty(reactions, emoji, { value: users, enumerable: true, writable: true, configurable: true });
    out.set(id, reactions);
  }
  return out;
}

/** The current time as ISO 8601 text, as both stores write `created_at` and `edited_at`. */
export const now = (): string => new Date().toISOString();

/** An id from the API ("17") as the integer columns want it; -1 (matches nothing) when malformed. */
export function parseId(s: string): number {
  return /^\d{1,15}$/.test(s) ? Number(s) : -1;
}

/** The two users of a DM as internal ids, ascending: the order of the room's name and of its dm_a/dm_b columns. */
export function dmPair(viewerId: string, peerId: string): [number, number] {
  const [a, b] = [parseId(viewerId), parseId(peerId)].sort((x, y) => x - y) as [number, number];
  return [a, b];
}

/** The name of the DM room of users `a` and `b` (ascending, from `dmPair`): one name whoever opens it first. */
export function dmRoomName(a: number, b: number): string {
  return `dm-${a}-${b}`;
}

/** The message that a new post creates, built from what the insert returned: no edits, no reactions yet. */
export function newMessage(
  input: NewPost,
  stored: { id: number; room: string; seq: number; createdAt: string; mentions: MessageMentions; replyTo: ReplyRef | null; attachments?: Upload[] },
): Message {
  return {
    id: String(stored.id), room: stored.room, seq: stored.seq, author: { id: input.author.id, username: input.author.username },
    text: input.text, created_at: stored.createdAt, edited_at: null, deleted: false, reactions: {}, client_id: input.clientId,
    mentions: stored.mentions, reply_to: stored.replyTo, attachments: stored.attachments ?? [], previews: [], alias: input.alias ?? null,
  };
}

/**
 * The room's topic and visibility after `patch`, or null when the patch changes
 * nothing: then `updateRoom` writes nothing and appends no `room_updated`.
 */
export function patchRoom(before: Room, patch: RoomPatch): { topic: string; visibility: Visibility } | null {
  const topic = patch.topic ?? before.topic;
  const visibility = patch.visibility ?? before.visibility;
  return topic === before.topic && visibility === before.visibility ? null : { topic, visibility };
}

/** The conflict `createUser` throws, whichever check caught it. */
export const usernameTaken = (username: string): ChatError => new ChatError('username_taken', `username ${username} is taken`);

/** An invite that is unknown, revoked, expired or used up (API v1.1 §5). */
export const invalidInvite = (): ChatError => new ChatError('invalid_invite', 'this invite is unknown, expired or used up');

/** The reaction cap of `setReaction`: a new emoji (`has` false) on a message holding `n` distinct ones. */
export function checkReactionCap(n: number, has: boolean): void {
  if (!has && n >= REACTIONS_MAX) throw new ChatError('limit_reached', `a message holds at most ${REACTIONS_MAX} distinct reaction emoji`);
}

/** The conflict `createRoom` throws. */
export const roomExists = (name: string): ChatError => new ChatError('room_exists', `room ${name} already exists`);
