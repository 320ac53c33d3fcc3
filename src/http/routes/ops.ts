/** Operations: liveness, readiness, Prometheus metrics, and what the server enables (GET /api/v1/server). */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Type } from 'typebox';
import { ChatError } from '../../core/errors.ts';
import type { RouteDeps } from '../app.ts';
import { ServerReply } from '../replies.ts';

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

  // What this server enables (API v1.1 Conventions). Features that are not built yet say false.
  app.get('/api/v1/server', {
    schema: {
      tags,
      description: 'What this server enables; no authentication.',
      response: { 200: ServerReply },
    },
  }, async () => ({
    version: '1.1', registration: services.config.registration, guests: services.config.guests, oidc: services.oidc !== null,
    uploads: services.config.uploads, max_upload: services.config.uploads ? services.config.maxUpload : 0,
    push: services.config.push, previews: services.config.previews, email: services.email.enabled,
    ...(services.config.oidc && { oidc_name: services.config.oidc.name }),
  }));

  const token = services.config.metricsToken;
  app.get('/metrics', {
    schema: { tags, hide: true, description: 'With NATTER_METRICS_TOKEN set: needs Authorization: Bearer <it>, else 401 unauthenticated.' },
  }, async (req, reply) => {
    if (token !== null && !bearerMatches(req.headers.authorization, token)) {
      throw new ChatError('unauthenticated', 'metrics need Authorization: Bearer <NATTER_METRICS_TOKEN>');
    }
    const reg = services.metrics.registry;
    return reply.type(reg.contentType).send(await reg.metrics());
  });
}

/** `Authorization: Bearer <token>`, compared in constant time (both sides hashed to one length first). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}
