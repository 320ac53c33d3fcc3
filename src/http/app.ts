/**
 * The types every route module shares, apart from server.ts so that routes never
 * import the server that registers them.
 */
import type { RateLimitOptions } from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services.ts';

/** The Fastify instance of one node, with TypeBox types for routes. */
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** What every route module receives. In the authenticated scope `app` checks the session before every route. */
export interface RouteDeps {
  app: App;
  services: Services;
  /** Route rate-limit settings (false = disabled). */
  authLimit: RateLimitOptions | false;
  postLimit: RateLimitOptions | false;
  /** The NATTER_ACTION_RATE budget, one per user across every route that uses it: the route's `preHandler` (empty = disabled). */
  actionLimit: ActionLimit;
}

/** preHandler hooks that apply the shared action budget. */
export type ActionLimit = ((req: FastifyRequest, reply: FastifyReply) => Promise<void>)[];
