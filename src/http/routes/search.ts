/** v1.1 §1-2: search, the mentions inbox and notification levels (registered in the authenticated scope). */
import type { RouteDeps } from '../app.ts';
import { errors, InboxQuery, InboxReply, LevelBody, RoomParams, RoomReply, SearchQuery, SearchReply } from '../schemas.ts';

export async function searchRoutes({ app, services, searchLimit }: RouteDeps): Promise<void> {
  const { finder, chat } = services;

  app.get('/api/v1/search', {
    schema: {
      tags: ['search'],
      description: 'Messages you may read now (public rooms; private rooms and DMs you are a member of) that contain every term, '
        + 'matched as substrings after folding (NFKD, marks removed, lower-case); newest first; with highlights. 400 invalid_cursor for a malformed cursor.',
      querystring: SearchQuery,
      response: { 200: SearchReply, ...errors(404, 429) },
    },
    preHandler: searchLimit,
  }, async (req) => finder.search(req.user, req.query));

  app.get('/api/v1/mentions', {
    schema: { tags: ['search'], description: 'Messages that mention you, newest first, with why and whether read.', querystring: InboxQuery, response: { 200: InboxReply, ...errors() } },
  }, async (req) => finder.mentions(req.user, req.query));

  app.put('/api/v1/rooms/:room/notifications', {
    schema: {
      tags: ['rooms'],
      description: 'Your notification level in a room you are a member of (403 in a public room not joined); your streams get notification_level.',
      params: RoomParams,
      body: LevelBody,
      response: { 200: RoomReply, ...errors(404) },
    },
  }, async (req) => ({ room: await chat.setNotificationLevel(req.user, req.params.room, req.body.level) }));
}
