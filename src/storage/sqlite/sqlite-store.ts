/**
 * The embedded default store: SQLite through better-sqlite3, WAL mode.
 *
 * better-sqlite3 is synchronous and SQLite has a single writer, so each use case
 * runs to completion without yielding: positions and seqs are assigned in commit
 * order for free (STYLE habit 7). Writes are group-committed (group-commit.ts):
 * one transaction per event-loop tick, and a write's promise resolves only once it
 * is on disk (the WAL fdatasync'ed off the event loop for a file; synchronous=FULL
 * for `:memory:`, where it means nothing). Readers of the log see only committed,
 * durable positions (`committedHead`), never the open batch.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join as joinPath } from 'node:path';
import Database from 'better-sqlite3';
import { notFound } from '../../core/errors.ts';
import { roomUpdatedEvent } from '../../core/events.ts';
import type { LogEvent, Message, Role, Room, User, UserRef } from '../../core/types.ts';
import { DiskFiles } from '../files-disk.ts';
import type { FileStore } from '../files.ts';
import type { Changed, HistoryQuery, MemberPage, MemberSnapshot, NewPost, NewRoom, NewUser, Previews, RoomAccess, RoomPatch, RoomRecord, Store, StoredMessage } from '../store.ts';
import { dmPair, dmRoomName, now, parseId, patchRoom, checkReactionCap, roomExists, toEvent, toMember, toMemberPage, toRecord, toRoom, toUser } from '../rows.ts';
import { GroupCommit, walSync, type Durability } from './group-commit.ts';
import { SqliteLookups } from './lookups.ts';
import { migrate } from './migrate.ts';
import { inlineIndex, workerIndex, type SearchIndex } from './search-index.ts';
import { SqliteSessions } from './sessions.ts';
import { SqliteUploads } from './uploads.ts';
import { SqlitePush } from './push.ts';
import { createUser, usersSql } from './users.ts';
import { SqliteAdmin } from './admin.ts';
import { SqliteEmail } from './email.ts';
import { SqliteOidc } from './oidc.ts';
import { SqliteBots } from './bots.ts';
import { SqliteHooks } from './hooks.ts';
import { prepareStatements, type Statements } from './statements.ts';
import { append, changeMessage, editText, history, init, join, leave, post, removeMessage, roomView, sqlitePreviews, userById, withReactions } from './writes.ts';

/** WAL pages at which the writer checkpoints by itself (the background thread normally does it long before). */
export const WRITER_CHECKPOINT_PAGES = 10_000;

/** Open (creating if needed) a SQLite store at `path` (`:memory:` for tests). Close with `close()`. */
export function openSqliteStore(path: string): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // A file's durability comes from walSync after COMMIT (group-commit.ts); in WAL mode NORMAL still
  // syncs the WAL before each checkpoint and the database after it.
  db.pragma(path === ':memory:' ? 'synchronous = FULL' : 'synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  const memory = path === ':memory:';
  // A file store's WAL is checkpointed by its background thread (search-worker.ts), off the event loop; the
  // writer checkpoints itself (inside a COMMIT) only if that thread falls this far behind (40 MiB of WAL).
  if (!memory) db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
  // Uploaded files sit beside the database (`<dir>/files`); an in-memory store's in a directory of its own, removed on close.
  const files = memory ? new DiskFiles(mkdtempSync(joinPath(tmpdir(), 'natter-files-')), true) : new DiskFiles(joinPath(dirname(path), 'files'));
  return new SqliteStore(db, memory ? inlineIndex(db) : workerIndex(db, path), files, memory ? undefined : walSync(`${path}-wal`));
}

/** The SQLite `Store`; open it with `openSqliteStore`. */
export class SqliteStore implements Store {
  readonly logId: string;
  private closed = false;
  private readonly s: Statements;
  private readonly users: ReturnType<typeof usersSql>;
  private readonly batch: GroupCommit;
  readonly sessions: SqliteSessions;
  readonly lookups: SqliteLookups;
  readonly uploads: SqliteUploads;
  readonly previews: Previews;
  readonly push: SqlitePush;
  readonly email: SqliteEmail;
  readonly oidc: SqliteOidc;
  readonly admin: SqliteAdmin;
  readonly bots: SqliteBots;
  readonly hooks: SqliteHooks;
  /** The highest position committed to disk: the log as readers may see it. */
  private committedHead = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly search: SearchIndex,
    readonly files: FileStore,
    private readonly durability?: Durability & { close(): void },
  ) {
    this.s = prepareStatements(db);
    this.users = usersSql(db);
    this.logId = this.db.transaction(() => init(this.s))();
    this.committedHead = this.s.head.get()!.pos ?? 0;
    this.batch = new GroupCommit(db, () => {
      const head = this.s.head.get()!.pos ?? 0;
      return () => {
        this.committedHead = head;
      };
    }, search, durability);
    this.sessions = new SqliteSessions(db, (fn) => this.write(fn));
    this.lookups = new SqliteLookups(search, this.s);
    this.uploads = new SqliteUploads(this.s, (fn) => this.write(fn));
    this.previews = sqlitePreviews(this.s, (fn) => this.write(fn));
    this.push = new SqlitePush(db, (fn) => this.write(fn));
    this.email = new SqliteEmail(db, (fn) => this.write(fn));
    this.oidc = new SqliteOidc(db, (fn) => this.write(fn), (input) => createUser(this.users, this.s, input));
    this.admin = new SqliteAdmin(db, this.s, (fn) => this.write(fn));
    this.bots = new SqliteBots(db, (fn) => this.write(fn), (input) => createUser(this.users, this.s, input));
    this.hooks = new SqliteHooks(db, this.s, (fn) => this.write(fn), () => this.committedHead);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('store closed');
    this.s.ping.get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batch.commit();
    await this.batch.drain();
    await this.search.close();
    this.db.close();
    await this.files.close();
    this.durability?.close();
  }

  // ---- accounts and sessions

  async createUser(input: NewUser): Promise<Changed<User>> {
    return this.write(() => createUser(this.users, this.s, input));
  }

  async findCredentials(username: string): Promise<{ user: User; passwordHash: string | null } | null> {
    const row = this.s.userByKey.get(username.toLowerCase());
    return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
  }

  async findUserByName(username: string): Promise<User | null> {
    return (await this.findCredentials(username))?.user ?? null;
  }

  // ---- rooms

  async findRoom(name: string, viewerId: string): Promise<{ record: RoomRecord; role: Role | null } | null> {
    const row = this.s.roomAccess.get({ name, viewer: parseId(viewerId) });
    return row ? { record: toRecord(row), role: row.role } : null;
  }

  async getRoom(name: string, viewerId: string): Promise<RoomAccess | null> {
    const row = this.s.roomByName.get({ name, viewer: parseId(viewerId) });
    return row ? { record: toRecord(row), room: toRoom(row), role: row.role } : null;
  }

  // listRooms and memberRooms need no transaction around their one statement: a statement reads one snapshot of
  // the database, and `committedHead` cannot move while this synchronous code runs. (A BEGIN/COMMIT pair around it
  // was ≈ 5 % of a reconnect storm's main thread: bench/README.md, issue 17.)
  async listRooms(viewerId: string): Promise<{ rooms: Room[]; head: number }> {
    return { rooms: this.s.roomsVisible.all({ viewer: parseId(viewerId) }).map(toRoom), head: this.committedHead };
  }

  async createRoom(input: NewRoom): Promise<Changed<Room>> {
    return this.write(() => {
      const created = this.s.insertRoom.get(input.name, input.topic, input.visibility, 'room', null, null, now());
      if (!created) throw roomExists(input.name);
      const owner = userById(this.s, parseId(input.ownerId));
      const events = join(this.s, created.id, input.name, owner, 'owner');
      return { value: roomView(this.s, created.id, input.ownerId), events };
    });
  }

  async updateRoom(roomId: number, patch: RoomPatch, viewerId: string): Promise<Changed<Room>> {
    return this.write(() => {
      const before = roomView(this.s, roomId, viewerId);
      const next = patchRoom(before, patch);
      if (!next) return { value: before, events: [] };
      this.s.updateRoom.run(next.topic, next.visibility, roomId);
      const room = roomView(this.s, roomId, viewerId);
      return { value: room, events: [append(this.s, roomUpdatedEvent(roomId, room))] };
    });
  }

  async addMember(roomId: number, userId: string, role: Role): Promise<Changed<boolean>> {
    return this.write(() => {
      const room = this.s.roomName.get(roomId);
      const user = this.s.userById.get(parseId(userId));
      if (!room || !user) throw notFound(room ? 'user' : 'room');
      const events = join(this.s, roomId, room.name, toUser(user), role);
      return { value: events.length > 0, events };
    });
  }

  async removeMember(roomId: number, userId: string): Promise<Changed<boolean>> {
    return this.write(() => {
      const events = leave(this.s, roomId, userId);
      return { value: events.length > 0, events };
    });
  }

  async listMembers(roomId: number): Promise<{ user: UserRef; role: Role }[]> {
    return this.s.members.all(roomId).map(toMember);
  }

  async listMembersPage(roomId: number, afterKey: string, limit: number): Promise<MemberPage> {
    return toMemberPage(this.s.membersPage.all(roomId, afterKey, limit + 1), limit);
  }

  async openDm(viewerId: string, peerId: string): Promise<Changed<Room>> {
    return this.write(() => {
      const [a, b] = dmPair(viewerId, peerId);
      const name = dmRoomName(a, b);
      const created = this.s.insertRoom.get(name, '', 'private', 'dm', a, b, now());
      const roomId = created?.id ?? this.s.roomId.get(name)!.id;
      const events: LogEvent[] = [];
      for (const uid of a === b ? [a] : [a, b]) events.push(...join(this.s, roomId, name, userById(this.s, uid), 'member'));
      return { value: roomView(this.s, roomId, viewerId), events };
    });
  }

  // ---- messages

  async postMessage(input: NewPost): Promise<Changed<{ message: Message; created: boolean }>> {
    return this.write(() => post(this.s, input));
  }

  async getMessage(roomId: number, messageId: string): Promise<StoredMessage | null> {
    const row = this.s.messageById.get(roomId, parseId(messageId));
    return row ? { message: withReactions(this.s, [row])[0]!, authorId: String(row.author_id) } : null;
  }

  async listMessages(roomId: number, query: HistoryQuery): Promise<Message[]> {
    return history(this.s, roomId, query);
  }

  async editMessage(roomId: number, messageId: string, text: string, online: (userId: string) => boolean = () => false): Promise<Changed<Message>> {
    return this.write(() => changeMessage(this.s, roomId, messageId, (mid) => editText(this.s, roomId, mid, text, online)));
  }

  async deleteMessage(roomId: number, messageId: string): Promise<Changed<Message>> {
    return this.write(() => changeMessage(this.s, roomId, messageId, (mid) => removeMessage(this.s, mid)));
  }

  async setReaction(roomId: number, messageId: string, userId: string, emoji: string, on: boolean): Promise<Changed<Message>> {
    return this.write(() => changeMessage(this.s, roomId, messageId, (mid) => {
      const cap = on ? this.s.reactionState.get(emoji, mid)! : null;
      if (cap) checkReactionCap(cap.n, !!cap.has);
      return (on ? this.s.addReaction : this.s.removeReaction).run(mid, emoji, parseId(userId)).changes > 0;
    }));
  }

  async setNotificationLevel(roomId: number, userId: string, level: 'all' | 'mentions' | 'none' | null): Promise<boolean> {
    return (await this.write(() => this.s.setLevel.run(level, roomId, parseId(userId)))).changes > 0;
  }

  async markRead(roomId: number, userId: string, seq: number): Promise<void> {
    await this.write(() => this.s.markRead.run(seq, roomId, roomId, parseId(userId)));
  }

  // ---- event log

  async head(): Promise<number> {
    return this.committedHead;
  }

  async readEvents(userId: string, after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    return this.s.readEvents.all({ user: parseId(userId), after, upTo, limit }).map(toEvent);
  }

  async readLog(after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    return this.s.readLog.all(after, upTo, limit).map(toEvent);
  }

  async memberRooms(viewerId: string): Promise<MemberSnapshot> {
    const rows = this.s.roomsMember.all({ viewer: parseId(viewerId) });
    return { rooms: rows.map(toRoom), roomIds: rows.map((r) => r.id), head: this.committedHead };
  }

  // ---- transactions

  /** Run a write use case in this tick's group-committed transaction. */
  private write<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store closed'));
    return this.batch.run(fn);
  }
}
