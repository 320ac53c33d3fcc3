/**
 * Bots (API v1.1 §6): create one (its token shown once), list yours, rotate a token, delete. Rights are
 * core/rights.ts's, through core/bots.ts; registered in the authenticated scope (CSRF rule applies).
 */
import { Type } from 'typebox';
import type { RouteDeps } from '../app.ts';
import { errors, Username } from '../schemas.ts';
import { BotCreatedReply, BotsReply, TokenReply } from '../replies.ts';

const Params = Type.Object({ username: Username });

export async function botRoutes({ app, services, actionLimit }: RouteDeps): Promise<void> {
  const { bots } = services;
  const tags = ['bots'];

  app.post('/api/v1/bots', {
    schema: {
      tags, description: 'A bot you own (kind "bot", member of general); its token is shown only here and never expires. '
        + '409 limit_reached beyond 20 active bots; guests and bots 403.',
      body: Type.Object({
        username: Type.String({ maxLength: 200 }),
        display_name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
      }, { additionalProperties: false }),
      response: { 201: BotCreatedReply, ...errors(409, 429) },
    },
    preHandler: actionLimit,
  }, async (req, reply) => reply.status(201).send(await bots.create(req.user, req.body)));

  app.get('/api/v1/bots', {
    schema: { tags, description: 'Your bots, deactivated ones too (an admin: every bot), by username.', response: { 200: BotsReply } },
  }, async (req) => ({ bots: await bots.list(req.user) }));

  app.post('/api/v1/bots/:username/token', {
    schema: {
      tags, description: "A new token (the bot's owner or an admin); the old token and its streams end at once.",
      params: Params, response: { 200: TokenReply, ...errors(404, 429) },
    },
    preHandler: actionLimit,
  }, async (req) => ({ token: await bots.rotate(req.user, req.params.username) }));

  app.delete('/api/v1/bots/:username', {
    schema: {
      tags, description: 'Deactivate the bot (owner or admin): user_updated; its token and streams end; its messages stay.',
      params: Params, response: { 204: Type.Null(), ...errors(404, 429) },
    },
    preHandler: actionLimit,
  }, async (req, reply) => {
    await bots.remove(req.user, req.params.username);
    return reply.status(204).send(null);
  });
}
