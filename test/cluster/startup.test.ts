/** Several nodes starting at once on an empty PostgreSQL database: migrations run once, everyone agrees. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { openPostgresStore, type PostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { createDatabase, type TestDatabase } from '../helpers/cluster.ts';

describe('PostgreSQL store startup', () => {
  let db: TestDatabase;
  const stores: PostgresStore[] = [];
  before(async () => {
    db = await createDatabase();
  });
  after(async () => {
    for (const s of stores) await s.close();
    await db?.drop();
  });

  it('five nodes opening an empty database at once migrate it once and share one log id', async () => {
    stores.push(...(await Promise.all(Array.from({ length: 5 }, () => openPostgresStore(db.url, { poolSize: 2 })))));
    assert.equal(new Set(stores.map((s) => s.logId)).size, 1);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const files = readdirSync(new URL('../../src/storage/migrations/postgres/', import.meta.url)).filter((f) => /^\d{3}_.+\.sql$/.test(f));
      assert.equal(Number((await c.query('SELECT count(*) AS n FROM schema_migrations')).rows[0].n), files.length);
      assert.equal(Number((await c.query("SELECT count(*) AS n FROM rooms WHERE name = 'general'")).rows[0].n), 1);
      assert.equal(Number((await c.query('SELECT count(*) AS n FROM log_head')).rows[0].n), 1);
    } finally {
      await c.end();
    }
    assert.equal(await stores[4]!.head(), 0);
  });

  it('an unreachable database fails the start once connectTimeoutMs has passed', async () => {
    const u = new URL(db.url);
    u.port = '1';
    await assert.rejects(openPostgresStore(u.toString(), { connectTimeoutMs: 300 }), /ECONNREFUSED/);
  });
});
