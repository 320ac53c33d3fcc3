/**
 * PostgreSQL connections that die while checked out of the pool. pg emits 'error'
 * on a client whose connection ends while it has no query running, and pg-pool
 * listens only on idle clients: without a listener of ours the 'error' is thrown
 * and the node process dies. This is what a database restart does to a busy node
 * between two statements of a transaction (seen as a node that vanished during
 * the cluster fault test "the database goes away for 3 s").
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPool, isConnectionError, prepareNamed, silentLog } from '../../src/storage/postgres/db.ts';
import { createDatabase, terminateBackends, type TestDatabase } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';

describe('postgres pool: a connection lost while checked out', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  it('does not crash the process; the next statement on that client fails as a connection error and the pool recovers', async () => {
    const pool = createPool(db.url, silentLog, 2);
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const client = await pool.connect();
      await client.query('BEGIN');
      let ended = false;
      client.once('end', () => (ended = true));
      assert.ok((await terminateBackends(db)) >= 1, 'the backend was terminated');
      await waitFor(() => ended, 'the client to see its connection end');
      assert.deepEqual(uncaught, [], 'no uncaught error');
      const failed = await client.query('SELECT 1').then(() => null, (err: unknown) => err);
      assert.ok(failed && isConnectionError(failed), `a connection error, got ${String(failed)}`);
      client.release(true);
      assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1, 'a fresh connection works');
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.end();
    }
  });
});

describe('postgres pool: named statements', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  it('registered texts run as named prepared statements, in both call forms; others stay unnamed', async () => {
    const texts = { pick: 'SELECT $1::int + 1 AS n', viaPool: 'SELECT $1::text AS t' };
    prepareNamed('test-named', texts);
    const pool = createPool(db.url, silentLog, 1);
    try {
      const client = await pool.connect();
      try {
        assert.equal((await client.query(texts.pick, [41])).rows[0].n, 42);
        assert.equal((await client.query('SELECT 2 AS two')).rows[0].two, 2);
        const names = (await client.query('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((r) => r.name);
        assert.deepEqual(names, ['test-named.pick'], 'the registered text is prepared by name, the other is not');
      } finally {
        client.release();
      }
      assert.equal((await pool.query(texts.viaPool, ['x'])).rows[0].t, 'x', 'pool.query (the callback form) too');
      const names = (await pool.query('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((r) => r.name);
      assert.deepEqual(names, ['test-named.pick', 'test-named.viaPool']);
    } finally {
      await pool.end();
    }
  });

  it('a named statement whose result columns changed (a migration by another node) fails once, then runs unnamed', async () => {
    const texts = { all: 'SELECT * FROM named_probe WHERE id = $1' };
    prepareNamed('test-changed', texts);
    const pool = createPool(db.url, silentLog, 1);
    try {
      await pool.query('CREATE TABLE named_probe (id int PRIMARY KEY)');
      await pool.query('INSERT INTO named_probe VALUES (1)');
      assert.deepEqual((await pool.query(texts.all, [1])).rows, [{ id: 1 }]);
      await pool.query('ALTER TABLE named_probe ADD COLUMN extra int DEFAULT 7');
      const failed = await pool.query(texts.all, [1]).then(() => null, (err: unknown) => err as { code?: string });
      assert.equal(failed?.code, '0A000', 'cached plan must not change result type');
      assert.deepEqual((await pool.query(texts.all, [1])).rows, [{ id: 1, extra: 7 }], 'then unnamed, with the new column');
    } finally {
      await pool.end();
    }
  });
});
