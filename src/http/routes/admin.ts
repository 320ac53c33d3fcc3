/**
 * Administration routes (API v1.1 §5): users, every room, invites. For admins only (403 forbidden for others,
 * decided by core/rights.ts through core/admin.ts); registered in the authenticated scope (CSRF rule applies).
 */
import { Type } from 'typebox';
import { INVITE_TTL_MAX_S, INVITE_USES_MAX } from '../../core/admin.ts';
import type { RouteDeps } from '../app.ts';
import { errors, Username } from '../schemas.ts';
import { AdminRoomsReply, AdminUsersReply, InviteReply, InvitesReply, OwnUserReply } from '../replies.ts';


export async function adminRoutes({ app, services, actionLimit }: RouteDeps): Promise<void> {
  const { admin } = services;
  const tags = ['admin'];

  app.get('/api/v1/admin/users', {
    schema: {
      tags, description: 'Accounts by username, with their private fields; q filters by username prefix.',
      querystring: Type.Object({
        q: Type.Optional(Type.String({ maxLength: 32 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        cursor: Type.Optional(Type.String({ maxLength: 300 })),
      }),
      response: { 200: AdminUsersReply, ...errors(403) },
    },
  }, async (req) => admin.users(req.user, req.query));

  app.patch('/api/v1/admin/users/:username', {
    schema: {
      tags,
      description: 'Change a user\'s activation, role or email (set by an admin: verified); emits user_updated. Deactivation ends every '
        + 'session and stream of the user on every node and deletes their push subscriptions. 409 last_admin if no active admin would '
        + 'remain; 400 invalid_request to change a guest\'s role.',
      params: Type.Object({ username: Username }),
      body: Type.Object({
        active: Type.Optional(Type.Boolean()),
        role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('member')])),
        email: Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Null()])),
      }, { additionalProperties: false }),
      response: { 200: OwnUserReply, ...errors(403, 404, 409, 429) },
    },
    preHandler: actionLimit,
  }, async (req) => ({ user: await admin.updateUser(req.user, req.params.username, req.body) }));

  app.get('/api/v1/admin/rooms', {
    schema: { tags, description: 'Every room except DMs.', response: { 200: AdminRoomsReply, ...errors(403) } },
  }, async (req) => ({ rooms: await admin.rooms(req.user) }));

  app.post('/api/v1/invites', {
    schema: {
      tags, description: 'Make an invite code for registration (NATTER_REGISTRATION=invite).',
      body: Type.Object({
        max_uses: Type.Optional(Type.Integer({ minimum: 1, maximum: INVITE_USES_MAX })),
        expires_in_s: Type.Optional(Type.Integer({ minimum: 60, maximum: INVITE_TTL_MAX_S })),
      }, { additionalProperties: false }),
      response: { 201: InviteReply, ...errors(403, 429) },
    },
    preHandler: actionLimit,
  }, async (req, reply) => reply.status(201).send({ invite: await admin.createInvite(req.user, req.body ?? {}) }));

  app.get('/api/v1/invites', {
    schema: { tags, description: 'Invites still usable, newest first.', response: { 200: InvitesReply, ...errors(403) } },
  }, async (req) => ({ invites: await admin.invites(req.user) }));

  app.delete('/api/v1/invites/:code', {
    schema: { tags, description: 'The code stops working at once.', params: Type.Object({ code: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...errors(403, 404) } },
  }, async (req, reply) => {
    await admin.revokeInvite(req.user, req.params.code);
    return reply.status(204).send(null);
  });
}
