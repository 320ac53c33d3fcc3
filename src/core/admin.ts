/**
 * Administration (API v1.1 §5): the user list and changes to users (role, activation, email), every room, and
 * invites. Rights are asked of core/rights.ts; changes users see are published as `user_updated`, and a
 * deactivation ends the user's sessions and streams on every node (through `endSession`).
 */
import { randomBytes } from 'node:crypto';
import type { AdminStore, InviteRecord } from '../storage/admin.ts';
import type { Accounts, Rooms, Uploads } from '../storage/store.ts';
import { checkEmail } from './email.ts';
import { ChatError, forbidden, invalid, notFound } from './errors.ts';
import { administers } from './rights.ts';
import type { Invite, LogEvent, OwnUser, Room, User } from './types.ts';
import { isUsername } from './validate.ts';

export const INVITE_USES_MAX = 1000;
export const INVITE_TTL_MAX_S = 2_592_000;
export const INVITE_TTL_DEFAULT_S = 604_800;

/** The API's view of an invite. */
export type InviteView = Invite;

const view = (i: InviteRecord): InviteView => ({
  code: i.code, max_uses: i.maxUses, uses: i.uses, expires_at: i.expiresAt, created_by: i.createdBy, created_at: i.createdAt,
});

/** The admin list's cursor: the last username_key of a page. */
const encodeKey = (key: string): string => Buffer.from(key).toString('base64url');
function decodeKey(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new ChatError('invalid_cursor', 'cursor: not one this list gave');
  return Buffer.from(cursor, 'base64url').toString();
}

const AVATAR_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
export const DISPLAY_NAME_MAX = 64;

export class Admin {
  constructor(
    private readonly store: { admin: AdminStore; uploads: Pick<Uploads, 'getUpload'> } & Pick<Rooms, 'getRoom'>
      & Pick<Accounts, 'findUserByName'>,
    private readonly publish: (events: LogEvent[]) => void,
    private readonly endSession: (sessionId: string, userId: string) => void,
    private readonly opts: { uploads: boolean; onFilesDead(): void; onDeactivated?(userId: string): Promise<void> } = { uploads: true, onFilesDead() {} },
  ) {}

  /** Your display name and avatar (PATCH /users/me); emits `user_updated`. */
  async updateProfile(user: User, patch: { display_name?: string | null; avatar?: string | null }): Promise<User> {
    if (patch.display_name === undefined && patch.avatar === undefined) return user;
    const name = patch.display_name;
    if (typeof name === 'string' && ([...name].length < 1 || [...name].length > DISPLAY_NAME_MAX || name.trim() === '')) {
      throw invalid(`display_name: 1-${DISPLAY_NAME_MAX} characters, or null`);
    }
    if (typeof patch.avatar === 'string') await this.checkAvatar(user, patch.avatar);
    const changed = await this.store.admin.setProfile(user.id, {
      ...(name !== undefined && { displayName: name }), ...(patch.avatar !== undefined && { avatarId: patch.avatar }),
    });
    this.publish(changed.events);
    if (changed.oldAvatar !== null) this.opts.onFilesDead();
    return changed.value;
  }

  private async checkAvatar(user: User, id: string): Promise<void> {
    const bad = (why: string) => new ChatError('invalid_avatar', why);
    if (!this.opts.uploads || user.guest) throw bad(user.guest ? 'guests cannot set an avatar' : 'uploads are disabled on this server');
    const found = await this.store.uploads.getUpload(id);
    if (!found || found.ownerId !== user.id) throw bad('avatar: not an upload of yours');
    if (found.messageId !== null) throw bad('avatar: that upload is attached to a message');
    if (!AVATAR_TYPES.has(found.upload.content_type)) throw bad('avatar: a PNG, JPEG, GIF or WebP image');
  }

  /** A user's public fields by username (GET /users/:username), deactivated ones too. */
  async user(username: string): Promise<User> {
    const found = isUsername(username) ? await this.store.findUserByName(username) : null;
    if (!found) throw notFound(`user ${username}`);
    return found;
  }

  private check(actor: User): void {
    if (!administers(actor)) throw forbidden('only admins can do that');
  }

  async users(actor: User, q: { q?: string; limit?: number; cursor?: string }): Promise<{ users: OwnUser[]; next: string | null }> {
    this.check(actor);
    const limit = q.limit ?? 50;
    const after = q.cursor === undefined ? '' : decodeKey(q.cursor);
    const rows = await this.store.admin.users(q.q ?? '', after, limit + 1);
    const page = rows.slice(0, limit);
    return { users: page, next: rows.length > limit ? encodeKey(page.at(-1)!.username.toLowerCase()) : null };
  }

  async updateUser(actor: User, username: string, patch: { active?: boolean; role?: 'admin' | 'member'; email?: string | null }): Promise<OwnUser> {
    this.check(actor);
    const target = await this.store.admin.user(username);
    if (!target) throw notFound(`user ${username}`);
    if (patch.role !== undefined && target.guest) throw invalid("a guest's role cannot change");
    const email = patch.email === undefined || patch.email === null ? patch.email : checkEmail(patch.email);
    const changed = await this.store.admin.updateUser(target.id, { ...patch, ...(email !== undefined && { email }) });
    this.publish(changed.events);
    for (const id of changed.ended) this.endSession(id, target.id);
    // The streams of their bots end too (v1.1 §6); their tokens are refused while the owner is deactivated.
    if (patch.active === false) await this.opts.onDeactivated?.(target.id);
    return changed.value;
  }

  /** Every room except DMs, as the admin sees it. */
  async rooms(actor: User): Promise<Room[]> {
    this.check(actor);
    const rooms: Room[] = [];
    for (const name of await this.store.admin.roomNames()) {
      const r = await this.store.getRoom(name, actor.id);
      if (r) rooms.push(r.room);
    }
    return rooms;
  }

  async createInvite(actor: User, body: { max_uses?: number; expires_in_s?: number }): Promise<InviteView> {
    this.check(actor);
    const expiresAt = new Date(Date.now() + (body.expires_in_s ?? INVITE_TTL_DEFAULT_S) * 1000).toISOString();
    const code = randomBytes(12).toString('base64url');
    return view(await this.store.admin.createInvite({ code, maxUses: body.max_uses ?? 1, expiresAt, createdBy: actor.id }));
  }

  async invites(actor: User): Promise<InviteView[]> {
    this.check(actor);
    return (await this.store.admin.invites(new Date().toISOString())).map(view);
  }

  async revokeInvite(actor: User, code: string): Promise<void> {
    this.check(actor);
    if (!(await this.store.admin.revokeInvite(code))) throw notFound('invite');
  }
}
