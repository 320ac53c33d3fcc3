/**
 * A file store's WAL is checkpointed by its background thread (search-worker.ts), not by the writer inside a
 * COMMIT on the event loop: the writer's own automatic checkpoint waits for WRITER_CHECKPOINT_PAGES, yet the
 * database file takes the committed pages long before the WAL gets that big.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqliteStore, WRITER_CHECKPOINT_PAGES } from '../../src/storage/sqlite/sqlite-store.ts';
import { waitFor } from '../helpers/wait.ts';

describe('SQLite WAL checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'natter-ckpt-'));
  const path = join(dir, 'natter.db');
  const store = openSqliteStore(path);
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the background thread copies committed pages into the database file while the WAL is far below the writer\'s threshold', async () => {
    const owner = (await store.createUser({ username: 'ckpt', passwordHash: null, guest: true })).value;
    await store.createRoom({ name: 'ckpt', topic: '', visibility: 'public', ownerId: owner.id });
    const roomId = (await store.getRoom('ckpt', owner.id))!.record.id;
    const before = statSync(path).size;
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 20; i++) {
      await Promise.all(Array.from({ length: 100 }, () => store.postMessage({ roomId, author: owner, text, clientId: null })));
    }
    const walPages = statSync(`${path}-wal`).size / 4096;
    assert.ok(walPages < WRITER_CHECKPOINT_PAGES / 2, `the WAL (${Math.round(walPages)} pages) stays far below the writer's own checkpoint`);
    await waitFor(() => statSync(path).size > before + 1_000_000, 'the database file to take the checkpointed pages');
  });
});
