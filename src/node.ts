/**
 * One Natter node: the core services and the HTTP server around a store and a
 * broker, listening, with its shutdown in one place. main.ts runs one per
 * process; tests run one or several in a process (fastify/demo's app/server/
 * test-helper split).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Broker } from './broker/broker.ts';
import type { Config } from './config.ts';
import { localLimits, type Limits } from './core/limits.ts';
import type { App } from './http/app.ts';
import { trackConnections } from './http/drain.ts';
import { buildServer } from './http/server.ts';
import { createServices, type Services } from './services.ts';
import type { Store } from './storage/store.ts';

/** How long in-flight requests may take to finish after close() starts before their connections are closed. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface NodeOptions {
  config: Config;
  /** Owned by the node from here on: close() closes it. */
  store: Store;
  /** Owned by the node from here on: close() closes it. */
  broker: Broker;
  /** Owned by the node from here on: close() closes it. Default: this node's own (core/limits.ts localLimits). */
  limits?: Limits;
  /** pino logger for requests and background errors; silent when omitted. */
  log?: FastifyBaseLogger;
}

export interface RunningNode {
  app: App;
  services: Services;
  /** http://host:port it listens on (the real port when config.port is 0). */
  url: string;
  /**
   * Ordered and idempotent (STYLE habit 15): stop accepting and let in-flight
   * requests finish (SHUTDOWN_GRACE_MS at most), end the streams (clients resume),
   * close the broker and the limits, then the store.
   */
  close(): Promise<void>;
}

/** Build a node and listen on config.host:config.port. */
export async function startNode({ config, store, broker, limits = localLimits(), log }: NodeOptions): Promise<RunningNode> {
  const services = await createServices(config, store, broker, {
    onError: (what, err) => log?.error({ err, what }, 'background error'),
    limits,
  });
  const app = await buildServer(services, { logger: log });
  app.addHook('preClose', async () => services.stop());
  const connections = trackConnections(app.server);
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;

  let closing: Promise<void> | null = null;
  const shutdown = async (): Promise<void> => {
    // Keep closing connections without a request in flight while in-flight requests finish (see
    // http/drain.ts for why server.close() alone is not enough); give those requests the grace period.
    connections.reapUnused();
    const reaper = setInterval(() => connections.reapUnused(), 100);
    const deadline = setTimeout(() => connections.closeAll(), SHUTDOWN_GRACE_MS);
    reaper.unref();
    deadline.unref();
    try {
      await app.close();
    } finally {
      clearInterval(reaper);
      clearTimeout(deadline);
    }
    await broker.close();
    await limits.close();
    await store.close();
  };
  return {
    app, services,
    url: `http://${config.host}:${port}`,
    close: () => (closing ??= shutdown()),
  };
}
