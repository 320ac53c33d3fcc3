/**
 * Single sign-on (API v1.1 §5): `GET /api/v1/auth/oidc/start` and `GET /api/v1/auth/oidc/callback`, browser
 * navigations that answer with redirects. Registered only when NATTER_OIDC_* configure it (else both are 404).
 * They need no session: a valid session cookie at the start makes the flow link the identity to that account.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OIDC_COOKIE, OIDC_FLOW_MS } from '../../core/oidc.ts';
import type { RouteDeps } from '../app.ts';
import { COOKIE } from '../session.ts';

const PATH = '/api/v1/auth/oidc';

export async function oidcRoutes({ app, services, authLimit }: RouteDeps): Promise<void> {
  const { oidc, auth, config } = services;
  if (!oidc) return;
  const tags = ['auth'];
  const secure = (req: FastifyRequest): boolean => config.cookieSecure || req.protocol === 'https';
  const search = (req: FastifyRequest): string => {
    const q = req.url.indexOf('?');
    return q < 0 ? '' : req.url.slice(q);
  };
  /** The request's session cookie and its account, if it is valid. */
  const signedIn = async (req: FastifyRequest): Promise<{ token: string; userId: string } | null> => {
    const token = req.cookies[COOKIE];
    const session = token ? await auth.resolve(token) : null;
    return token && session ? { token, userId: session.user.id } : null;
  };
  const redirect = (reply: FastifyReply, location: string) => reply.redirect(location, 302);

  app.get(`${PATH}/start`, {
    schema: {
      tags,
      description: 'Starts single sign-on: 302 to the provider (authorization code flow, PKCE S256, state, nonce, scope "openid profile email"). '
        + 'Query: return_to, a path of this site to land on afterwards (default /; anything else is replaced by /). '
        + 'Started with a valid session cookie, the flow links the provider identity to that account instead of signing in. '
        + 'The flow is kept in the HttpOnly cookie natter_oidc for 10 minutes.',
    },
  }, async (req, reply) => {
    const returnTo = new URLSearchParams(search(req)).get('return_to');
    const started = await oidc.start(returnTo, (await signedIn(req))?.userId ?? null);
    if (started.cookie) {
      void reply.setCookie(OIDC_COOKIE, started.cookie, { httpOnly: true, sameSite: 'lax', path: PATH, maxAge: OIDC_FLOW_MS / 1000, secure: secure(req) });
    }
    return redirect(reply, started.location);
  });

  app.get(`${PATH}/callback`, {
    schema: {
      tags,
      description: 'Where the provider returns: checks state, exchanges the code, validates the ID token, then signs in (session cookie) or links, '
        + 'and redirects (302) to return_to. Failures redirect to /?oidc_error=invalid_state | oidc_failed | account_deactivated | already_linked.',
    },
    preHandler: authLimit,
  }, async (req, reply) => {
    const outcome = await oidc.finish(search(req), req.cookies[OIDC_COOKIE], await signedIn(req), req.headers['user-agent']);
    void reply.clearCookie(OIDC_COOKIE, { path: PATH });
    // The session cookie exactly as password sign-in sets it (routes/auth.ts).
    if (outcome.token) void reply.setCookie(COOKIE, outcome.token, { httpOnly: true, sameSite: 'lax', path: '/', secure: secure(req) });
    return redirect(reply, outcome.location);
  });
}
