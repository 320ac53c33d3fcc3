/**
 * Push keys and subscriptions on PostgreSQL (store.ts `PushStore`, API v1.1 §4). An endpoint's upsert is one
 * statement (ON CONFLICT on the unique endpoint), and the per-user cap runs in the same transaction, so nodes
 * racing for one endpoint or one key agree. Mirrors sqlite/push.ts.
 */
import { parseId } from '../rows.ts';
import { PostgresPushWork } from './push-work.ts';
import { toSubscription, type NewSubscription, type PushStore, type PushSubscriptionRecord, type SubscriptionRow } from '../push.ts';
import type { Tx } from './db.ts';
import type { Db } from './writes.ts';

const SQL = {
  keyInsert: 'INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
  key: 'SELECT value FROM server_keys WHERE name = $1',
  // (id, user, session, endpoint, p256dh, auth): inserted is true for a new row, false for an updated one
  upsert: `INSERT INTO push_subscriptions (id, user_id, session_id, endpoint, p256dh, auth, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, now())
    ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, session_id = EXCLUDED.session_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
    RETURNING *, (xmax = 0) AS inserted`,
  cap: `DELETE FROM push_subscriptions WHERE id IN (
    SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, n DESC OFFSET $2)`,
  list: 'SELECT * FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, n',
  delete: 'DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2',
} as const;

export class PostgresPush implements PushStore {
  readonly work: PostgresPushWork;

  constructor(
    private readonly write: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
    private readonly read: <T>(fn: (db: Db) => Promise<T>) => Promise<T>,
  ) {
    this.work = new PostgresPushWork(write, read);
  }

  async serverKey(name: string, make: () => string): Promise<string> {
    const have = await this.read(async (db) => (await db.query<{ value: string }>(SQL.key, [name])).rows[0]);
    if (have) return have.value;
    return this.write(async (tx) => {
      await tx.query(SQL.keyInsert, [name, make()]);
      return (await tx.query<{ value: string }>(SQL.key, [name])).rows[0]!.value;
    });
  }

  async subscribe(input: NewSubscription, maxPerUser: number): Promise<{ subscription: PushSubscriptionRecord; created: boolean }> {
    return this.write(async (tx) => {
      const user = parseId(input.userId);
      const row = (await tx.query<SubscriptionRow & { inserted: boolean }>(SQL.upsert,
        [input.id, user, parseId(input.sessionId), input.endpoint, input.p256dh, input.auth])).rows[0]!;
      await tx.query(SQL.cap, [user, maxPerUser]);
      return { subscription: toSubscription(row), created: row.inserted };
    });
  }

  async subscriptions(userId: string): Promise<PushSubscriptionRecord[]> {
    return this.read(async (db) => (await db.query<SubscriptionRow>(SQL.list, [parseId(userId)])).rows.map(toSubscription));
  }

  async unsubscribe(userId: string, id: string): Promise<boolean> {
    return this.write(async (tx) => ((await tx.query(SQL.delete, [id, parseId(userId)])).rowCount ?? 0) > 0);
  }
}
