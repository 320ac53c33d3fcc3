/**
 * The embedded default store: SQLite through better-sqlite3, WAL mode.
 *
 * better-sqlite3 is synchronous and SQLite has a single writer, so each use case
 * runs to completion without yielding: positions and seqs are assigned in commit
 * order for free (STYLE habit 7). Writes are group-committed (group-commit.ts):
 * one transaction per event-loop tick with synchronous=FULL, so a write's promise
 * resolves only once it is on disk. Readers of the log see only committed
 * positions (`committedHead`), never the open batch.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ChatError, notFound } from '../../core/errors.ts';
import { memberEvent, messageEvent, roomUpdatedEvent, type NewEvent } from '../../core/events.ts';
import type { LogEvent, Message, Role, Room, User, UserRef, Visibility } from '../../core/types.ts';
import type { Changed, HistoryQuery, MemberSnapshot, RoomAccess, RoomRecord, Store, StoredMessage } from '../store.ts';
import { GroupCommit } from './group-commit.ts';
import { migrate } from './migrate.ts';
import { groupReactions, toEvent, toMessage, toRecord, toRoom, toUser, type MessageRow } from '../rows.ts';
import { prepareStatements, type Statements } from './statements.ts';

const now = (): string => new Date().toISOString();
const id = (s: string): number => (/^\d{1,15}$/.test(s) ? Number(s) : -1);

/** Open (creating if needed) a SQLite store at `path` (`:memory:` for tests). */
export function openSqliteStore(path: string): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return new SqliteStore(db);
}

export class SqliteStore implements Store {
  readonly logId: string;
  private closed = false;
  private readonly s: Statements;
  private readonly batch: GroupCommit;
  /** The highest position committed to disk: the log as readers may see it. */
  private committedHead = 0;

  constructor(private readonly db: Database.Database) {
    this.s = prepareStatements(db);
    this.logId = this.init();
    this.committedHead = this.s.head.get()!.pos ?? 0;
    this.batch = new GroupCommit(db, () => {
      this.committedHead = this.s.head.get()!.pos ?? 0;
    });
  }

  /** Run a write use case in this tick's group-committed transaction. */
  private write<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store closed'));
    return this.batch.run(fn);
  }

  /** Create the meta row and `general` on first start; returns the log id. */
  private init(): string {
    return this.db.transaction(() => {
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('log_id', ?) ON CONFLICT DO NOTHING").run(randomBytes(6).toString('hex'));
      this.s.insertRoom.get('general', '', 'public', 'room', null, null, now());
      return (this.db.prepare("SELECT value FROM meta WHERE key = 'log_id'").get() as { value: string }).value;
    })();
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('store closed');
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batch.commit();
    this.db.close();
  }

  // ---- accounts and sessions

  async createUser(input: { username: string; passwordHash: string | null; guest: boolean }): Promise<Changed<User>> {
    return this.write(() => {
      if (this.s.userByKey.get(input.username.toLowerCase())) throw new ChatError('username_taken', `username ${input.username} is taken`);
      const user = toUser(this.s.insertUser.get(input.username, input.username.toLowerCase(), input.passwordHash, input.guest ? 1 : 0, now())!);
      const general = this.s.roomByName.get({ name: 'general', viewer: -1 })!;
      const events = this.join(general.id, general.name, user, 'member');
      return { value: user, events };
    });
  }

  async findCredentials(username: string): Promise<{ user: User; passwordHash: string | null } | null> {
    const row = this.s.userByKey.get(username.toLowerCase());
    return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
  }

  async findUserByName(username: string): Promise<User | null> {
    const row = this.s.userByKey.get(username.toLowerCase());
    return row ? toUser(row) : null;
  }

  async createSession(userId: string, tokenHash: Buffer): Promise<string> {
    return this.write(() => String(this.s.insertSession.run(tokenHash, id(userId), now()).lastInsertRowid));
  }

  async findSession(tokenHash: Buffer): Promise<{ user: User; sessionId: string } | null> {
    const row = this.s.session.get(tokenHash);
    return row ? { user: toUser(row), sessionId: String(row.sid) } : null;
  }

  async deleteSession(tokenHash: Buffer): Promise<string | null> {
    return this.write(() => {
      const row = this.s.deleteSession.get(tokenHash);
      return row ? String(row.id) : null;
    });
  }

  // ---- rooms

  async findRoom(name: string, viewerId: string): Promise<{ record: RoomRecord; role: Role | null } | null> {
    const row = this.s.roomAccess.get({ name, viewer: id(viewerId) });
    return row ? { record: toRecord(row), role: row.role } : null;
  }

  async getRoom(name: string, viewerId: string): Promise<RoomAccess | null> {
    const row = this.s.roomByName.get({ name, viewer: id(viewerId) });
    return row ? { record: toRecord(row), room: toRoom(row), role: row.role } : null;
  }

  async listRooms(viewerId: string): Promise<{ rooms: Room[]; head: number }> {
    return this.db.transaction(() => ({
      rooms: this.s.roomsVisible.all({ viewer: id(viewerId) }).map(toRoom),
      head: this.headNow(),
    }))();
  }

  async memberRooms(viewerId: string): Promise<MemberSnapshot> {
    return this.db.transaction(() => {
      const rows = this.s.roomsMember.all({ viewer: id(viewerId) });
      return { rooms: rows.map(toRoom), roomIds: rows.map((r) => r.id), head: this.headNow() };
    })();
  }

  async createRoom(input: { name: string; topic: string; visibility: Visibility; ownerId: string }): Promise<Changed<Room>> {
    return this.write(() => {
      const created = this.s.insertRoom.get(input.name, input.topic, input.visibility, 'room', null, null, now());
      if (!created) throw new ChatError('room_exists', `room ${input.name} already exists`);
      const owner = toUser(this.s.userById.get(id(input.ownerId))!);
      const events = this.join(created.id, input.name, owner, 'owner');
      return { value: this.roomView(created.id, input.ownerId), events };
    });
  }

  async updateRoom(roomId: number, patch: { topic?: string; visibility?: Visibility }, viewerId: string): Promise<Changed<Room>> {
    return this.write(() => {
      const before = this.roomView(roomId, viewerId);
      const topic = patch.topic ?? before.topic;
      const visibility = patch.visibility ?? before.visibility;
      if (topic === before.topic && visibility === before.visibility) return { value: before, events: [] };
      this.s.updateRoom.run(topic, visibility, roomId);
      const room = this.roomView(roomId, viewerId);
      return { value: room, events: [this.append(roomUpdatedEvent(roomId, room))] };
    });
  }

  async addMember(roomId: number, userId: string, role: Role): Promise<Changed<boolean>> {
    return this.write(() => {
      const room = this.s.roomById.get({ id: roomId, viewer: -1 });
      const user = this.s.userById.get(id(userId));
      if (!room || !user) throw notFound(room ? 'user' : 'room');
      const events = this.join(roomId, room.name, toUser(user), role);
      return { value: events.length > 0, events };
    });
  }

  async removeMember(roomId: number, userId: string): Promise<Changed<boolean>> {
    return this.write(() => {
      if (this.s.deleteMember.run(roomId, id(userId)).changes === 0) return { value: false, events: [] };
      const room = this.s.roomById.get({ id: roomId, viewer: -1 })!;
      const user = toUser(this.s.userById.get(id(userId))!);
      const event = this.append(memberEvent(roomId, room.name, user, false));
      this.s.closeSpan.run(event.pos, id(userId), roomId);
      return { value: true, events: [event] };
    });
  }

  async listMembers(roomId: number): Promise<{ user: UserRef; role: Role }[]> {
    return this.s.members.all(roomId).map((r) => ({ user: { id: String(r.id), username: r.username }, role: r.role }));
  }

  async openDm(viewerId: string, peerId: string): Promise<Changed<Room>> {
    return this.write(() => {
      const [a, b] = [id(viewerId), id(peerId)].sort((x, y) => x - y) as [number, number];
      const name = `dm-${a}-${b}`;
      const created = this.s.insertRoom.get(name, '', 'private', 'dm', a, b, now());
      const roomId = created?.id ?? this.s.roomByName.get({ name, viewer: -1 })!.id;
      const events: LogEvent[] = [];
      for (const uid of a === b ? [a] : [a, b]) events.push(...this.join(roomId, name, toUser(this.s.userById.get(uid)!), 'member'));
      return { value: this.roomView(roomId, viewerId), events };
    });
  }

  // ---- messages

  async postMessage(input: { roomId: number; author: UserRef; text: string; clientId: string | null }): Promise<Changed<{ message: Message; created: boolean }>> {
    return this.write(() => {
      const authorId = id(input.author.id);
      if (input.clientId !== null) {
        const prior = this.s.messageByClientId.get(authorId, input.clientId);
        if (prior) return { value: { message: this.withReactions([prior])[0]!, created: false }, events: [] };
      }
      const { last_seq: seq, name } = this.s.bumpSeq.get(input.roomId)!;
      const createdAt = now();
      const { id: messageId } = this.s.insertMessage.get(input.roomId, seq, authorId, input.text, input.clientId, createdAt)!;
      this.s.markRead.run(seq, input.roomId, input.roomId, authorId);
      const message: Message = {
        id: String(messageId), room: name, seq, author: { id: input.author.id, username: input.author.username },
        text: input.text, created_at: createdAt, edited_at: null, deleted: false, reactions: {}, client_id: input.clientId,
      };
      return { value: { message, created: true }, events: [this.append(messageEvent(input.roomId, message, false))] };
    });
  }

  async getMessage(roomId: number, messageId: string): Promise<StoredMessage | null> {
    const row = this.s.messageById.get(roomId, id(messageId));
    return row ? { message: this.withReactions([row])[0]!, authorId: String(row.author_id) } : null;
  }

  async listMessages(roomId: number, q: HistoryQuery): Promise<Message[]> {
    const rows =
      q.after !== undefined ? this.s.historyAfter.all(roomId, q.after, q.limit)
      : q.before !== undefined ? this.s.historyBefore.all(roomId, q.before, q.limit)
      : this.s.historyLatest.all(roomId, q.limit);
    return this.withReactions(rows);
  }

  async editMessage(roomId: number, messageId: string, text: string): Promise<Changed<Message>> {
    return this.changeMessage(roomId, messageId, (mid) => this.s.editMessage.run(text, now(), mid).changes > 0);
  }

  async deleteMessage(roomId: number, messageId: string): Promise<Changed<Message>> {
    return this.changeMessage(roomId, messageId, (mid) => {
      if (this.s.deleteMessage.run(mid).changes === 0) return false;
      this.s.deleteReactions.run(mid);
      return true;
    });
  }

  async setReaction(roomId: number, messageId: string, userId: string, emoji: string, on: boolean): Promise<Changed<Message>> {
    return this.changeMessage(roomId, messageId, (mid) =>
      (on ? this.s.addReaction.run(mid, emoji, id(userId)) : this.s.removeReaction.run(mid, emoji, id(userId))).changes > 0);
  }

  async markRead(roomId: number, userId: string, seq: number): Promise<void> {
    await this.write(() => this.s.markRead.run(seq, roomId, roomId, id(userId)));
  }

  // ---- event log

  async head(): Promise<number> {
    return this.headNow();
  }

  async readEvents(userId: string, after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    return this.s.readEvents.all({ user: id(userId), after, upTo, limit }).map(toEvent);
  }

  async readLog(after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    return this.s.readLog.all(after, upTo, limit).map(toEvent);
  }

  // ---- helpers (run inside the caller's transaction)

  private headNow(): number {
    return this.committedHead;
  }

  private append(e: NewEvent): LogEvent {
    const pos = Number(this.s.append.run(e.roomId, e.type, e.subject === null ? null : id(e.subject), e.data).lastInsertRowid);
    return { pos, ...e };
  }

  /** Add a member, open their visibility span at the join event; [] when already a member. */
  private join(roomId: number, roomName: string, user: UserRef, role: Role): LogEvent[] {
    if (this.s.insertMember.run(roomId, id(user.id), role, now(), roomId).changes === 0) return [];
    const event = this.append(memberEvent(roomId, roomName, user, true));
    this.s.openSpan.run(id(user.id), roomId, event.pos);
    return [event];
  }

  private roomView(roomId: number, viewerId: string): Room {
    return toRoom(this.s.roomById.get({ id: roomId, viewer: id(viewerId) })!);
  }

  /** Apply `change` to a message; when it changed something, append `message_updated` with the new state. */
  private changeMessage(roomId: number, messageId: string, change: (mid: number) => boolean): Promise<Changed<Message>> {
    return this.write(() => {
      const mid = id(messageId);
      if (!this.s.messageById.get(roomId, mid)) throw notFound('message');
      const changed = change(mid);
      const message = this.withReactions([this.s.messageById.get(roomId, mid)!])[0]!;
      return { value: message, events: changed ? [this.append(messageEvent(roomId, message, true))] : [] };
    });
  }

  private withReactions(rows: MessageRow[]): Message[] {
    if (rows.length === 0) return [];
    const grouped = groupReactions(this.s.reactionsOf.all(JSON.stringify(rows.map((r) => r.id))));
    return rows.map((r) => toMessage(r, grouped.get(r.id) ?? {}));
  }
}
