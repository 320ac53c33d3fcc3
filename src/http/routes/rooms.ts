/** Rooms, membership and direct messages. */
import { Type } from 'typebox';
import { AddMemberBody, CreateRoomBody, errors, MemberParams, MembersQuery, PatchRoomBody, RoomParams, RoomReply } from '../schemas.ts';
import type { RouteDeps } from '../app.ts';
import { MembersReply, RoomsReply } from '../replies.ts';

export async function roomRoutes({ app, services, actionLimit }: RouteDeps): Promise<void> {
  const { chat } = services;
  const tags = ['rooms'];

  app.get('/api/v1/rooms', {
    schema: { tags, response: { 200: RoomsReply, ...errors() } },
  }, async (req) => chat.listRooms(req.user));

  app.post('/api/v1/rooms', {
    schema: { tags, body: CreateRoomBody, response: { 201: RoomReply, ...errors(409, 429) } },
    preHandler: actionLimit,
  }, async (req, reply) => {
    const room = await chat.createRoom(req.user, { name: req.body.name, topic: req.body.topic, visibility: req.body.visibility ?? 'public' });
    return reply.status(201).send({ room });
  });

  app.get('/api/v1/rooms/:room', {
    schema: { tags, params: RoomParams, response: { 200: RoomReply, ...errors(404) } },
  }, async (req) => ({ room: await chat.getRoom(req.user, req.params.room) }));

  app.patch('/api/v1/rooms/:room', {
    schema: { tags, params: RoomParams, body: PatchRoomBody, response: { 200: RoomReply, ...errors(404, 429) } },
    preHandler: actionLimit,
  }, async (req) => ({ room: await chat.updateRoom(req.user, req.params.room, req.body) }));

  app.post('/api/v1/rooms/:room/join', {
    schema: { tags, params: RoomParams, response: { 200: RoomReply, ...errors(404, 429) } },
    preHandler: actionLimit,
  }, async (req) => ({ room: await chat.join(req.user, req.params.room) }));

  app.post('/api/v1/rooms/:room/leave', {
    schema: { tags, params: RoomParams, response: { 204: Type.Null(), ...errors(404, 429) } },
    preHandler: actionLimit,
  }, async (req, reply) => {
    await chat.leave(req.user, req.params.room);
    return reply.status(204).send(null);
  });

  // v1 (no limit, no cursor): {members}, owners first. Paged (API v1.1 §7): {members, next} by username.
  app.get('/api/v1/rooms/:room/members', {
    schema: {
      tags, params: RoomParams, querystring: MembersQuery,
      response: {
        200: MembersReply,
        ...errors(404),
      },
    },
  }, async (req) => {
    const { limit, cursor } = req.query;
    if (limit === undefined && cursor === undefined) return { members: await chat.members(req.user, req.params.room) };
    return chat.membersPage(req.user, req.params.room, { limit, cursor });
  });

  app.post('/api/v1/rooms/:room/members', {
    schema: { tags, params: RoomParams, body: AddMemberBody, response: { 200: RoomReply, ...errors(404, 429) } },
    preHandler: actionLimit,
  }, async (req) => ({ room: await chat.addMember(req.user, req.params.room, req.body.username) }));

  app.delete('/api/v1/rooms/:room/members/:username', {
    schema: { tags, params: MemberParams, response: { 204: Type.Null(), ...errors(404, 429) } },
    preHandler: actionLimit,
  }, async (req, reply) => {
    await chat.removeMember(req.user, req.params.room, req.params.username);
    return reply.status(204).send(null);
  });

  app.post('/api/v1/dm/:username', {
    schema: { tags, params: Type.Object({ username: Type.String({ maxLength: 200 }) }), response: { 200: RoomReply, ...errors(404) } },
  }, async (req) => ({ room: await chat.openDm(req.user, req.params.username) }));
}
