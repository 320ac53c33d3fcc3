/**
 * The storage seam (STYLE habit 1). Everything Natter keeps goes through `Store`;
 * implementations live beside this file (sqlite/, postgres/) and are imported only
 * by main.ts and tests. The contract suite in test/contract/store.contract.ts is
 * the executable form of the rules below.
 *
 * Contract, for every implementation:
 * - Each method is one use case and runs as one transaction: the change and the
 *   events it produces commit together or not at all.
 * - Every change that API.md lists as a stored event appends a `LogEvent` to one
 *   ordered log in that same transaction, and the method returns those events
 *   (the caller publishes them after commit). Positions are gapless and assigned
 *   in commit order: once a reader sees position N, every position below N has
 *   committed (STYLE habit 7).
 * - Membership is kept as spans (from the join event's position to the leave
 *   event's position, both inclusive), so `readEvents` can replay "what user U
 *   could see after position P" with membership as it was when each event happened.
 * - A room's message `seq` is gapless and strictly increasing, assigned in the
 *   posting transaction.
 * - Methods throw `ChatError` for conflicts the API names (`username_taken`,
 *   `room_exists`); any other error is a fault of the store.
 *
 * Why two implementations and no common base: SQLite's use cases are synchronous
 * on purpose. Each runs to completion inside one group-committed transaction
 * (sqlite/group-commit.ts) without yielding, which is what gives commit-order
 * positions for free; an async base shared with PostgreSQL would let use cases
 * interleave and lose that. So sqlite/ and postgres/ mirror each other file for
 * file and name for name instead (sql.ts, writes.ts, the store), and only the
 * pure pieces they share live in rows.ts.
 */
import type { LogEvent, Message, Preview, Role, Room, User, UserRef, Visibility } from '../core/types.ts';

/** A room as stored, independent of who looks at it. */
export interface RoomRecord {
  id: number;
  name: string;
  topic: string;
  visibility: Visibility;
  kind: 'room' | 'dm';
  createdAt: string;
  lastSeq: number;
}

/** A room plus the viewer's relation to it. `role` is null for non-members. */
export interface RoomAccess {
  record: RoomRecord;
  room: Room;
  role: Role | null;
}

/** A message plus the author's internal id (for the author-only rules). */
export interface StoredMessage {
  message: Message;
  authorId: string;
}


/** Which page of a room's history `listMessages` returns. */
export interface HistoryQuery {
  before?: number;
  after?: number;
  limit: number;
}

/** A page of a room's members (`Rooms.listMembersPage`). */
export interface MemberPage {
  members: { user: UserRef; role: Role }[];
  nextKey: string | null;
}

/** The rooms a user belongs to and the log head, read in one snapshot. */
export interface MemberSnapshot {
  rooms: Room[];
  roomIds: number[];
  head: number;
}

/** What `createRoom` stores. */
export interface NewRoom {
  name: string;
  topic: string;
  visibility: Visibility;
  ownerId: string;
}

/** What `updateRoom` may change; an absent field stays as it is. */
export interface RoomPatch {
  topic?: string;
  visibility?: Visibility;
}

/** What `postMessage` stores. `clientId` makes a retried post idempotent per author. */
export interface NewPost {
  roomId: number;
  author: UserRef;
  text: string;
  clientId: string | null;
  /** v1.1: the id of the message this replies to (same room, not deleted; else ChatError `invalid_reply_to`). */
  replyTo?: string | null;
  /** v1.1: who is online now, for `@here` (core/mentions.ts); nobody when absent. */
  online?: (userId: string) => boolean;
  /**
   * v1.1: upload ids to attach, in order (1–10, no repeats: checked by the caller). Each must be the author's,
   * unattached, not an avatar, and created at or after `uploadsSince` (not expired); else ChatError
   * `invalid_attachment` and nothing is posted. A repeated `clientId` returns the original before this check.
   */
  attachments?: string[];
  uploadsSince?: string;
  /** v1.1 §6: the name an incoming hook posts under (`message.alias`). */
  alias?: string | null;
}

/*
 * The seam is one `Store`, but it is typed in parts, one per aggregate, so a
 * class can ask only for what it uses (Auth for `Accounts`, Feed for `EventLog`, …).
 * The parts are types only: both implementations still implement all of `Store`.
 */

/** Identity, health and shutdown of the store. */
export interface Lifecycle {
  /** Random id of this database's event log, fixed at creation; cursors carry it so a cursor from another database is "unknown". */
  readonly logId: string;
  /** Succeeds when the database answers; /readyz uses it. */
  ping(): Promise<void>;
  /** Close connections. Idempotent. */
  close(): Promise<void>;
}

/** What `Lookups.messages` searches (API v1.1 §1): terms and grams from core/fold.ts, filters, the page. */
export interface MessageQuery {
  /** Folded terms a message must all contain. */
  terms: string[];
  /** The grams a match must hold (core/fold.ts queryGrams): the index lookup. */
  grams: string[];
  roomId?: number;
  authorId?: string;
  /** ISO times: `since` inclusive, `until` exclusive, on created_at. */
  since?: string;
  until?: string;
  limit: number;
  /** Continue below this order key (from a previous page's `nextKey`). */
  beforeKey: number | null;
}

/** One mention of the viewer in the inbox. */
export interface InboxItem {
  message: Message;
  reason: 'user' | 'reply' | 'room' | 'here';
  read: boolean;
}

/**
 * v1.1 reads that span rooms: people by name prefix, message search, the mentions inbox. Results are
 * newest first by an order key that follows commit order (the SQLite message id; PostgreSQL's position
 * of the message's creation); `nextKey` continues a page, null on the last.
 */
export interface Lookups {
  /** Accounts whose username starts with `prefix` (case-insensitively), by username_key, at most `limit`. */
  users(prefix: string, limit: number): Promise<User[]>;
  /** Undeleted messages holding every term, in public rooms and in rooms the viewer is a member of now. */
  messages(viewerId: string, q: MessageQuery): Promise<{ messages: Message[]; nextKey: number | null }>;
  /** Undeleted messages that mention the viewer, in rooms they are a member of now. */
  mentions(viewerId: string, page: { limit: number; beforeKey: number | null }): Promise<{ items: InboxItem[]; nextKey: number | null }>;
}

/** Rooms, DMs and their members. */
export interface Rooms {
  /** The room's record and the viewer's role, or null: the cheap access check every request makes (no per-viewer counts). */
  findRoom(name: string, viewerId: string): Promise<{ record: RoomRecord; role: Role | null } | null>;
  /** The room by name as `viewerId` sees it, or null when no such room exists (visibility is the caller's rule). */
  getRoom(name: string, viewerId: string): Promise<RoomAccess | null>;
  /** Public rooms plus private rooms the viewer belongs to, by name, with the log head of the same snapshot. */
  listRooms(viewerId: string): Promise<{ rooms: Room[]; head: number }>;
  /** Create a room owned by `ownerId`. Throws `room_exists`. */
  createRoom(input: NewRoom): Promise<Changed<Room>>;
  /** Change topic and/or visibility; emits `room_updated` when something changed. */
  updateRoom(roomId: number, patch: RoomPatch, viewerId: string): Promise<Changed<Room>>;
  /** v1.1: set a member's notification level (null: back to the default); false when not a member. */
  setNotificationLevel(roomId: number, userId: string, level: 'all' | 'mentions' | 'none' | null): Promise<boolean>;
  /** Make the user a member (no event when already one). */
  addMember(roomId: number, userId: string, role: Role): Promise<Changed<boolean>>;
  /** End the user's membership (no event when not a member). */
  removeMember(roomId: number, userId: string): Promise<Changed<boolean>>;
  /** The room's members, owners first, then by username. */
  listMembers(roomId: number): Promise<{ user: UserRef; role: Role }[]>;
  /**
   * One page of the room's members ordered by username_key (binary order of the lower-cased username), those after
   * `afterKey` ('' = from the start), at most `limit`. `nextKey` is the page's last key when more follow, else null:
   * a page is never empty unless the room is.
   */
  listMembersPage(roomId: number, afterKey: string, limit: number): Promise<MemberPage>;
  /** The DM room of two users, created on first use; both end up members. Same room whoever asks first. */
  openDm(viewerId: string, peerId: string): Promise<Changed<Room>>;
}

/** Messages, reactions and read markers. */
export interface Messages {
  /**
   * Post a message. With a `clientId` already used by this author, returns the
   * original with `created: false` and changes nothing.
   */
  postMessage(input: NewPost): Promise<Changed<{ message: Message; created: boolean }>>;
  /** The message with its author's id, or null when it is not in that room. */
  getMessage(roomId: number, messageId: string): Promise<StoredMessage | null>;
  /** Ascending seq; with neither bound, the newest `limit`. */
  listMessages(roomId: number, query: HistoryQuery): Promise<Message[]>;
  /** Replace the text and set `edited_at`, re-deriving its mentions and search index; emits `message_updated`. */
  editMessage(roomId: number, messageId: string, text: string, online?: (userId: string) => boolean): Promise<Changed<Message>>;
  /** Soft delete: empty text, `deleted: true`; no event when already deleted. */
  deleteMessage(roomId: number, messageId: string): Promise<Changed<Message>>;
  /**
   * Add (`on`) or remove a reaction; no event when nothing changed. Adding an emoji the message does not
   * hold yet, when it already holds REACTIONS_MAX distinct ones, throws ChatError `limit_reached` (exact under concurrency).
   */
  setReaction(roomId: number, messageId: string, userId: string, emoji: string, on: boolean): Promise<Changed<Message>>;
  /** Move the read marker forward to `seq` (capped at the room's last seq); never backwards. */
  markRead(roomId: number, userId: string, seq: number): Promise<void>;
}

/** The ordered event log: what streams replay and clusters fill gaps from. */
export interface EventLog {
  /** The newest committed position (0 for an empty log). */
  head(): Promise<number>;
  /** Events in (after, upTo] that `userId` could see when each happened, ascending, at most `limit`. */
  readEvents(userId: string, after: number, upTo: number, limit: number): Promise<LogEvent[]>;
  /** All events in (after, upTo], ascending, at most `limit` (cluster gap filling). */
  readLog(after: number, upTo: number, limit: number): Promise<LogEvent[]>;
  /** The viewer's rooms and the log head in one snapshot (the stream's `ready`). */
  memberRooms(viewerId: string): Promise<MemberSnapshot>;
}

/** The whole seam: what main.ts opens and both implementations provide. */
export type { Accounts, Changed, NewUser, SessionRecord, Sessions } from './accounts.ts';
import type { Accounts, Changed } from './accounts.ts';
import type { AdminStore } from './admin.ts';
export type { NewUpload, UploadRecord, Uploads } from './uploads.ts';
import type { EmailStore } from './email.ts';
import type { OidcStore } from './oidc.ts';
import type { FileStore } from './files.ts';
import type { BotStore, HookStore } from './hooks.ts';
import type { PushStore } from './push.ts';
import type { Uploads } from './uploads.ts';
/** Fetched link previews onto a message (v1.1 §3); an edit keeps those of URLs still in its text itself. */
export interface Previews {
  /** Merge `found` into the message's previews (core/links.ts mergePreviews); a `message_updated` only when they changed. */
  setPreviews(roomId: number, messageId: string, found: ReadonlyMap<string, Preview | null>): Promise<Changed<Message>>;
}

/** The bytes of uploads live in `files` (files.ts): on disk beside a SQLite database, in the database on PostgreSQL. */
export type Store = Lifecycle & Accounts & Rooms & Messages & EventLog
  & { readonly lookups: Lookups; readonly uploads: Uploads; readonly files: FileStore; readonly previews: Previews; readonly push: PushStore; readonly email: EmailStore; readonly admin: AdminStore; readonly oidc: OidcStore }
  & { readonly bots: BotStore; readonly hooks: HookStore };
