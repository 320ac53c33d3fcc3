/**
 * Every JSON answer of the API that is not a single object of schemas.ts, by name. Routes use these, and the
 * client library's methods are checked against them at compile time (test/types/client-types.check.ts): an
 * answer changed here without the library failing the build is not possible.
 */
import { Type } from 'typebox';
import { HookSchema, MemberSchema, MessageSchema, OwnUserSchema, RoomSchema, SessionSchema, UserRefSchema, UserSchema } from './schemas.ts';

const OrNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ServerReply = Type.Object({
  version: Type.String(), registration: Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('closed')]),
  guests: Type.Boolean(), oidc: Type.Boolean(), uploads: Type.Boolean(), max_upload: Type.Integer(),
  push: Type.Boolean(), previews: Type.Boolean(), email: Type.Boolean(),
  oidc_name: Type.Optional(Type.String({ description: 'with oidc: the provider\'s name for the sign-in button (NATTER_OIDC_NAME)' })),
});

export const OwnUserReply = Type.Object({ user: OwnUserSchema });
export const UserReply = Type.Object({ user: UserSchema });
export const SessionsReply = Type.Object({ sessions: Type.Array(SessionSchema) });

export const RoomsReply = Type.Object({ rooms: Type.Array(RoomSchema), cursor: Type.String() });
export const MembersReply = Type.Object({ members: Type.Array(MemberSchema), next: Type.Optional(OrNull(Type.String())) });
export const HistoryReply = Type.Object({ messages: Type.Array(MessageSchema) });

export const AdminUsersReply = Type.Object({ users: Type.Array(OwnUserSchema), next: OrNull(Type.String()) });
export const AdminRoomsReply = Type.Object({ rooms: Type.Array(RoomSchema) });
export const InviteSchema = Type.Object({
  code: Type.String(), max_uses: Type.Integer(), uses: Type.Integer(), expires_at: Type.String({ format: 'date-time' }),
  created_by: UserRefSchema, created_at: Type.String({ format: 'date-time' }),
});
export const InviteReply = Type.Object({ invite: InviteSchema });
export const InvitesReply = Type.Object({ invites: Type.Array(InviteSchema) });

export const PushKeyReply = Type.Object({ public_key: Type.String() });
export const SubscriptionSchema = Type.Object({ id: Type.String(), endpoint: Type.String(), created_at: Type.String() });
export const SubscriptionReply = Type.Object({ subscription: SubscriptionSchema });
export const SubscriptionsReply = Type.Object({ subscriptions: Type.Array(SubscriptionSchema) });

export const BotSchema = Type.Object({ ...UserSchema.properties, owner: UserRefSchema }, { description: 'v1.1: a bot and its owner' });
export const BotCreatedReply = Type.Object({ user: UserSchema, token: Type.String() });
export const BotsReply = Type.Object({ bots: Type.Array(BotSchema) });
export const TokenReply = Type.Object({ token: Type.String() });
export const HookReply = Type.Object({ hook: HookSchema });
export const HooksReply = Type.Object({ hooks: Type.Array(HookSchema) });
