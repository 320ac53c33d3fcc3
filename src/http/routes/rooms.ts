/** Rooms, membership and direct messages. */
import { Type } from 'typebox';
import { AddMemberBody, CreateRoomBody, errors, MemberParams, PatchRoomBody, RoomParams, RoomReply, RoomSchema, UserRefSchema } from '../schemas.ts';
import { requireSession, sessionOf } from '../session.ts';
import type { RouteDeps } from '../server.ts';

export async function roomRoutes({ app, services }: RouteDeps): Promise<void> {
  const { chat } = services;
  const onRequest = requireSession(services.auth);
  const tags = ['rooms'];
  const user = (req: Parameters<typeof sessionOf>[0]) => sessionOf(req).user;

  app.get('/api/v1/rooms', {
    schema: { tags, response: { 200: Type.Object({ rooms: Type.Array(RoomSchema), cursor: Type.String() }), ...errors() } },
    onRequest,
  }, async (req) => chat.listRooms(user(req)));

  app.post('/api/v1/rooms', {
    schema: { tags, body: CreateRoomBody, response: { 201: RoomReply, ...errors(409) } },
    onRequest,
  }, async (req, reply) => {
    const room = await chat.createRoom(user(req), { name: req.body.name, topic: req.body.topic, visibility: req.body.visibility ?? 'public' });
    return reply.status(201).send({ room });
  });

  app.get('/api/v1/rooms/:room', {
    schema: { tags, params: RoomParams, response: { 200: RoomReply, ...errors(404) } },
    onRequest,
  }, async (req) => ({ room: await chat.getRoom(user(req), req.params.room) }));

  app.patch('/api/v1/rooms/:room', {
    schema: { tags, params: RoomParams, body: PatchRoomBody, response: { 200: RoomReply, ...errors(404) } },
    onRequest,
  }, async (req) => ({ room: await chat.updateRoom(user(req), req.params.room, req.body) }));

  app.post('/api/v1/rooms/:room/join', {
    schema: { tags, params: RoomParams, response: { 200: RoomReply, ...errors(404) } },
    onRequest,
  }, async (req) => ({ room: await chat.join(user(req), req.params.room) }));

  app.post('/api/v1/rooms/:room/leave', {
    schema: { tags, params: RoomParams, response: { 204: Type.Null(), ...errors(404) } },
    onRequest,
  }, async (req, reply) => {
    await chat.leave(user(req), req.params.room);
    return reply.status(204).send(null);
  });

  app.get('/api/v1/rooms/:room/members', {
    schema: {
      tags, params: RoomParams,
      response: { 200: Type.Object({ members: Type.Array(Type.Object({ user: UserRefSchema, role: Type.String(), online: Type.Boolean() })) }), ...errors(404) },
    },
    onRequest,
  }, async (req) => ({ members: await chat.members(user(req), req.params.room) }));

  app.post('/api/v1/rooms/:room/members', {
    schema: { tags, params: RoomParams, body: AddMemberBody, response: { 200: RoomReply, ...errors(404) } },
    onRequest,
  }, async (req) => ({ room: await chat.addMember(user(req), req.params.room, req.body.username) }));

  app.delete('/api/v1/rooms/:room/members/:username', {
    schema: { tags, params: MemberParams, response: { 204: Type.Null(), ...errors(404) } },
    onRequest,
  }, async (req, reply) => {
    await chat.removeMember(user(req), req.params.room, req.params.username);
    return reply.status(204).send(null);
  });

  app.post('/api/v1/dm/:username', {
    schema: { tags, params: Type.Object({ username: Type.String({ maxLength: 200 }) }), response: { 200: RoomReply, ...errors(404) } },
    onRequest,
  }, async (req) => ({ room: await chat.openDm(user(req), req.params.username) }));
}
