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
import { createPool, isConnectionError, silentLog } from '../../src/storage/postgres/db.ts';
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
