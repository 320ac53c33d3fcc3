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
  /** One budget per address for login, register and guest together (preHandler hooks). */
  authLimit: SharedLimit;
  /** The posting route's rate-limit settings (false = disabled). */
  postLimit: RateLimitOptions | false;
  /** The NATTER_ACTION_RATE budget, one per user across every route that uses it: the route's `preHandler` (empty = disabled). */
  actionLimit: SharedLimit;
  /** NATTER_SEARCH_RATE per user on GET /search (empty = disabled). */
  searchLimit: SharedLimit;
  /** NATTER_UPLOAD_RATE per user on POST /uploads (empty = disabled). */
  uploadLimit: SharedLimit;
}

/** preHandler hooks that apply one shared budget (an empty list: the limit is disabled). */
export type SharedLimit = ((req: FastifyRequest, reply: FastifyReply) => Promise<void>)[];
