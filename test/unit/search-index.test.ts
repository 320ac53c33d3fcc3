/** The SQLite search index's deferred writes (storage/sqlite/search-index.ts) inside the group commit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fold, matchExpression, trigramTokens } from '../../src/core/fold.ts';
import { GroupCommit } from '../../src/storage/sqlite/group-commit.ts';
import { SearchIndex } from '../../src/storage/sqlite/search-index.ts';

function open() {
  const db = new Database(':memory:');
  db.exec("CREATE VIRTUAL TABLE message_grams USING fts5(grams, content='', contentless_delete=1, detail='none', tokenize='ascii', prefix='1 2')");
  const index = new SearchIndex(db.prepare('INSERT INTO message_grams (rowid, grams) VALUES (?, ?)'), db.prepare('DELETE FROM message_grams WHERE rowid = ?'));
  const batch = new GroupCommit(db, () => () => {}, index);
  const find = (term: string) => db.prepare<[string], { rowid: number }>('SELECT rowid FROM message_grams WHERE message_grams MATCH ? ORDER BY rowid').all(matchExpression([fold(term)])).map((r) => r.rowid);
  return { db, index, batch, find };
}

describe('SearchIndex in the group commit', () => {
  it('writes nothing until the batch commits, then everything in order (put, delete, put again)', async () => {
    const { index, batch, find } = open();
    const a = batch.run(() => index.put(1, trigramTokens('hello world')));
    const b = batch.run(() => index.put(2, trigramTokens('help')));
    const c = batch.run(() => (index.delete(2), index.put(2, trigramTokens('yellow'))));
    assert.deepEqual(find('hel'), [], 'nothing before COMMIT');
    await Promise.all([a, b, c]);
    assert.deepEqual(find('hel'), [1]);
    assert.deepEqual(find('ll'), [1, 2]);
    assert.deepEqual(find('w'), [1, 2]);
    assert.deepEqual(find('help'), []);
  });

  it('a use case that throws drops what it queued; the rest of the batch is indexed', async () => {
    const { index, batch, find } = open();
    const ok = batch.run(() => index.put(1, trigramTokens('kept')));
    const failed = batch.run(() => {
      index.put(2, trigramTokens('kept too?'));
      throw new Error('use case failed');
    });
    await assert.rejects(failed, /use case failed/);
    await ok;
    assert.deepEqual(find('kept'), [1]);
  });
});
