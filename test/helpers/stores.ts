/**
 * One describe block per store: the same integration tests against a real Natter process on
 * SQLite (a fresh file) and on PostgreSQL (a fresh database from cluster.ts createDatabase());
 * or the same tests straight against the Store (describeEachStoreDirect, for property tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { openPostgresStore, type PostgresStoreOptions } from '../../src/storage/postgres/postgres-store.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../src/storage/store.ts';
import { createDatabase, type TestDatabase } from './cluster.ts';
import { spawnNatter, startServer, stopChild, type NatterProcess, type RunningServer } from './server.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** A running server on one store; read it only inside hooks and tests. */
export interface StoreServer {
  readonly kind: StoreKind;
  readonly url: string;
  /** SIGTERM and start again on the same port and database. */
  restart(): Promise<void>;
}

/** `body` once per store, each in its own describe block with its own server (and database). */
export function describeEachStore(title: string, body: (server: StoreServer) => void, env: Record<string, string> = {}): void {
  for (const kind of ['sqlite', 'postgres'] as const) {
    describe(`${title} (${kind})`, () => {
      let sqlite: RunningServer | undefined;
      let db: TestDatabase | undefined;
      let pgProc: NatterProcess | undefined;
      let port = 0;
      before(async () => {
        if (kind === 'sqlite') {
          sqlite = await startServer(env);
        } else {
          db = await createDatabase();
          pgProc = await spawnNatter({ ...env, PORT: '0', DATABASE_URL: db.url });
          port = pgProc.port;
        }
      });
      after(async () => {
        await sqlite?.stop();
        if (pgProc) await stopChild(pgProc.child, 'SIGTERM');
        await db?.drop();
      });
      body({
        kind,
        get url() {
          if (sqlite) return sqlite.url;
          if (pgProc) return `http://127.0.0.1:${port}`;
          throw new Error('describeEachStore: the server starts in before()');
        },
        async restart() {
          if (sqlite) {
            await sqlite.stop();
            await sqlite.restart();
          } else {
            await stopChild(pgProc!.child, 'SIGTERM');
            pgProc = await spawnNatter({ ...env, PORT: String(port), DATABASE_URL: db!.url });
          }
        },
      });
    });
  }
}

/**
 * `body` once per store, straight against the Store (no server), each in its own describe block: `open()` opens
 * the store on one fresh SQLite file, or on one fresh PostgreSQL database with `pgOptions`; both go at the end.
 */
export function describeEachStoreDirect(title: string, body: (open: () => Promise<Store>) => void, pgOptions: PostgresStoreOptions = {}): void {
  describe(`${title} (SQLite store)`, () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'natter-direct-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    body(async () => openSqliteStore(join(dir, 'natter.db')));
  });
  describe(`${title} (PostgreSQL store)`, () => {
    let db: TestDatabase | undefined;
    before(async () => {
      db = await createDatabase();
    });
    after(async () => {
      await db?.drop();
    });
    body(() => openPostgresStore(db!.url, { poolSize: 3, ...pgOptions }));
  });
}
