/** Messages: post, history, edit, delete, reactions, typing, read markers. */
import { Type } from 'typebox';
import { EditBody, errors, HistoryQuery, MessageParams, MessageReply, PostBody, ReactionParams, ReadBody, RoomParams } from '../schemas.ts';
import type { RouteDeps } from '../app.ts';
import { HistoryReply } from '../replies.ts';

export async function messageRoutes({ app, services, postLimit, actionLimit }: RouteDeps): Promise<void> {
  const { chat } = services;
  const tags = ['messages'];
  const noContent = { 204: Type.Null(), ...errors(404) };

  app.post('/api/v1/rooms/:room/messages', {
    schema: { tags, params: RoomParams, body: PostBody, response: { 200: MessageReply, 201: MessageReply, ...errors(404, 429) } },
    config: { rateLimit: postLimit },
  }, async (req, reply) => {
    const { text = '', client_id = null, reply_to = null, attachments = [] } = req.body;
    const { message, created } = await chat.post(req.user, req.params.room, text, client_id, reply_to, attachments);
    return reply.status(created ? 201 : 200).send({ message });
  });

  app.get('/api/v1/rooms/:room/messages', {
    schema: { tags, params: RoomParams, querystring: HistoryQuery, response: { 200: HistoryReply, ...errors(404) } },
  }, async (req) => ({ messages: await chat.history(req.user, req.params.room, req.query) }));

  app.patch('/api/v1/rooms/:room/messages/:id', {
    schema: { tags, params: MessageParams, body: EditBody, response: { 200: MessageReply, ...errors(404, 409, 429) } },
    preHandler: actionLimit,
  }, async (req) => ({ message: await chat.edit(req.user, req.params.room, req.params.id, req.body.text) }));

  app.delete('/api/v1/rooms/:room/messages/:id', {
    schema: { tags, params: MessageParams, response: { ...noContent, ...errors(404, 429) } },
    preHandler: actionLimit,
  }, async (req, reply) => {
    await chat.remove(req.user, req.params.room, req.params.id);
    return reply.status(204).send(null);
  });

  for (const method of ['PUT', 'DELETE'] as const) {
    app.route({
      method,
      url: '/api/v1/rooms/:room/messages/:id/reactions/:emoji',
      schema: {
        tags, params: ReactionParams, response: { ...noContent, ...errors(404, 409, 429) },
        description: 'A message holds at most 20 distinct emoji: a new one beyond that is 409 limit_reached (removing one makes room).',
      },
      preHandler: actionLimit,
      handler: async (req, reply) => {
        await chat.react(req.user, req.params.room, req.params.id, req.params.emoji, method === 'PUT');
        return reply.status(204).send(null);
      },
    });
  }

  app.post('/api/v1/rooms/:room/typing', {
    schema: {
      tags, params: RoomParams, response: noContent,
      description: 'Never refused; at most one typing event per user and room goes out per 2 s (later ones within 2 s of the last one sent are dropped).',
    },
  }, async (req, reply) => {
    await chat.typing(req.user, req.params.room);
    return reply.status(204).send(null);
  });

  app.post('/api/v1/rooms/:room/read', {
    schema: { tags, params: RoomParams, body: ReadBody, response: { ...noContent, ...errors(404, 429) } },
    preHandler: actionLimit,
  }, async (req, reply) => {
    await chat.markRead(req.user, req.params.room, req.body.seq);
    return reply.status(204).send(null);
  });
}
