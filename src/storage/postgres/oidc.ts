/**
 * Single sign-on links on PostgreSQL (oidc.ts `OidcStore`, API v1.1 §5). "Link unless linked" is one INSERT … ON
 * CONFLICT DO NOTHING (a racing insert of the same identity waits for the other to commit), and "create and link"
 * is one transaction. Mirrors sqlite/oidc.ts.
 */
import type { User } from '../../core/types.ts';
import type { Changed, NewUser } from '../accounts.ts';
import { linkTaken, type OidcStore } from '../oidc.ts';
import { now, parseId, toUser, usernameTaken, type UserRow } from '../rows.ts';
import type { Tx } from './db.ts';
import { USER_COLS } from './sql.ts';
import { createUser } from './users.ts';
import type { Db } from './writes.ts';

const SQL = {
  linked: `SELECT ${USER_COLS} FROM oidc_links l JOIN users u ON u.id = l.user_id WHERE l.iss = $1 AND l.sub = $2`,
  link: 'INSERT INTO oidc_links (iss, sub, user_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (iss, sub) DO NOTHING',
  byEmail: `SELECT ${USER_COLS} FROM users u WHERE lower(u.email) = lower($1) AND u.email_verified
    AND u.active AND NOT u.guest AND u.kind = 'user' ORDER BY u.id LIMIT $2`,
} as const;

export class PostgresOidc implements OidcStore {
  constructor(
    private readonly write: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
    private readonly read: <T>(fn: (db: Db) => Promise<T>) => Promise<T>,
  ) {}

  async linkedUser(iss: string, sub: string): Promise<User | null> {
    const row = (await this.read((db) => db.query<UserRow>(SQL.linked, [iss, sub]))).rows[0];
    return row ? toUser(row) : null;
  }

  async link(iss: string, sub: string, userId: string): Promise<User> {
    return this.write(async (tx) => {
      await tx.query(SQL.link, [iss, sub, parseId(userId), now()]);
      return toUser((await tx.query<UserRow>(SQL.linked, [iss, sub])).rows[0]!);
    });
  }

  async usersByVerifiedEmail(email: string, limit: number): Promise<User[]> {
    return (await this.read((db) => db.query<UserRow>(SQL.byEmail, [email, limit]))).rows.map(toUser);
  }

  async createLinked(input: NewUser, iss: string, sub: string): Promise<Changed<User>> {
    try {
      return await this.write(async (tx) => {
        const created = await createUser(tx, input);
        if (!(await tx.query(SQL.link, [iss, sub, parseId(created.value.id), now()])).rowCount) throw linkTaken();
        return created;
      });
    } catch (err) {
      // Two nodes creating the same name at once: the loser hits the unique index (as PostgresStore.createUser).
      if ((err as { code?: string }).code === '23505') throw usernameTaken(input.username);
      throw err;
    }
  }
}
