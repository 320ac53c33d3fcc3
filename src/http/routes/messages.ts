/** Messages: post, history, edit, delete, reactions, typing, read markers. */
import { Type } from 'typebox';
import { EditBody, errors, HistoryQuery, MessageParams, MessageReply, MessageSchema, PostBody, ReactionParams, ReadBody, RoomParams } from '../schemas.ts';
import { requireSession, sessionOf } from '../session.ts';
import type { RouteDeps } from '../server.ts';

export async function messageRoutes({ app, services, postLimit }: RouteDeps): Promise<void> {
  const { chat } = services;
  const onRequest = requireSession(services.auth);
  const tags = ['messages'];
  const user = (req: Parameters<typeof sessionOf>[0]) => sessionOf(req).user;
  const noContent = { 204: Type.Null(), ...errors(404) };

  app.post('/api/v1/rooms/:room/messages', {
    schema: { tags, params: RoomParams, body: PostBody, response: { 200: MessageReply, 201: MessageReply, ...errors(404, 429) } },
    onRequest,
    config: { rateLimit: postLimit },
  }, async (req, reply) => {
    const { message, created } = await chat.post(user(req), req.params.room, req.body.text, req.body.client_id ?? null);
    return reply.status(created ? 201 : 200).send({ message });
  });

  app.get('/api/v1/rooms/:room/messages', {
    schema: { tags, params: RoomParams, querystring: HistoryQuery, response: { 200: Type.Object({ messages: Type.Array(MessageSchema) }), ...errors(404) } },
    onRequest,
  }, async (req) => ({ messages: await chat.history(user(req), req.params.room, req.query) }));

  app.patch('/api/v1/rooms/:room/messages/:id', {
    schema: { tags, params: MessageParams, body: EditBody, response: { 200: MessageReply, ...errors(404, 409) } },
    onRequest,
  }, async (req) => ({ message: await chat.edit(user(req), req.params.room, req.params.id, req.body.text) }));

  app.delete('/api/v1/rooms/:room/messages/:id', {
    schema: { tags, params: MessageParams, response: noContent },
    onRequest,
  }, async (req, reply) => {
    await chat.remove(user(req), req.params.room, req.params.id);
    return reply.status(204).send(null);
  });

  for (const method of ['PUT', 'DELETE'] as const) {
    app.route({
      method,
      url: '/api/v1/rooms/:room/messages/:id/reactions/:emoji',
      schema: { tags, params: ReactionParams, response: { ...noContent, ...errors(404, 409) } },
      onRequest,
      handler: async (req, reply) => {
        await chat.react(user(req), req.params.room, req.params.id, req.params.emoji, method === 'PUT');
        return reply.status(204).send(null);
      },
    });
  }

  app.post('/api/v1/rooms/:room/typing', {
    schema: { tags, params: RoomParams, response: noContent },
    onRequest,
  }, async (req, reply) => {
    await chat.typing(user(req), req.params.room);
    return reply.status(204).send(null);
  });

  app.post('/api/v1/rooms/:room/read', {
    schema: { tags, params: RoomParams, body: ReadBody, response: noContent },
    onRequest,
  }, async (req, reply) => {
    await chat.markRead(user(req), req.params.room, req.body.seq);
    return reply.status(204).send(null);
  });
}
