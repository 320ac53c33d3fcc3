/**
 * Push keys and subscriptions on SQLite (store.ts `PushStore`, API v1.1 §4). Writes join the store's group
 * commit; each use case runs without yielding, so an endpoint's upsert and the per-user cap are atomic.
 * Mirrors postgres/push.ts.
 */
import type Database from 'better-sqlite3';
import { now, parseId } from '../rows.ts';
import { SqlitePushWork } from './push-work.ts';
import { toSubscription, type NewSubscription, type PushStore, type PushSubscriptionRecord, type SubscriptionRow } from '../push.ts';

const SQL = {
  keyInsert: 'INSERT OR IGNORE INTO server_keys (name, value) VALUES (?, ?)',
  key: 'SELECT value FROM server_keys WHERE name = ?',
  byEndpoint: 'SELECT id FROM push_subscriptions WHERE endpoint = ?',
  byId: 'SELECT * FROM push_subscriptions WHERE id = ?',
  insert: 'INSERT INTO push_subscriptions (id, user_id, session_id, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  update: 'UPDATE push_subscriptions SET user_id = ?, session_id = ?, p256dh = ?, auth = ? WHERE id = ?',
  // (user, keep): drop all but the user's `keep` newest
  cap: `DELETE FROM push_subscriptions WHERE id IN (
    SELECT id FROM push_subscriptions WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
  list: 'SELECT * FROM push_subscriptions WHERE user_id = ? ORDER BY created_at, rowid',
  delete: 'DELETE FROM push_subscriptions WHERE id = ? AND user_id = ?',
} as const;

export class SqlitePush implements PushStore {
  private readonly s;
  readonly work: SqlitePushWork;

  constructor(db: Database.Database, private readonly write: <T>(fn: () => T) => Promise<T>) {
    this.work = new SqlitePushWork(db, write);
    const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      keyInsert: p(SQL.keyInsert), key: p<{ value: string }>(SQL.key), byEndpoint: p<{ id: string }>(SQL.byEndpoint),
      byId: p<SubscriptionRow>(SQL.byId), insert: p(SQL.insert), update: p(SQL.update), cap: p(SQL.cap),
      list: p<SubscriptionRow>(SQL.list), delete: p(SQL.delete),
    };
  }

  async serverKey(name: string, make: () => string): Promise<string> {
    const have = this.s.key.get(name);
    if (have) return have.value;
    return this.write(() => {
      this.s.keyInsert.run(name, make());
      return this.s.key.get(name)!.value;
    });
  }

  async subscribe(input: NewSubscription, maxPerUser: number): Promise<{ subscription: PushSubscriptionRecord; created: boolean }> {
    return this.write(() => {
      const user = parseId(input.userId);
      const existing = this.s.byEndpoint.get(input.endpoint);
      const id = existing?.id ?? input.id;
      if (existing) this.s.update.run(user, parseId(input.sessionId), input.p256dh, input.auth, id);
      else this.s.insert.run(id, user, parseId(input.sessionId), input.endpoint, input.p256dh, input.auth, now());
      this.s.cap.run(user, maxPerUser);
      return { subscription: toSubscription(this.s.byId.get(id)!), created: !existing };
    });
  }

  async subscriptions(userId: string): Promise<PushSubscriptionRecord[]> {
    return this.s.list.all(parseId(userId)).map(toSubscription);
  }

  async unsubscribe(userId: string, id: string): Promise<boolean> {
    return this.write(() => this.s.delete.run(id, parseId(userId)).changes > 0);
  }
}
