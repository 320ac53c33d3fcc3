/**
 * Accounts administration on SQLite (admin.ts `AdminStore`, API v1.1 §5). Each change runs inside the store's
 * write without yielding, so the last-admin check and the change it guards are one transaction.
 * Mirrors postgres/admin.ts.
 */
import type Database from 'better-sqlite3';
import { ChatError } from '../../core/errors.ts';
import { userUpdatedEvent } from '../../core/events.ts';
import type { LogEvent, OwnUser, User } from '../../core/types.ts';
import type { Changed } from '../accounts.ts';
import type { AdminStore, InviteRecord, UserPatch } from '../admin.ts';
import { toInvite, toOwnUser, type InviteRow, type OwnUserRow } from '../admin-rows.ts';
import { now, parseId, toUser } from '../rows.ts';
import { USER_COLS } from './sql.ts';
import type { Statements } from './statements.ts';
import { append } from './writes.ts';

const OWN = `${USER_COLS}, email, email_verified, email_notifications`;
const INVITE = 'SELECT i.*, u.username AS creator FROM invites i JOIN users u ON u.id = i.created_by';

const SQL = {
  byKey: `SELECT ${OWN} FROM users WHERE username_key = ?`,
  byId: `SELECT ${OWN} FROM users WHERE id = ?`,
  page: `SELECT ${OWN} FROM users WHERE username_key >= @lo AND username_key < @hi AND username_key > @after ORDER BY username_key LIMIT @limit`,
  otherAdmins: "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND active = 1 AND id <> ?",
  setActive: 'UPDATE users SET active = ? WHERE id = ?',
  setRole: 'UPDATE users SET role = ? WHERE id = ?',
  setEmail: 'UPDATE users SET email = @email, email_verified = (@email IS NOT NULL) WHERE id = @id',
  endSessions: 'DELETE FROM sessions WHERE user_id = ? RETURNING id',
  dropSubscriptions: 'DELETE FROM push_subscriptions WHERE user_id = ?',
  makeAdmin: "UPDATE users SET role = 'admin' WHERE username_key = ? AND guest = 0 AND role <> 'admin' RETURNING id",
  anyAdmin: "SELECT 1 FROM users WHERE role = 'admin' AND active = 1 LIMIT 1",
  oldestAdmin: `UPDATE users SET role = 'admin' WHERE id = (
    SELECT id FROM users WHERE guest = 0 AND active = 1 AND kind = 'user' ORDER BY created_at, id LIMIT 1) RETURNING id`,
  setDisplayName: 'UPDATE users SET display_name = ? WHERE id = ?',
  avatarOf: 'SELECT avatar_id FROM users WHERE id = ?',
  setAvatar: 'UPDATE users SET avatar_id = ? WHERE id = ?',
  markAvatar: 'UPDATE uploads SET avatar = 1 WHERE id = ?',
  passwordHash: 'SELECT password_hash FROM users WHERE id = ?',
  setPassword: 'UPDATE users SET password_hash = ? WHERE id = ?',
  endOthers: 'DELETE FROM sessions WHERE user_id = ? AND id <> ? RETURNING id',
  insertInvite: 'INSERT INTO invites (code, max_uses, expires_at, created_by, created_at) VALUES (?, ?, ?, ?, ?)',
  invite: `${INVITE} WHERE i.code = ?`,
  invites: `${INVITE} WHERE i.revoked = 0 AND i.uses < i.max_uses AND i.expires_at > ? ORDER BY i.created_at DESC, i.code`,
  revoke: 'UPDATE invites SET revoked = 1 WHERE code = ? AND revoked = 0',
  roomNames: "SELECT name FROM rooms WHERE kind = 'room' ORDER BY name",
} as const;

type Prepared = { [K in keyof typeof SQL]: Database.Statement<unknown[], unknown> };

export class SqliteAdmin implements AdminStore {
  private readonly q: Prepared;

  constructor(db: Database.Database, private readonly s: Statements, private readonly write: <T>(fn: () => T) => Promise<T>) {
    this.q = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, db.prepare(sql)])) as Prepared;
  }

  private own(id: number): OwnUser {
    return toOwnUser(this.q.byId.get(id) as OwnUserRow);
  }

  /** Append `user_updated` for each of these users (inside a write). */
  private updated(ids: number[]): LogEvent[] {
    return ids.map((id) => append(this.s, userUpdatedEvent(toUser(this.q.byId.get(id) as OwnUserRow))));
  }

  async applyAdmins(usernames: string[] | null): Promise<Changed<null>> {
    return this.write(() => {
      let ids: { id: number }[];
      if (usernames) ids = usernames.flatMap((u) => this.q.makeAdmin.all(u.toLowerCase()) as { id: number }[]);
      else ids = this.q.anyAdmin.get() ? [] : (this.q.oldestAdmin.all() as { id: number }[]);
      return { value: null, events: this.updated(ids.map((r) => r.id)) };
    });
  }

  async users(prefix: string, afterKey: string, limit: number): Promise<OwnUser[]> {
    const lo = prefix.toLowerCase();
    return (this.q.page.all({ lo, hi: `${lo}\u{10FFFF}`, after: afterKey, limit }) as OwnUserRow[]).map(toOwnUser);
  }

  async user(username: string): Promise<OwnUser | null> {
    const row = this.q.byKey.get(username.toLowerCase()) as OwnUserRow | undefined;
    return row ? toOwnUser(row) : null;
  }

  async updateUser(userId: string, patch: UserPatch): Promise<Changed<OwnUser> & { ended: string[] }> {
    return this.write(() => {
      const id = parseId(userId);
      const before = this.own(id);
      const demoted = before.role === 'admin' && before.active && (patch.active === false || patch.role === 'member');
      if (demoted && (this.q.otherAdmins.get(id) as { n: number }).n === 0) throw new ChatError('last_admin', 'no active admin would remain');
      let ended: string[] = [];
      if (patch.role !== undefined) this.q.setRole.run(patch.role, id);
      if (patch.email !== undefined) this.q.setEmail.run({ email: patch.email, id });
      if (patch.active !== undefined) {
        this.q.setActive.run(patch.active ? 1 : 0, id);
        if (!patch.active) {
          ended = (this.q.endSessions.all(id) as { id: number }[]).map((r) => String(r.id));
          this.q.dropSubscriptions.run(id);
        }
      }
      return { value: this.own(id), events: this.updated([id]), ended };
    });
  }

  async setProfile(userId: string, patch: { displayName?: string | null; avatarId?: string | null }): Promise<Changed<User> & { oldAvatar: string | null }> {
    return this.write(() => {
      const id = parseId(userId);
      const old = (this.q.avatarOf.get(id) as { avatar_id: string | null }).avatar_id;
      if (patch.displayName !== undefined) this.q.setDisplayName.run(patch.displayName, id);
      if (patch.avatarId !== undefined) {
        this.q.setAvatar.run(patch.avatarId, id);
        if (patch.avatarId !== null) this.q.markAvatar.run(patch.avatarId);
      }
      const replaced = patch.avatarId !== undefined && old !== null && old !== patch.avatarId ? old : null;
      if (replaced !== null) {
        // A replaced avatar is 404 at once; its bytes join the dead files.
        this.s.buryUpload.run(replaced);
        this.s.deleteUpload.run(replaced);
      }
      return { value: toUser(this.q.byId.get(id) as OwnUserRow), events: this.updated([id]), oldAvatar: replaced };
    });
  }

  async passwordHash(userId: string): Promise<string | null | undefined> {
    return (this.q.passwordHash.get(parseId(userId)) as { password_hash: string | null } | undefined)?.password_hash;
  }

  async setPassword(userId: string, hash: string, keepSessionId: string): Promise<string[]> {
    return this.write(() => {
      const id = parseId(userId);
      this.q.setPassword.run(hash, id);
      return (this.q.endOthers.all(id, parseId(keepSessionId)) as { id: number }[]).map((r) => String(r.id));
    });
  }

  async createInvite(i: { code: string; maxUses: number; expiresAt: string; createdBy: string }): Promise<InviteRecord> {
    return this.write(() => {
      this.q.insertInvite.run(i.code, i.maxUses, i.expiresAt, parseId(i.createdBy), now());
      return toInvite(this.q.invite.get(i.code) as InviteRow);
    });
  }

  async invites(at: string): Promise<InviteRecord[]> {
    return (this.q.invites.all(at) as InviteRow[]).map(toInvite);
  }

  async roomNames(): Promise<string[]> {
    return (this.q.roomNames.all() as { name: string }[]).map((r) => r.name);
  }

  async revokeInvite(code: string): Promise<boolean> {
    return this.write(() => this.q.revoke.run(code).changes > 0);
  }
}
