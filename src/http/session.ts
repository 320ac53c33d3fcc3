/**
 * Authentication at the edge: a session from `Authorization: Bearer <token>` or
 * the `natter_session` cookie, and the CSRF rule for cookie-authenticated state
 * changes (they must carry `X-Requested-With: natter`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Auth, Session } from '../core/auth.ts';
import { ChatError } from '../core/errors.ts';
import type { User } from '../core/types.ts';
import type { App } from './app.ts';

export const COOKIE = 'natter_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireSession; null on public routes. */
    session: Session | null;
    /** The signed-in user of an authenticated route (throws 401 elsewhere). */
    readonly user: User;
  }
}

/** Add `request.session` and the `request.user` getter. */
export function decorateSession(app: App): void {
  app.decorateRequest('session', null);
  app.decorateRequest('user', {
    getter(this: FastifyRequest) {
      return sessionOf(this).user;
    },
  });
}

/** The token a request carries, and whether it came from the cookie. */
export function tokenOf(req: FastifyRequest): { token: string; viaCookie: boolean } | null {
  const h = req.headers.authorization;
  if (h !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? { token: m[1]!, viaCookie: false } : null;
  }
  const c = req.cookies[COOKIE];
  return c ? { token: c, viaCookie: true } : null;
}

/** onRequest hook of the authenticated scope (http/server.ts): 401 without one, 403 `csrf` for a cookie state change without the header. */
export function requireSession(auth: Auth) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const t = tokenOf(req);
    const session = t ? await auth.resolve(t.token) : null;
    if (!session || !t) throw new ChatError('unauthenticated', 'sign in first: send a session cookie or an Authorization: Bearer token');
    if (t.viaCookie && req.method !== 'GET' && req.method !== 'HEAD' && req.headers['x-requested-with'] !== 'natter') {
      throw new ChatError('csrf', 'cookie-authenticated changes need the header X-Requested-With: natter');
    }
    req.session = session;
  };
}

/** The session of an authenticated route (set by requireSession). */
export function sessionOf(req: FastifyRequest): Session {
  if (!req.session) throw new ChatError('unauthenticated', 'sign in first');
  return req.session;
}
