/** The FileStore contract on PostgreSQL (a fresh database, migrated as the store does; chunks of 64 KiB). */
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { createPool, silentLog } from '../../src/storage/postgres/db.ts';
import { PostgresFiles } from '../../src/storage/postgres/files.ts';
import { createDatabase } from '../helpers/cluster.ts';
import { describeFiles } from './files.contract.ts';

describeFiles('postgres', async () => {
  const db = await createDatabase();
  await (await openPostgresStore(db.url, { poolSize: 1 })).close(); // runs the migrations
  const pools: ReturnType<typeof createPool>[] = [];
  return {
    sizes: [65_536, 65_537, 200_003],
    async open() {
      const pool = createPool(db.url, silentLog, 3);
      pools.push(pool);
      return new PostgresFiles(pool, silentLog, 65_536);
    },
    async cleanup() {
      for (const p of pools) await p.end().catch(() => {});
      await db.drop();
    },
  };
});
