/** Operations: liveness, readiness, Prometheus metrics. */
import { Type } from 'typebox';
import type { RouteDeps } from '../app.ts';

export async function opsRoutes({ app, services }: RouteDeps): Promise<void> {
  const tags = ['operations'];
  app.get('/healthz', { schema: { tags, response: { 200: Type.Object({ status: Type.String() }) } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags } }, async (_req, reply) => {
    const check = async (what: string, ping: () => Promise<void>): Promise<string | null> => {
      try {
        await ping();
        return null;
      } catch {
        return what;
      }
    };
    const down = (await Promise.all([
      check('store', () => services.store.ping()),
      check('broker', () => services.broker.ping()),
    ])).filter((x) => x !== null);
    if (down.length > 0) return reply.status(503).send({ status: 'unavailable', down });
    return { status: 'ready' };
  });

  app.get('/metrics', { schema: { tags, hide: true } }, async (_req, reply) => {
    const reg = services.metrics.registry;
    return reply.type(reg.contentType).send(await reg.metrics());
  });
}
