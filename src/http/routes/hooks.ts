/**
 * Webhooks (API v1.1 §6): a room's hooks (authenticated scope: rights through core/hooks.ts), and the incoming
 * URL `POST /api/v1/hooks/:secret`, whose secret is its only credential: it is registered outside the
 * authenticated scope, resolves the hook and its bot before anything else (so the bot's posting limit applies),
 * and takes JSON or Slack's form-encoded `payload=`.
 */
import { Type } from 'typebox';
import { invalid } from '../../core/errors.ts';
import type { FastifyRequest } from 'fastify';
import type { HookRecord } from '../../storage/hooks.ts';
import type { App, RouteDeps } from '../app.ts';
import { errors, MessageReply, RoomParams } from '../schemas.ts';
import { HookReply, HooksReply } from '../replies.ts';

const HookParams = Type.Object({ room: Type.String({ maxLength: 200 }), id: Type.String({ maxLength: 32 }) });
const NewHookBody = Type.Union([
  Type.Object({ kind: Type.Literal('incoming'), bot: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
  Type.Object({
    kind: Type.Literal('outgoing'), url: Type.String({ maxLength: 4096 }), events: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 }),
    include_bots: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false }),
]);

export async function hookRoutes({ app, services, actionLimit }: RouteDeps): Promise<void> {
  const { hooks } = services;
  const tags = ['hooks'];

  app.post('/api/v1/rooms/:room/hooks', {
    schema: {
      tags, params: RoomParams, body: NewHookBody, response: { 201: HookReply, ...errors(404, 409, 429) },
      description: 'Incoming (any member, with a bot you own; the bot joins) or outgoing (room owner or admin). The incoming URL or '
        + 'the signing secret is shown only here. 400 invalid_url; 409 limit_reached beyond 20 hooks per room.',
    },
    preHandler: actionLimit,
  }, async (req, reply) => reply.status(201).send({ hook: await hooks.create(req.user, req.params.room, req.body) }));

  app.get('/api/v1/rooms/:room/hooks', {
    schema: {
      tags, params: RoomParams, response: { 200: HooksReply, ...errors(404) },
      description: "Oldest first, without secrets: every hook for the room's owners and admins, else those you created.",
    },
  }, async (req) => ({ hooks: await hooks.list(req.user, req.params.room) }));

  app.get('/api/v1/rooms/:room/hooks/:id', {
    schema: { tags, params: HookParams, response: { 200: HookReply, ...errors(404) }, description: 'A hook with its delivery status.' },
  }, async (req) => ({ hook: await hooks.get(req.user, req.params.room, req.params.id) }));

  app.patch('/api/v1/rooms/:room/hooks/:id', {
    schema: {
      tags, params: HookParams, body: Type.Object({ active: Type.Boolean() }, { additionalProperties: false }),
      response: { 200: HookReply, ...errors(404, 429) }, description: 'Pause or resume an outgoing hook (delivery waits, skipping nothing).',
    },
    preHandler: actionLimit,
  }, async (req) => ({ hook: await hooks.setActive(req.user, req.params.room, req.params.id, req.body.active) }));

  app.delete('/api/v1/rooms/:room/hooks/:id', {
    schema: { tags, params: HookParams, response: { 204: Type.Null(), ...errors(404, 429) }, description: 'An incoming URL stops working at once.' },
    preHandler: actionLimit,
  }, async (req, reply) => {
    await hooks.remove(req.user, req.params.room, req.params.id);
    return reply.status(204).send(null);
  });
}

/** `POST /api/v1/hooks/:secret`, in a scope of its own (outside the session check, with a form parser). */
export async function incomingHookRoutes({ app, services, postLimit }: RouteDeps): Promise<void> {
  const { hooks, chat } = services;
  /** The hook each request's onRequest resolved. */
  const resolved = new WeakMap<FastifyRequest, HookRecord>();
  await app.register(async (scope: App) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      const form = new URLSearchParams(body as string);
      const payload = form.get('payload');
      if (payload === null) return done(null, Object.fromEntries(form));
      try {
        done(null, JSON.parse(payload));
      } catch {
        done(invalid('payload: not JSON'), undefined);
      }
    });
    // The hook's bot is the caller: resolved first, so the posting limit (keyed by the session's user) is the bot's.
    scope.addHook('onRequest', async (req) => {
      const { hook, bot } = await hooks.incoming((req.params as { secret: string }).secret);
      req.session = { user: bot, sessionId: `hook:${hook.id}` };
      resolved.set(req, hook);
    });
    scope.post('/api/v1/hooks/:secret', {
      schema: {
        tags: ['hooks'], params: Type.Object({ secret: Type.String({ maxLength: 200 }) }), body: Type.Unknown(),
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
        response: { 200: MessageReply, ...errors(404, 429) },
        description: 'Post as the hook\'s bot: {"text","username?"} as JSON, or form-encoded payload=<that JSON> (Slack\'s format); '
          + 'username becomes message.alias. A repeated Idempotency-Key (1-64 characters) on the same hook returns the original message.',
        security: [],
      },
      config: { rateLimit: postLimit },
    }, async (req) => {
      const hook = resolved.get(req)!;
      const { text, alias, clientId } = hooks.incomingPost(hook, req.body, req.headers['idempotency-key']);
      return { message: (await chat.post(req.user, hook.room, text, clientId, null, [], alias)).message };
    });
  });
}
