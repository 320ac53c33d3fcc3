/**
 * Accounts administration on PostgreSQL (admin.ts `AdminStore`, API v1.1 §5). The last-admin check takes an
 * advisory lock first, so two admins demoting each other at once cannot both succeed. Mirrors sqlite/admin.ts.
 */
import { ChatError } from '../../core/errors.ts';
import { userUpdatedEvent } from '../../core/events.ts';
import type { LogEvent, OwnUser, User } from '../../core/types.ts';
import type { Changed } from '../accounts.ts';
import { publicUser, type AdminStore, type InviteRecord, type UserPatch } from '../admin.ts';
import { toInvite, toOwnUser, type InviteRow, type OwnUserRow } from '../admin-rows.ts';
import { now, parseId } from '../rows.ts';
import type { Tx } from './db.ts';
import { SQL as STORE_SQL, USER_COLS } from './sql.ts';
import { append, type Db } from './writes.ts';

const OWN = `${USER_COLS}, u.email, u.email_verified, u.email_notifications`;
const INVITE = 'SELECT i.*, u.username AS creator FROM invites i JOIN users u ON u.id = i.created_by';

const SQL = {
  byKey: `SELECT ${OWN} FROM users u WHERE u.username_key = $1`,
  byId: `SELECT ${OWN} FROM users u WHERE u.id = $1`,
  page: `SELECT ${OWN} FROM users u WHERE u.username_key COLLATE "C" >= $1 AND u.username_key COLLATE "C" < $2
    AND u.username_key COLLATE "C" > $3 ORDER BY u.username_key COLLATE "C" LIMIT $4`,
  adminLock: "SELECT pg_advisory_xact_lock(hashtext('natter:admins'))",
  otherAdmins: "SELECT COUNT(*)::int AS n FROM users WHERE role = 'admin' AND active AND id <> $1",
  setActive: 'UPDATE users SET active = $1 WHERE id = $2',
  setRole: 'UPDATE users SET role = $1 WHERE id = $2',
  setEmail: 'UPDATE users SET email = $1, email_verified = ($1::text IS NOT NULL) WHERE id = $2',
  endSessions: 'DELETE FROM sessions WHERE user_id = $1 RETURNING id',
  dropSubscriptions: 'DELETE FROM push_subscriptions WHERE user_id = $1',
  makeAdmin: "UPDATE users SET role = 'admin' WHERE username_key = $1 AND NOT guest AND role <> 'admin' RETURNING id",
  anyAdmin: "SELECT 1 FROM users WHERE role = 'admin' AND active LIMIT 1",
  oldestAdmin: `UPDATE users SET role = 'admin' WHERE id = (
    SELECT id FROM users WHERE NOT guest AND active AND kind = 'user' ORDER BY created_at, id LIMIT 1) RETURNING id`,
  setDisplayName: 'UPDATE users SET display_name = $1 WHERE id = $2',
  avatarOf: 'SELECT avatar_id FROM users WHERE id = $1 FOR UPDATE',
  setAvatar: 'UPDATE users SET avatar_id = $1 WHERE id = $2',
  markAvatar: 'UPDATE uploads SET avatar = true WHERE id = $1',
  passwordHash: 'SELECT password_hash FROM users WHERE id = $1',
  setPassword: 'UPDATE users SET password_hash = $1 WHERE id = $2',
  endOthers: 'DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING id',
  insertInvite: 'INSERT INTO invites (code, max_uses, expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5)',
  invite: `${INVITE} WHERE i.code = $1`,
  invites: `${INVITE} WHERE NOT i.revoked AND i.uses < i.max_uses AND i.expires_at > $1 ORDER BY i.created_at DESC, i.code`,
  revoke: 'UPDATE invites SET revoked = true WHERE code = $1 AND NOT revoked',
  roomNames: "SELECT name FROM rooms WHERE kind = 'room' ORDER BY name",
} as const;

export class PostgresAdmin implements AdminStore {
  constructor(
    private readonly write: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
    private readonly read: <T>(fn: (db: Db) => Promise<T>) => Promise<T>,
  ) {}

  private async own(db: Db, id: number): Promise<OwnUser> {
    return toOwnUser((await db.query<OwnUserRow>(SQL.byId, [id])).rows[0]!);
  }

  /** Append `user_updated` for each of these users. */
  private async updated(tx: Tx, ids: number[]): Promise<LogEvent[]> {
    const events: LogEvent[] = [];
    for (const id of ids) events.push(await append(tx, userUpdatedEvent(publicUser(await this.own(tx, id)))));
    return events;
  }

  async applyAdmins(usernames: string[] | null): Promise<Changed<null>> {
    return this.write(async (tx) => {
      await tx.query(SQL.adminLock);
      const ids: number[] = [];
      if (usernames) for (const u of usernames) ids.push(...(await tx.query<{ id: number }>(SQL.makeAdmin, [u.toLowerCase()])).rows.map((r) => r.id));
      else if ((await tx.query(SQL.anyAdmin)).rowCount === 0) ids.push(...(await tx.query<{ id: number }>(SQL.oldestAdmin)).rows.map((r) => r.id));
      return { value: null, events: await this.updated(tx, ids) };
    });
  }

  async users(prefix: string, afterKey: string, limit: number): Promise<OwnUser[]> {
    const lo = prefix.toLowerCase();
    return this.read(async (db) => (await db.query<OwnUserRow>(SQL.page, [lo, `${lo}\u{10FFFF}`, afterKey, limit])).rows.map(toOwnUser));
  }

  async user(username: string): Promise<OwnUser | null> {
    const row = await this.read(async (db) => (await db.query<OwnUserRow>(SQL.byKey, [username.toLowerCase()])).rows[0]);
    return row ? toOwnUser(row) : null;
  }

  async updateUser(userId: string, patch: UserPatch): Promise<Changed<OwnUser> & { ended: string[] }> {
    return this.write(async (tx) => {
      const id = parseId(userId);
      await tx.query(SQL.adminLock);
      const before = await this.own(tx, id);
      const demoted = before.role === 'admin' && before.active && (patch.active === false || patch.role === 'member');
      if (demoted && (await tx.query<{ n: number }>(SQL.otherAdmins, [id])).rows[0]!.n === 0) throw new ChatError('last_admin', 'no active admin would remain');
      let ended: string[] = [];
      if (patch.role !== undefined) await tx.query(SQL.setRole, [patch.role, id]);
      if (patch.email !== undefined) await tx.query(SQL.setEmail, [patch.email, id]);
      if (patch.active !== undefined) {
        await tx.query(SQL.setActive, [patch.active, id]);
        if (!patch.active) {
          ended = (await tx.query<{ id: number }>(SQL.endSessions, [id])).rows.map((r) => String(r.id));
          await tx.query(SQL.dropSubscriptions, [id]);
        }
      }
      return { value: await this.own(tx, id), events: await this.updated(tx, [id]), ended };
    });
  }

  async setProfile(userId: string, patch: { displayName?: string | null; avatarId?: string | null }): Promise<Changed<User> & { oldAvatar: string | null }> {
    return this.write(async (tx) => {
      const id = parseId(userId);
      const old = (await tx.query<{ avatar_id: string | null }>(SQL.avatarOf, [id])).rows[0]!.avatar_id;
      if (patch.displayName !== undefined) await tx.query(SQL.setDisplayName, [patch.displayName, id]);
      if (patch.avatarId !== undefined) {
        await tx.query(SQL.setAvatar, [patch.avatarId, id]);
        if (patch.avatarId !== null) await tx.query(SQL.markAvatar, [patch.avatarId]);
      }
      const replaced = patch.avatarId !== undefined && old !== null && old !== patch.avatarId ? old : null;
      if (replaced !== null) {
        // A replaced avatar is 404 at once; its bytes join the dead files.
        await tx.query(STORE_SQL.buryUpload, [replaced]);
        await tx.query(STORE_SQL.deleteUpload, [replaced]);
      }
      return { value: publicUser(await this.own(tx, id)), events: await this.updated(tx, [id]), oldAvatar: replaced };
    });
  }

  async passwordHash(userId: string): Promise<string | null | undefined> {
    return this.read(async (db) => (await db.query<{ password_hash: string | null }>(SQL.passwordHash, [parseId(userId)])).rows[0]?.password_hash);
  }

  async setPassword(userId: string, hash: string, keepSessionId: string): Promise<string[]> {
    return this.write(async (tx) => {
      const id = parseId(userId);
      await tx.query(SQL.setPassword, [hash, id]);
      return (await tx.query<{ id: number }>(SQL.endOthers, [id, parseId(keepSessionId)])).rows.map((r) => String(r.id));
    });
  }

  async createInvite(i: { code: string; maxUses: number; expiresAt: string; createdBy: string }): Promise<InviteRecord> {
    return this.write(async (tx) => {
      await tx.query(SQL.insertInvite, [i.code, i.maxUses, i.expiresAt, parseId(i.createdBy), now()]);
      return toInvite((await tx.query<InviteRow>(SQL.invite, [i.code])).rows[0]!);
    });
  }

  async invites(at: string): Promise<InviteRecord[]> {
    return this.read(async (db) => (await db.query<InviteRow>(SQL.invites, [at])).rows.map(toInvite));
  }

  async roomNames(): Promise<string[]> {
    return this.read(async (db) => (await db.query<{ name: string }>(SQL.roomNames)).rows.map((r) => r.name));
  }

  async revokeInvite(code: string): Promise<boolean> {
    return this.write(async (tx) => ((await tx.query(SQL.revoke, [code])).rowCount ?? 0) > 0);
  }
}
