/**
 * Creating an account on SQLite (store.ts `Accounts.createUser`), inside the store's write: the role by the
 * first-admin rule or NATTER_ADMINS (API v1.1 §5), an invite's use counted in the same transaction (exact when
 * two registrations race for its last use), the membership of `general`. Mirrors postgres/users.ts.
 */
import type Database from 'better-sqlite3';
import type { Changed, NewUser } from '../accounts.ts';
import type { User } from '../../core/types.ts';
import { invalidInvite, now, parseId, toUser, usernameTaken, type UserRow } from '../rows.ts';
import { USER_COLS } from './sql.ts';
import type { Statements } from './statements.ts';
import { join } from './writes.ts';

const SQL = {
  // `listed` null = NATTER_ADMINS unset (the first-admin rule)
  insert: `INSERT INTO users (username, username_key, password_hash, guest, created_at, display_name, email, email_verified, owner_id, kind, role)
    VALUES (@username, @key, @hash, @guest, @at, @displayName, @email, @emailVerified, @owner, CASE WHEN @owner IS NULL THEN 'user' ELSE 'bot' END,
      CASE WHEN @guest THEN 'guest' WHEN @owner IS NOT NULL THEN 'member' WHEN @listed IS NOT NULL THEN CASE WHEN @listed THEN 'admin' ELSE 'member' END
      WHEN EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active = 1) THEN 'member' ELSE 'admin' END)
    RETURNING ${USER_COLS}`,
  // (code, now): one use of a usable invite
  useInvite: 'UPDATE invites SET uses = uses + 1 WHERE code = ? AND revoked = 0 AND uses < max_uses AND expires_at > ?',
} as const;

export function usersSql(db: Database.Database) {
  return { insert: db.prepare<unknown[], UserRow>(SQL.insert), useInvite: db.prepare(SQL.useInvite) };
}

/** Runs inside the store's write (synchronous, so the checks and the insert are one transaction). */
export function createUser(u: ReturnType<typeof usersSql>, s: Statements, input: NewUser): Changed<User> {
  const key = input.username.toLowerCase();
  if (s.usernameUsed.get(key)) throw usernameTaken(input.username);
  const at = now();
  if (input.invite !== undefined && u.useInvite.run(input.invite, at).changes === 0) throw invalidInvite();
  const listed = input.admin === undefined || input.admin === null ? null : input.admin ? 1 : 0;
  const user = toUser(u.insert.get({ username: input.username, key, hash: input.passwordHash, guest: input.guest ? 1 : 0, at, listed,
    displayName: input.displayName ?? null, email: input.email ?? null, emailVerified: input.emailVerified ? 1 : 0,
    owner: input.ownerId === undefined ? null : parseId(input.ownerId) })!);
  const general = s.roomId.get('general')!;
  return { value: user, events: join(s, general.id, 'general', user, 'member') };
}
