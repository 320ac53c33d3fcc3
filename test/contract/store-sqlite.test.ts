/** The Store contract on SQLite: a fresh database file per run. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../src/storage/store.ts';
import { describeStore } from './store.contract.ts';

describeStore('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natter-contract-'));
  const opened: Store[] = [];
  return {
    onePerProcess: true,
    async open() {
      const s = openSqliteStore(join(dir, 'natter.db'));
      opened.push(s);
      return s;
    },
    async cleanup() {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
