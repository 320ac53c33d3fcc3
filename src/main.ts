/**
 * The composition root: loadConfig → store → broker → services → http → shutdown.
 * Implementations (SQLite, PostgreSQL, Redis) are chosen here and nowhere else.
 */
import { pino, type Logger } from 'pino';
import { LocalBroker } from './broker/local-broker.ts';
import type { Broker } from './broker/broker.ts';
import { ConfigError, describeConfig, loadConfig, type Config } from './config.ts';
import { trackConnections } from './http/drain.ts';
import { buildServer } from './http/server.ts';
import { createServices } from './services.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';
import type { Store } from './storage/store.ts';

/** How long in-flight requests may take to finish after SIGTERM before their connections are closed. */
const SHUTDOWN_GRACE_MS = 10_000;

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
  const services = await createServices(config, store, broker, { onError: (what, err) => log.error({ err, what }, 'background error') });
  const app = await buildServer(services, { logger: log });
  app.addHook('preClose', async () => services.stop());
  const connections = trackConnections(app.server);
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  log.info({ port, url: `http://${config.host}:${port}` }, `natter listening on http://${config.host}:${port}`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: closing streams, finishing requests');
    // Keep closing connections without a request in flight while in-flight requests finish (see
    // http/drain.ts for why server.close() alone is not enough); give those requests 10 s at most.
    connections.reapUnused();
    const reaper = setInterval(() => connections.reapUnused(), 100);
    const deadline = setTimeout(() => connections.closeAll(), SHUTDOWN_GRACE_MS);
    reaper.unref();
    deadline.unref();
    try {
      await app.close();
      clearInterval(reaper);
      clearTimeout(deadline);
      await broker.close();
      await store.close();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main().catch((err: unknown) => {
  process.stderr.write(`natter: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
