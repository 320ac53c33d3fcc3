/**
 * The composition root of the process: loadConfig → store → broker → node (services
 * + http, src/node.ts) → signals → node.close(). Implementations (SQLite, PostgreSQL, Redis) are chosen here and nowhere else.
 */
import { pino, type Logger } from 'pino';
import { LocalBroker } from './broker/local-broker.ts';
import { localLimits, type Limits } from './core/limits.ts';
import type { Broker } from './broker/broker.ts';
import { ConfigError, describeConfig, loadConfig, type Config } from './config.ts';
import { startNode } from './node.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';
import type { Store } from './storage/store.ts';

async function openStore(config: Config): Promise<Store> {
  if (config.database.kind === 'sqlite') return openSqliteStore(config.database.path);
  // Imported only in cluster mode, so a SQLite node never loads pg. The store gets its own
  // pino child because this function is not handed main's logger.
  const { openPostgresStore } = await import('./storage/postgres/postgres-store.ts');
  return openPostgresStore(config.database.url, { log: pino({ level: config.logLevel }).child({ component: 'store' }) });
}

/** The broker; in cluster mode its channel is named after the database's log id, so deployments sharing a Redis never see each other's events. */
async function openBroker(config: Config, logId: string, log: Logger): Promise<Broker> {
  if (!config.redisUrl) return new LocalBroker();
  const { RedisBroker } = await import('./broker/redis-broker.ts');
  return new RedisBroker(config.redisUrl, { channel: `natter:${logId}`, log: log.child({ component: 'broker' }) });
}

/** Where limits and stream caps are counted: this process, or (cluster mode) Redis, shared by every node. */
async function openLimits(config: Config, logId: string, log: Logger): Promise<Limits> {
  if (!config.redisUrl) return localLimits();
  const { openRedisLimits } = await import('./broker/redis-limits.ts');
  const limitsLog = log.child({ component: 'limits' });
  let lastWarn = 0;
  return openRedisLimits(config.redisUrl, {
    prefix: `natter:${logId}:`,
    // Limits fail open while Redis is down; say so at most every 10 s, not per request.
    onError: (what, err) => {
      if (Date.now() - lastWarn < 10_000) return;
      lastWarn = Date.now();
      limitsLog.warn({ err, what }, 'redis: shared limits unavailable, allowing (each node still caps its own streams)');
    },
  });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`natter: ${err.message}\n`);
    process.exit(2);
  }
  const log = pino({
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'password', 'token'],
  });
  log.info({ config: describeConfig(config) }, 'starting natter');
  const store = await openStore(config);
  const broker = await openBroker(config, store.logId, log);
  const limits = await openLimits(config, store.logId, log);
  const node = await startNode({ config, store, broker, limits, log });
  log.info({ url: node.url }, `natter listening on ${node.url}`);

  const shutdown = (signal: string): void => {
    log.info({ signal }, 'shutting down: closing streams, finishing requests');
    node.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main().catch((err: unknown) => {
  process.stderr.write(`natter: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
