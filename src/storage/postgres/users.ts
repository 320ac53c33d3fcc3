/**
 * Creating an account on PostgreSQL (store.ts `Accounts.createUser`), in one transaction: the role by the
 * first-admin rule (under an advisory lock, so two first registrations racing make one admin) or NATTER_ADMINS
 * (API v1.1 §5), an invite's use (the row lock makes the last use go to one of two racing registrations), the
 * membership of `general`. Mirrors sqlite/users.ts.
 */
import type { Changed, NewUser } from '../accounts.ts';
import type { User } from '../../core/types.ts';
import { invalidInvite, now, parseId, toUser, usernameTaken, type UserRow } from '../rows.ts';
import type { Tx } from './db.ts';
import { SQL as STORE_SQL, USER_COLS } from './sql.ts';
import { join } from './writes.ts';

const SQL = {
  firstAdminLock: "SELECT pg_advisory_xact_lock(hashtext('natter:first-admin'))",
  insert: `INSERT INTO users AS u (username, username_key, password_hash, guest, created_at, display_name, email, email_verified, owner_id, kind, role)
    VALUES ($1, $2, $3, $4::boolean, $5, $7, $8, $9, $10::bigint, CASE WHEN $10::bigint IS NULL THEN 'user' ELSE 'bot' END,
      CASE WHEN $4::boolean THEN 'guest' WHEN $10::bigint IS NOT NULL THEN 'member' WHEN $6::boolean IS NOT NULL THEN CASE WHEN $6::boolean THEN 'admin' ELSE 'member' END
      WHEN EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active) THEN 'member' ELSE 'admin' END)
    RETURNING ${USER_COLS}`,
  useInvite: 'UPDATE invites SET uses = uses + 1 WHERE code = $1 AND NOT revoked AND uses < max_uses AND expires_at > $2',
} as const;

export async function createUser(tx: Tx, input: NewUser): Promise<Changed<User>> {
  const key = input.username.toLowerCase();
  if ((await tx.query(STORE_SQL.usernameUsed, [key])).rowCount) throw usernameTaken(input.username);
  const at = now();
  if (input.invite !== undefined && (await tx.query(SQL.useInvite, [input.invite, at])).rowCount === 0) throw invalidInvite();
  const listed = input.admin === undefined ? null : input.admin;
  if (listed === null && !input.guest && input.ownerId === undefined) await tx.query(SQL.firstAdminLock);
  const user = toUser((await tx.query<UserRow>(SQL.insert, [input.username, key, input.passwordHash, input.guest, at, listed,
    input.displayName ?? null, input.email ?? null, input.emailVerified ?? false, input.ownerId === undefined ? null : parseId(input.ownerId)])).rows[0]!);
  const general = (await tx.query<{ id: number }>(STORE_SQL.roomId, ['general'])).rows[0]!;
  return { value: user, events: await join(tx, general.id, 'general', user, 'member') };
}
