/**
 * Cluster test helpers: a fresh PostgreSQL database per run, a dedicated
 * redis-server on a free port, Natter nodes as real processes (PostgreSQL +
 * Redis) or in this process (src/node.ts around any broker).
 * Everything started here is also stopped on process exit, so a failing test
 * leaves no databases, servers or node processes behind.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before } from 'node:test';
import { join } from 'node:path';
import pg from 'pg';
import type { Broker } from '../../src/broker/broker.ts';
import { loadConfig } from '../../src/config.ts';
import { startNode as startInProcess } from '../../src/node.ts';
import type { Services } from '../../src/services.ts';
import { openPostgresStore, type PostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { killOnExit, spawnNatter, stopChild, TEST_ENV } from './server.ts';
import { waitFor } from './wait.ts';

/** The maintenance connection; NATTER_TEST_PG overrides (CI: the machine's PostgreSQL, database `test`). */
export const PG_ADMIN = process.env.NATTER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A database created for one test run. */
export interface TestDatabase {
  url: string;
  /** Drop the database (terminating leftover connections). Idempotent. */
  drop(): Promise<void>;
}

/** CREATE DATABASE natter_test_<random> on the test server. */
export async function createDatabase(): Promise<TestDatabase> {
  const name = `natter_test_${randomBytes(5).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  let dropped = false;
  return {
    url: u.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Terminate every connection to `db` (what a database restart or failover does to clients); returns how many. */
export async function terminateBackends(db: TestDatabase): Promise<number> {
  return admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [new URL(db.url).pathname.slice(1)]);
}

async function admin(sql: string, params: unknown[] = []): Promise<number> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    return (await c.query(sql, params)).rowCount ?? 0;
  } finally {
    await c.end();
  }
}

/** A free TCP port on 127.0.0.1 (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** A redis-server of our own, which a test may stop and start. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stop the server (SIGKILL: clients see the connection drop). */
  stop(): Promise<void>;
  /** Start it again on the same port (empty: no persistence). */
  start(): Promise<void>;
}

/** A dedicated `redis-server` on a free port, no persistence. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
      killOnExit(c);
      child = c;
      let out = '';
      c.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      c.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
    });
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    async stop() {
      const c = child;
      child = null;
      if (c) await stopChild(c, 'SIGKILL');
    },
  };
}

/** A PostgreSQL server of our own, which a test may stop and start. */
export interface PostgresServer {
  /** Connection URL of its `postgres` database. */
  url: string;
  /** Fast shutdown (what a restart or failover does to clients); waits for exit. */
  stop(): Promise<void>;
  /** Start again on the same port and data. */
  start(): Promise<void>;
  /** Stop and delete the data directory. */
  destroy(): Promise<void>;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A dedicated PostgreSQL server (initdb in a temp dir, a free port, fsync off), for
 * tests that stop the database. initdb refuses to run as root, so as root it runs as
 * the `postgres` user. Returns null where that is not possible (no binaries, no user).
 */
export async function startPostgres(): Promise<PostgresServer | null> {
  if (!existsSync(`${PG_BIN}/initdb`)) return null;
  // As root, run as the postgres user: spawn's uid/gid keep the server our direct child,
  // so killing the child kills the server.
  let ids: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) return null;
    ids = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'natter-pg-'));
  if (ids.uid !== undefined) chownSync(dir, ids.uid, ids.gid!);
  const init = spawnSync(`${PG_BIN}/initdb`, ['-D', dir, '-A', 'trust', '-U', 'postgres', '--no-sync'], { encoding: 'utf8', ...ids });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const args = ['-D', dir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off'];
      const c = spawn(`${PG_BIN}/postgres`, args, { stdio: ['ignore', 'pipe', 'pipe'], ...ids });
      killOnExit(c);
      child = c;
      let out = '';
      c.stderr!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('ready to accept connections')) resolve();
      });
      c.once('exit', (code) => reject(new Error(`postgres exited (${code}):\n${out}`)));
    });
  await start();
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (c) await stopChild(c, 'SIGINT'); // SIGINT to the postmaster = fast shutdown
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Natter node started by startNode(). */
export interface NodeProcess {
  url: string;
  pid: number;
  output(): string;
  /** SIGKILL, no shutdown at all. */
  kill(): Promise<void>;
  /** SIGTERM, graceful. */
  stop(): Promise<void>;
}

/** A real Natter process (`node --import tsx src/main.ts`) in cluster mode. */
export async function startNode(databaseUrl: string, redisUrl: string, env: Record<string, string> = {}): Promise<NodeProcess> {
  const { child, url, output } = await spawnNatter({ ...env, PORT: '0', DATABASE_URL: databaseUrl, REDIS_URL: redisUrl });
  return {
    url,
    pid: child.pid!,
    output,
    kill: async () => void (await stopChild(child, 'SIGKILL')),
    stop: async () => void (await stopChild(child, 'SIGTERM')),
  };
}

/** A node running inside the test process. */
export interface LocalNode {
  url: string;
  services: Services;
  store: PostgresStore;
  /** Close the HTTP server, services, broker and store, in that order. */
  close(): Promise<void>;
}

/** A node inside this process (src/node.ts): its own PostgresStore on `databaseUrl`, the given broker. */
export async function startLocalNode(databaseUrl: string, broker: Broker): Promise<LocalNode> {
  // A short presence grace, so the cluster suite can watch a user go offline.
  const config = loadConfig({ ...TEST_ENV, LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl, PORT: '0', NATTER_PRESENCE_GRACE_MS: '200' });
  const store = await openPostgresStore(databaseUrl, { poolSize: 5 });
  const node = await startInProcess({ config, store, broker });
  return { url: node.url, services: node.services, store, close: node.close };
}

/** Wait until GET /readyz answers `status`. */
export async function waitReady(base: string, status: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => (await fetch(base + '/readyz').catch(() => null))?.status === status, `${base}/readyz ${status}`, timeoutMs);
}

/** Two Natter processes on one fresh PostgreSQL database and a dedicated redis-server, for a describe block. */
export interface TwoNodes {
  readonly a: NodeProcess;
  readonly b: NodeProcess;
  readonly db: TestDatabase;
}

/**
 * Start two nodes in before() (A first, so it migrates, then B; or both at once with `together`, to race the
 * first start; or B only when the test calls `startB`, with `bLater`) and stop them, Redis and the database in
 * after(). Read the fields only inside hooks and tests.
 */
export function useTwoNodes(env: Record<string, string> = {}, opts: { together?: boolean; bLater?: boolean } = {}): TwoNodes & NodeAThenB {
  let db: TestDatabase | undefined;
  let redis: RedisServer | undefined;
  let a: NodeProcess | undefined;
  let b: NodeProcess | undefined;
  before(async () => {
    db = await createDatabase();
    redis = await startRedis();
    if (opts.together) [a, b] = await Promise.all([startNode(db.url, redis.url, env), startNode(db.url, redis.url, env)]);
    else {
      a = await startNode(db.url, redis.url, env);
      if (!opts.bLater) b = await startNode(db.url, redis.url, env);
    }
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await db?.drop();
  });
  const need = <T>(x: T | undefined): T => x ?? assert.fail('useTwoNodes(): the nodes start in before(); read them inside a hook or a test');
  return {
    get a() { return need(a); },
    get b() { return need(b); },
    get db() { return need(db); },
    async startB() {
      b = await startNode(need(db).url, need(redis).url, env);
      return b;
    },
  };
}

/** Node A started in before(), node B when the test asks (`startB`), for tests that kill A mid-work. */
export interface NodeAThenB {
  readonly a: NodeProcess;
  /** Start node B on the same database and Redis (stopped in after()). */
  startB(): Promise<NodeProcess>;
}

/** useTwoNodes with B started by the test. */
export const useNodeAThenB = (env: Record<string, string> = {}): NodeAThenB => useTwoNodes(env, { bLater: true });
