/**
 * Connection handling for the PostgreSQL store: one pg.Pool, transactions, and
 * the retry policy for connection faults.
 *
 * Retry policy (why only some failures are retried): a failure while getting
 * a connection or at BEGIN (database restarting, a pooled connection that died
 * while idle, network blip) happens before any statement of the transaction
 * ran, so retrying it with backoff is always safe. A failure in the middle of a transaction is not retried here:
 * if the connection dropped around COMMIT we cannot know whether it committed,
 * so the error goes to the caller (a 500), and the client retries, with
 * `client_id` making a repeated post harmless. Read-only calls are retried on
 * connection faults as a whole.
 */
import pg from 'pg';

/** Where the store reports faults it recovers from; main.ts passes pino. */
export interface StoreLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLog: StoreLog = { warn() {}, error() {} };

/** bigint (int8) columns and COUNT(*) come back as JS numbers: positions and ids stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Session settings for every connection. A transaction that appends holds the
 * log_head row lock until it ends, so one stuck client would stall appends on
 * every node: a node that vanishes without closing its socket (a network
 * partition, a frozen VM) would keep the lock until TCP noticed, which can take
 * hours. Our transactions are a few statements long, so the server ends any
 * session idle inside a transaction for 10 s, and any statement running 30 s.
 */
const SESSION_OPTIONS = '-c idle_in_transaction_session_timeout=10000 -c statement_timeout=30000';

/**
 * Statement texts sent as named prepared statements (`prepareNamed`), by text. node-postgres otherwise sends every
 * query unnamed, and PostgreSQL parses, analyses and plans it on every call: that was half of its CPU per post
 * (issue 17, target 2: `perf` of the POST bench, bench/README.md). A named statement is parsed once per
 * connection and, once PostgreSQL finds its generic plan as good as the custom ones (plan_cache_mode auto,
 * after five calls), planned once. Only fixed texts are named; built ones (search) stay unnamed.
 */
const named = new Map<string, string>();

/** Name the statements of `map` (keys prefixed with `prefix`; names are per connection, ≤ 63 bytes). */
export function prepareNamed(prefix: string, map: Readonly<Record<string, string>>): void {
  for (const [key, text] of Object.entries(map)) named.set(text, `${prefix}.${key}`);
}

/** PostgreSQL's answer when a prepared statement's result columns changed under it (a migration by another node). */
const RESULT_TYPE_CHANGED = '0A000';

type QueryFn = (...args: unknown[]) => unknown;

/** Send the registered texts of this client's queries as named statements (both the promise and the callback form). */
function nameStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as QueryFn;
  const replacement: QueryFn = (text, values, cb) => {
    const name = typeof text === 'string' && typeof values !== 'function' ? named.get(text) : undefined;
    if (name === undefined) return query(text, values, cb);
    if (typeof cb !== 'function') {
      return (query({ name, text, values }) as Promise<unknown>).catch((err: unknown) => {
        forgetChanged(text as string, err);
        throw err;
      });
    }
    return query({ name, text, values }, (err: unknown, res: unknown) => {
      if (err) forgetChanged(text as string, err);
      cb(err, res);
    });
  };
  client.query = replacement as typeof client.query;
}

/** A named statement whose result type changed fails (once) and is sent unnamed from then on. */
function forgetChanged(text: string, err: unknown): void {
  if ((err as { code?: string }).code === RESULT_TYPE_CHANGED) named.delete(text);
}

/** A pool with numbers for int8, bounded sessions, and idle-client errors logged instead of crashing the process. */
export function createPool(url: string, log: StoreLog, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url, max, types, options: SESSION_OPTIONS,
    connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, keepAlive: true,
  });
  // Without this listener, a database restart kills idle clients with an 'error' event nobody handles: a crash.
  pool.on('error', (err) => log.warn({ err }, 'postgres: idle connection lost'));
  // pg-pool listens only while a client is idle. A client checked out (inside a transaction, between two
  // statements) whose connection ends also emits 'error', which would be thrown and kill the process.
  // The statement that uses it next fails with a connection error, and transaction() then discards it.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    nameStatements(client);
  });
  return pool;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

/** True for errors that mean "the database is unreachable or restarting", not "the statement is wrong". */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(err.message);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`, or a rejection naming `what` after `ms` (the query itself is not cancelled). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Run `fn`, retrying connection errors with exponential backoff (100 ms doubling, capped at 2 s) for `attempts` tries. */
export async function retrying<T>(what: string, log: StoreLog, attempts: number, fn: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConnectionError(err) || i >= attempts) throw err;
      const delay = Math.min(2000, 100 * 2 ** (i - 1));
      log.warn({ err, attempt: i, delayMs: delay }, `postgres: ${what} failed, retrying`);
      await sleep(delay);
    }
  }
}

/** A pg client inside a transaction. */
export type Tx = pg.PoolClient;

/**
 * Run `fn` in one transaction (READ COMMITTED unless `begin` says otherwise).
 * Getting the connection is retried on connection faults; the body is not (see the header).
 */
export async function transaction<T>(pool: pg.Pool, log: StoreLog, fn: (tx: Tx) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(pool, log, fn, begin);
    } catch (err) {
      // A deadlock or serialization victim was rolled back entirely, so running it again is safe.
      const code = (err as { code?: string }).code;
      if ((code !== '40P01' && code !== '40001') || attempt >= 3) throw err;
      log.warn({ err, attempt }, 'postgres: transaction aborted by a conflict, retrying');
    }
  }
}

async function once<T>(pool: pg.Pool, log: StoreLog, fn: (tx: Tx) => Promise<T>, begin: string): Promise<T> {
  // Connecting and BEGIN are retried together: a pooled connection that died while idle
  // fails at BEGIN, before anything of this transaction reached the server.
  const client = await retrying('connect', log, 5, async () => {
    const c = await pool.connect();
    try {
      await c.query(begin);
      return c;
    } catch (err) {
      c.release(true);
      throw err;
    }
  });
  let broken = false;
  try {
    const value = await fn(client);
    await client.query('COMMIT');
    return value;
  } catch (err) {
    broken = isConnectionError(err);
    if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
    throw err;
  } finally {
    // A client whose connection failed must not go back to the pool.
    client.release(broken ? true : undefined);
  }
}

/** How `openPostgresStore` connects. */
export interface PostgresStoreOptions {
  /** Where recovered faults are logged; default silent. */
  log?: StoreLog;
  /** Pool size per node; default 10. */
  poolSize?: number;
  /** Give up on the first connection after this long; default 0 = keep retrying (a node may start before its database). */
  connectTimeoutMs?: number;
  /** Newest positions a search scans before it uses the index (lookups.ts); default SEARCH_RECENT_WINDOW. Tests make it tiny. */
  searchWindow?: number;
  /** Matches the first index step may read before the search goes by windows (lookups.ts); default 500. Tests make it tiny. */
  searchFew?: number;
}
