/** Accounts and sessions: register, login and guest (public); logout and me (authenticated). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuthResult } from '../../core/auth.ts';
import { AuthReply, Credentials, errors, GuestBody, LoginBody, PasswordBody, PeopleQuery, PeopleReply } from '../schemas.ts';
import type { RouteDeps } from '../app.ts';
import { COOKIE, sessionOf, tokenOf } from '../session.ts';
import { OwnUserReply, SessionsReply } from '../replies.ts';

/** The sign-in routes; they need no session. */
export async function authRoutes({ app, services, authLimit }: RouteDeps): Promise<void> {
  const { auth } = services;
  const tags = ['auth'];
  const signIn = async (req: FastifyRequest, reply: FastifyReply, result: AuthResult, status: number) => {
    void reply.setCookie(COOKIE, result.token, { httpOnly: true, sameSite: 'lax', path: '/', secure: services.config.cookieSecure || req.protocol === 'https' });
    // Your own user, with its private fields (API v1.1 Clarifications).
    return reply.status(status).send({ user: await services.email.own(result.user), token: result.token });
  };

  const reserved = 'Reserved usernames (room, here, everyone, channel, all, admin, root, system, natter; any case) are 409 username_taken; '
    + 'a username of only ".", "-" and "_" is 400 invalid_request.';
  const modes = 'NATTER_REGISTRATION=invite needs `invite` (403 invite_required without it, 403 invalid_invite when unknown, expired or used up; '
    + 'a use counts only when the account is made); closed: 403 registration_closed.';
  app.post('/api/v1/auth/register', {
    schema: { tags, body: Credentials, response: { 201: AuthReply, ...errors(403, 409, 429) }, description: `${reserved} ${modes}` },
    preHandler: authLimit,
  }, async (req, reply) => signIn(req, reply, await auth.register(req.body.username, req.body.password, req.headers['user-agent'], req.body.invite), 201));

  app.post('/api/v1/auth/login', {
    schema: { tags, body: LoginBody, response: { 200: AuthReply, ...errors(403, 429) }, description: 'A deactivated account with the right password: 403 account_deactivated.' },
    preHandler: authLimit,
  }, async (req, reply) => signIn(req, reply, await auth.login(req.body.username, req.body.password, req.headers['user-agent']), 200));

  app.post('/api/v1/auth/guest', {
    schema: { tags, body: GuestBody, response: { 201: AuthReply, ...errors(403, 409, 429) }, description: `${reserved} ${modes}` },
    preHandler: authLimit,
  }, async (req, reply) => signIn(req, reply, await auth.guest(req.body.username, req.headers['user-agent'], req.body.invite), 201));
}

/** The routes of a signed-in account (registered in the authenticated scope). */
export async function accountRoutes({ app, services, authLimit }: RouteDeps): Promise<void> {
  const tags = ['auth'];

  app.post('/api/v1/auth/password', {
    schema: {
      tags, body: PasswordBody, response: { 204: Type.Null(), ...errors(403, 429) },
      description: 'Change your password (v1.1 §5): every other session of yours ends, streams included. 403 wrong_password; '
        + 'current_password may be omitted when the account has none (single sign-on); guests and bots 403 forbidden; rate limited like login.',
    },
    preHandler: authLimit,
  }, async (req, reply) => {
    const session = sessionOf(req);
    for (const id of await services.auth.changePassword(session, req.body.current_password, req.body.new_password)) services.relay.sessionEnd(id, session.user.id);
    return reply.status(204).send(null);
  });

  app.post('/api/v1/auth/logout', {
    schema: { tags, response: { 204: Type.Null(), ...errors() } },
  }, async (req, reply) => {
    const session = sessionOf(req);
    await services.auth.logout(tokenOf(req)!.token);
    services.relay.sessionEnd(session.sessionId, session.user.id);
    void reply.clearCookie(COOKIE, { path: '/' });
    return reply.status(204).send(null);
  });

  const lifetimes = 'A session ends after NATTER_SESSION_IDLE_MS without use (default 30 days) or NATTER_SESSION_MAX_MS after it was made '
    + '(default 90 days); its token then gets 401 unauthenticated.';
  app.get('/api/v1/auth/sessions', {
    schema: { tags, description: `Your sessions, newest first. ${lifetimes}`, response: { 200: SessionsReply, ...errors() } },
  }, async (req) => ({ sessions: await services.auth.sessionsOf(sessionOf(req)) }));

  app.delete('/api/v1/auth/sessions/:id', {
    schema: { tags, description: 'End one of your sessions and its streams, on every node.', params: Type.Object({ id: Type.String({ maxLength: 32 }) }), response: { 204: Type.Null(), ...errors(404) } },
  }, async (req, reply) => {
    const session = sessionOf(req);
    await services.auth.endSession(session, req.params.id);
    services.relay.sessionEnd(req.params.id, session.user.id);
    if (req.params.id === session.sessionId) void reply.clearCookie(COOKIE, { path: '/' });
    return reply.status(204).send(null);
  });

  app.delete('/api/v1/auth/sessions', {
    schema: { tags, description: 'End every session of yours except this one (and their streams), on every node.', response: { 204: Type.Null(), ...errors() } },
  }, async (req, reply) => {
    const session = sessionOf(req);
    for (const id of await services.auth.endOtherSessions(session)) services.relay.sessionEnd(id, session.user.id);
    return reply.status(204).send(null);
  });

  app.get('/api/v1/users', {
    schema: {
      tags: ['users'],
      description: 'People whose username starts with q (case-insensitively), by username, with presence: for a people picker.',
      querystring: PeopleQuery,
      response: { 200: PeopleReply, ...errors() },
    },
  }, async (req) => ({ users: await services.finder.people(req.query.q ?? '', req.query.limit ?? 20) }));

  app.get('/api/v1/me', {
    schema: { tags, description: 'Your own user, with its private fields (v1.1); the same as GET /api/v1/users/me.', response: { 200: OwnUserReply, ...errors() } },
  }, async (req) => ({ user: await services.email.own(req.user) }));
}
