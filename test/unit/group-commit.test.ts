/**
 * The group commit's durability step (storage/sqlite/group-commit.ts), with a sync the test completes by
 * hand: callers resume and positions become visible only after a sync that began after their COMMIT;
 * batches that commit while a sync runs share the next one; a failed sync fails its callers and every later
 * write. (The real fdatasync of the WAL runs under every SQLite test that writes a file.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommit, type Durability } from '../../src/storage/sqlite/group-commit.ts';

function setup() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (x INTEGER)');
  const pending: ((err: Error | null) => void)[] = [];
  const durability: Durability = { sync: (done) => void pending.push(done) };
  const published: number[] = [];
  const batch = new GroupCommit(db, () => {
    const n = (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
    return () => void published.push(n);
  }, undefined, durability);
  const insert = (x: number) => batch.run(() => db.prepare('INSERT INTO t (x) VALUES (?)').run(x));
  const tick = () => new Promise((r) => setImmediate(r));
  return { db, batch, insert, pending, published, tick };
}

describe('GroupCommit with a durability step', () => {
  it('resumes callers and publishes only after the sync, in order; later batches share the next sync', async () => {
    const { insert, pending, published, tick, batch } = setup();
    const resumed: number[] = [];
    void insert(1).then(() => resumed.push(1));
    void insert(2).then(() => resumed.push(2));
    await tick();
    assert.equal(pending.length, 1, 'one sync for the first batch');
    assert.equal(resumed.length, 0, 'committed but not yet durable: nobody resumes');
    assert.equal(published.length, 0);
    void insert(3).then(() => resumed.push(3));
    await tick();
    void insert(4).then(() => resumed.push(4));
    await tick();
    assert.equal(pending.length, 1, 'batches committed during a sync wait for it to end');
    pending.shift()!(null);
    await tick();
    assert.deepEqual(resumed, [1, 2]);
    assert.deepEqual(published, [2]);
    assert.equal(pending.length, 1, 'one sync for the two batches that waited');
    pending.shift()!(null);
    await batch.drain();
    assert.deepEqual(resumed, [1, 2, 3, 4]);
    assert.deepEqual(published, [2, 3, 4]);
  });

  it('a failed sync fails its callers and every later write', async () => {
    const { insert, pending, tick } = setup();
    const first = insert(1);
    await tick();
    pending.shift()!(new Error('EIO: fdatasync failed'));
    await assert.rejects(first, /EIO/);
    await assert.rejects(insert(2), /EIO/);
  });
});
