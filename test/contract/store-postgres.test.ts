/** The Store contract on PostgreSQL: a fresh database per run (dropped after), opened twice like two nodes. */
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import type { Store } from '../../src/storage/store.ts';
import { createDatabase } from '../helpers/cluster.ts';
import { describeStore } from './store.contract.ts';

describeStore('postgres', async () => {
  const db = await createDatabase();
  const opened: Store[] = [];
  return {
    async open() {
      const s = await openPostgresStore(db.url, { poolSize: 5, connectTimeoutMs: 5000 });
      opened.push(s);
      return s;
    },
    async cleanup() {
      for (const s of opened) await s.close();
      await db.drop();
    },
  };
});
