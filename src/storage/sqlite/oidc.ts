/**
 * Single sign-on links on SQLite (oidc.ts `OidcStore`, API v1.1 §5). Writes join the store's group commit and run
 * without yielding, so "link unless linked" and "create and link" are each atomic. Mirrors postgres/oidc.ts.
 */
import type Database from 'better-sqlite3';
import type { User } from '../../core/types.ts';
import type { Changed, NewUser } from '../accounts.ts';
import { linkTaken, type OidcStore } from '../oidc.ts';
import { now, parseId, toUser, type UserRow } from '../rows.ts';
import { USER_COLS } from './sql.ts';

const COLS = USER_COLS.split(', ').map((c) => `u.${c}`).join(', ');

const SQL = {
  // (iss, sub)
  linked: `SELECT ${COLS} FROM oidc_links l JOIN users u ON u.id = l.user_id WHERE l.iss = ? AND l.sub = ?`,
  // (iss, sub, user, now)
  link: 'INSERT INTO oidc_links (iss, sub, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (iss, sub) DO NOTHING',
  // (email, limit)
  byEmail: `SELECT ${COLS} FROM users u WHERE lower(u.email) = lower(?) AND u.email_verified = 1
    AND u.active = 1 AND u.guest = 0 AND u.kind = 'user' ORDER BY u.id LIMIT ?`,
} as const;

export class SqliteOidc implements OidcStore {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly write: <T>(fn: () => T) => Promise<T>,
    /** `Accounts.createUser`'s body (sqlite/users.ts), run inside this store's write. */
    private readonly createUser: (input: NewUser) => Changed<User>,
  ) {
    const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = { linked: p<UserRow>(SQL.linked), link: p(SQL.link), byEmail: p<UserRow>(SQL.byEmail) };
  }

  async linkedUser(iss: string, sub: string): Promise<User | null> {
    const row = this.s.linked.get(iss, sub);
    return row ? toUser(row) : null;
  }

  async link(iss: string, sub: string, userId: string): Promise<User> {
    return this.write(() => {
      this.s.link.run(iss, sub, parseId(userId), now());
      return toUser(this.s.linked.get(iss, sub)!);
    });
  }

  async usersByVerifiedEmail(email: string, limit: number): Promise<User[]> {
    return this.s.byEmail.all(email, limit).map(toUser);
  }

  async createLinked(input: NewUser, iss: string, sub: string): Promise<Changed<User>> {
    return this.write(() => {
      const created = this.createUser(input);
      if (this.s.link.run(iss, sub, parseId(created.value.id), now()).changes === 0) throw linkTaken();
      return created;
    });
  }
}
