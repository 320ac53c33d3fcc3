/**
 * The chat use cases. Each checks who may do what, calls the Store once (one
 * transaction), then hands the events it committed to `live.publish`. The store
 * write is authoritative: publishing never fails the request (STYLE habit 5).
 */
import { deletesMessage, isAdmin, managesRoom } from './rights.ts';
import type { Accounts, Lifecycle, Messages, RoomAccess, Rooms } from '../storage/store.ts';
import { decodeMemberCursor, encodeCursor, encodeMemberCursor } from './cursor.ts';
import { ChatError, forbidden, invalid, notFound } from './errors.ts';
import { TypingThrottle } from './typing-throttle.ts';
import type { LogEvent, Member, Message, NotificationLevel, Room, User, UserRef, Visibility } from './types.ts';
import { checkEmoji, checkNewRoomName, checkText, checkTopic, HISTORY_LIMIT_DEFAULT, isRoomName, MEMBERS_LIMIT_DEFAULT, isUsername } from './validate.ts';

/** Where committed events and transient signals go: the local hub, and the other nodes in cluster mode (core/relay.ts). */
export interface LiveSink {
  publish(events: LogEvent[]): void;
  typing(roomId: number, room: string, user: UserRef): void;
  /** The user's read marker in `room` is now at least `seq`: tell their other streams. */
  read(userId: string, room: string, seq: number): void;
  /** The user's notification level in `room` changed: tell their streams. */
  notificationLevel(userId: string, room: string, level: NotificationLevel): void;
}

/** Who is online (core/presence.ts), for the member list. */
export interface OnlineCheck {
  isOnline(userId: string): boolean;
}

/** What the chat use cases tell the rest of a node, and what posting with attachments needs to know. */
export interface ChatHooks {
  /** NATTER_UPLOAD_TTL_MS: an older unattached upload has expired. */
  uploadTtlMs: number;
  /** A deleted message's attachments became dead files: their bytes can go now (core/files.ts). */
  onFilesDead(): void;
  /** A post or an edit committed this text: fetch its link previews (core/previews.ts). */
  onText(roomId: number, message: Message): void;
  /** The user's read marker in the room moved to `seq`: notifications it covers are taken back (core/push-delivery.ts). */
  onRead?(userId: string, roomId: number, seq: number): void;
  /** Message `seq` of the room was deleted: its notifications are taken back. */
  onDeleted?(roomId: number, seq: number): void;
}

/** Most attachments on one message (API v1.1 Limits). */
export const ATTACHMENTS_MAX = 10;

export interface HistoryParams {
  before?: number;
  after?: number;
  limit?: number;
}

/** The part of the Store the chat use cases need (storage/store.ts). */
export type ChatStore = Rooms & Messages & Pick<Accounts, 'findUserByName'> & Pick<Lifecycle, 'logId'>;

const ref = (u: User): UserRef => ({ id: u.id, username: u.username });

/** What the access rules need of a room: its record and the caller's role. */
type Access = Pick<RoomAccess, 'record' | 'role'>;

/** The visibility rule: a room that does not exist, or is private to others, is 404. */
export function seen<T extends Access>(access: T | null, name: string): T {
  if (!access || (access.record.visibility === 'private' && access.role === null)) throw notFound(`room ${name}`);
  return access;
}

export class Chat {
  private readonly typists = new TypingThrottle();

  constructor(
    private readonly store: ChatStore,
    private readonly live: LiveSink,
    private readonly online: OnlineCheck,
    private readonly hooks: ChatHooks = { uploadTtlMs: 86_400_000, onFilesDead() {}, onText() {} },
  ) {}

  async listRooms(user: User): Promise<{ rooms: Room[]; cursor: string }> {
    const { rooms, head } = await this.store.listRooms(user.id);
    return { rooms, cursor: encodeCursor(head, this.store.logId) };
  }

  async createRoom(user: User, input: { name: string; topic?: string; visibility: Visibility }): Promise<Room> {
    checkNewRoomName(input.name);
    const topic = checkTopic(input.topic ?? '');
    return this.commit(await this.store.createRoom({ name: input.name, topic, visibility: input.visibility, ownerId: user.id }));
  }

  async getRoom(user: User, name: string): Promise<Room> {
    return this.roomFor(user, name);
  }

  async updateRoom(user: User, name: string, patch: { topic?: string; visibility?: Visibility }): Promise<Room> {
    const access = await this.owned(user, name);
    const topic = patch.topic === undefined ? undefined : checkTopic(patch.topic);
    return this.commit(await this.store.updateRoom(access.record.id, { topic, visibility: patch.visibility }, user.id));
  }

  async join(user: User, name: string): Promise<Room> {
    const access = await this.visible(user, name);
    if (access.role === null) this.commit(await this.store.addMember(access.record.id, user.id, 'member'));
    return this.roomFor(user, name);
  }

  async leave(user: User, name: string): Promise<void> {
    const access = await this.visible(user, name);
    this.commit(await this.store.removeMember(access.record.id, user.id));
  }

  async addMember(user: User, name: string, username: string): Promise<Room> {
    const access = await this.owned(user, name);
    const target = await this.userNamed(username);
    this.commit(await this.store.addMember(access.record.id, target.id, 'member'));
    return this.roomFor(user, name);
  }

  async removeMember(user: User, name: string, username: string): Promise<void> {
    const access = await this.owned(user, name);
    const target = await this.userNamed(username);
    this.commit(await this.store.removeMember(access.record.id, target.id));
  }

  /** Members of a room the user can see; admins may list any room's, as they manage its members (not its messages). */
  async members(user: User, name: string): Promise<Member[]> {
    const access = await this.managedOrVisible(user, name);
    return this.withPresence(await this.store.listMembers(access.record.id));
  }

  /** One page of the members by username (case-insensitively); `next` continues it, null on the last page. */
  async membersPage(user: User, name: string, page: { limit?: number; cursor?: string }): Promise<{ members: Member[]; next: string | null }> {
    const access = await this.managedOrVisible(user, name);
    const after = page.cursor === undefined ? '' : decodeMemberCursor(page.cursor);
    if (after === null) throw invalid('cursor: malformed');
    const { members, nextKey } = await this.store.listMembersPage(access.record.id, after, page.limit ?? MEMBERS_LIMIT_DEFAULT);
    return {
      members: this.withPresence(members),
      next: nextKey === null ? null : encodeMemberCursor(nextKey),
    };
  }

  async openDm(user: User, username: string): Promise<Room> {
    const peer = await this.userNamed(username);
    return this.commit(await this.store.openDm(user.id, peer.id));
  }

  async post(user: User, name: string, rawText: string, clientId: string | null, replyTo: string | null = null, attachments: string[] = [], alias: string | null = null): Promise<{ message: Message; created: boolean }> {
    const text = checkText(rawText, attachments.length > 0);
    if (attachments.length > ATTACHMENTS_MAX) throw new ChatError('invalid_attachment', `attachments: at most ${ATTACHMENTS_MAX}`);
    if (new Set(attachments).size < attachments.length) throw new ChatError('invalid_attachment', 'attachments: an upload is listed twice');
    const access = await this.member(user, name);
    const online = (id: string) => this.online.isOnline(id);
    const uploadsSince = attachments.length > 0 ? new Date(Date.now() - this.hooks.uploadTtlMs).toISOString() : undefined;
    const posted = this.commit(await this.store.postMessage({ roomId: access.record.id, author: ref(user), text, clientId, replyTo, online, attachments, uploadsSince, alias }));
    if (posted.created) this.hooks.onText(access.record.id, posted.message);
    return posted;
  }

  /** PUT /rooms/:room/notifications: members only (a public room not joined is 403); the user's streams hear of it. */
  async setNotificationLevel(user: User, name: string, level: NotificationLevel): Promise<Room> {
    const access = await this.member(user, name);
    await this.store.setNotificationLevel(access.record.id, user.id, level);
    this.live.notificationLevel(user.id, access.record.name, level);
    return this.getRoom(user, name);
  }

  async history(user: User, name: string, q: HistoryParams): Promise<Message[]> {
    const access = await this.visible(user, name);
    if (q.before !== undefined && q.after !== undefined) throw new ChatError('invalid_request', 'before and after: give one, not both');
    return this.store.listMessages(access.record.id, { before: q.before, after: q.after, limit: q.limit ?? HISTORY_LIMIT_DEFAULT });
  }

  async edit(user: User, name: string, messageId: string, rawText: string): Promise<Message> {
    const text = checkText(rawText, true);
    const access = await this.member(user, name);
    const found = await this.message(access, messageId);
    if (found.authorId !== user.id) throw forbidden('only the author can edit a message');
    if (found.message.deleted) throw new ChatError('conflict', 'the message was deleted');
    // A message's text may be empty only while it has attachments (API v1.1 §3).
    if (text === '' && found.message.attachments.length === 0) checkText(text);
    const edited = this.commit(await this.store.editMessage(access.record.id, messageId, text, (id) => this.online.isOnline(id)));
    this.hooks.onText(access.record.id, edited);
    return edited;
  }

  async remove(user: User, name: string, messageId: string): Promise<void> {
    const access = await this.managedOrVisible(user, name);
    const found = await this.message(access, messageId);
    if (!deletesMessage(user, found.authorId, access.role)) throw forbidden('only the author, the room owner or an admin can delete a message');
    this.commit(await this.store.deleteMessage(access.record.id, messageId));
    this.hooks.onDeleted?.(access.record.id, found.message.seq);
    if (found.message.attachments.length > 0) this.hooks.onFilesDead();
  }

  async react(user: User, name: string, messageId: string, emoji: string, on: boolean): Promise<void> {
    checkEmoji(emoji);
    const access = await this.member(user, name);
    const found = await this.message(access, messageId);
    if (found.message.deleted && on) throw new ChatError('conflict', 'the message was deleted');
    this.commit(await this.store.setReaction(access.record.id, messageId, user.id, emoji, on));
  }

  async typing(user: User, name: string): Promise<void> {
    const access = await this.member(user, name);
    // Never refused (204 either way), but at most one event per user and room per 2 s goes out.
    if (this.typists.allow(access.record.id, user.id)) this.live.typing(access.record.id, access.record.name, ref(user));
  }

  async markRead(user: User, name: string, seq: number): Promise<void> {
    const access = await this.member(user, name);
    await this.store.markRead(access.record.id, user.id, seq);
    const read = Math.min(seq, access.record.lastSeq);
    this.live.read(user.id, access.record.name, read);
    this.hooks.onRead?.(user.id, access.record.id, read);
  }

  /** Members as the API shows them: with whether each is online now. */
  private withPresence(rows: { user: UserRef; role: Member['role'] }[]): Member[] {
    return rows.map((m) => ({ user: m.user, role: m.role, online: this.online.isOnline(m.user.id) }));
  }

  // ---- access rules

  /** The room if it exists and the user may see it; private rooms are 404 to non-members. The cheap check of every request. */
  private async visible(user: User, name: string): Promise<Access> {
    return seen(isRoomName(name) ? await this.store.findRoom(name, user.id) : null, name);
  }

  private async member(user: User, name: string): Promise<Access> {
    const access = await this.visible(user, name);
    if (access.role === null) throw forbidden(`join room ${name} first`);
    return access;
  }

  private async owned(user: User, name: string): Promise<Access> {
    const access = await this.managedOrVisible(user, name);
    if (!managesRoom(user, access.role)) throw forbidden(`only the owner of room ${name} or an admin can do that`);
    return access;
  }

  /** Admins manage every room, private ones included (never 404 for them); others see what `visible` lets them. */
  private async managedOrVisible(user: User, name: string): Promise<Access> {
    const found = isRoomName(name) ? await this.store.findRoom(name, user.id) : null;
    return found && isAdmin(user) ? found : seen(found, name);
  }

  private async message(access: Access, messageId: string) {
    const found = await this.store.getMessage(access.record.id, messageId);
    if (!found) throw notFound('message');
    return found;
  }

  private async userNamed(username: string): Promise<User> {
    const user = isUsername(username) ? await this.store.findUserByName(username) : null;
    if (!user) throw notFound(`user ${username}`);
    return user;
  }

  /** The full room object as `user` sees it (with unread and peer), after the same visibility rule. */
  private async roomFor(user: User, name: string): Promise<Room> {
    return seen(isRoomName(name) ? await this.store.getRoom(name, user.id) : null, name).room;
  }

  private commit<T>(changed: { value: T; events: LogEvent[] }): T {
    if (changed.events.length > 0) this.live.publish(changed.events);
    return changed.value;
  }
}
