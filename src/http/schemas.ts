/**
 * TypeBox schemas of the v1 contract: they validate requests, shape responses
 * (fast serialisation) and feed the OpenAPI document (STYLE habit 13). Limits
 * come from core/validate.ts so the edge and the services agree.
 */
import { Type, type Static, type TSchema } from 'typebox';
import type { ErrorBody, Member, Message, OwnUser, Preview, Room, Upload, User, UserRef, Visibility } from '../core/types.ts';
import { CLIENT_ID_MAX, HISTORY_LIMIT_DEFAULT, HISTORY_LIMIT_MAX, MEMBERS_LIMIT_MAX, PASSWORD_MAX, PASSWORD_MIN, ROOM_NAME_PATTERN, TEXT_MAX, TOPIC_MAX, USERNAME_PATTERN } from '../core/validate.ts';

export const UserRefSchema = Type.Object({ id: Type.String(), username: Type.String() });

const Nullable = <T extends TSchema>(t: T, description: string) => Type.Union([t, Type.Null()], { description });

export const UserSchema = Type.Object(
  {
    id: Type.String(), username: Type.String(), guest: Type.Boolean(), created_at: Type.String({ format: 'date-time' }),
    display_name: Nullable(Type.String(), 'v1.1: 1–64 code points, or null'),
    avatar_url: Nullable(Type.String(), 'v1.1: the avatar thumbnail, or null'),
    role: Type.Union([Type.Literal('admin'), Type.Literal('member'), Type.Literal('guest')], { description: 'v1.1: guest exactly when guest is true' }),
    kind: Type.Union([Type.Literal('user'), Type.Literal('bot')], { description: 'v1.1' }),
    active: Type.Boolean({ description: 'v1.1: false while deactivated' }),
  },
  { description: 'A user' },
);

/** v1.1: your own user (`GET /me`, `/users/me`, sign-in answers) with its private email fields (§4). */
export const OwnUserSchema = Type.Object(
  {
    ...UserSchema.properties,
    email: Type.Union([Type.String(), Type.Null()], { description: 'private: your address for email notifications, or null' }),
    email_verified: Type.Boolean({ description: 'private: whether you confirmed the address with the mailed token' }),
    email_notifications: Type.Boolean({ description: 'private: whether unread DMs and mentions are mailed (default true)' }),
  },
  { description: 'v1.1: your own user, with its private fields' },
);

export const VisibilitySchema = Type.Union([Type.Literal('public'), Type.Literal('private')]);

export const NotificationLevelSchema = Type.Union([Type.Literal('all'), Type.Literal('mentions'), Type.Literal('none')], { description: 'v1.1: default all in DMs, mentions in rooms' });

export const RoomSchema = Type.Object(
  {
    name: Type.String(),
    topic: Type.String(),
    visibility: VisibilitySchema,
    kind: Type.Union([Type.Literal('room'), Type.Literal('dm')]),
    created_at: Type.String(),
    member: Type.Boolean(),
    unread: Type.Integer(),
    last_seq: Type.Integer(),
    mentions: Type.Integer({ description: 'v1.1: messages mentioning you above your read marker' }),
    notifications: NotificationLevelSchema,
    peer: Type.Optional(UserRefSchema),
  },
  { description: 'A room as the caller sees it' },
);

export const UploadSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    size: Type.Integer(),
    content_type: Type.String({ description: 'sniffed from the leading bytes; application/octet-stream when unrecognised' }),
    width: Type.Union([Type.Integer(), Type.Null()]),
    height: Type.Union([Type.Integer(), Type.Null()]),
    url: Type.String({ description: '/api/v1/files/<id>' }),
    thumbnail_url: Type.Union([Type.String(), Type.Null()], { description: '/api/v1/files/<id>/thumbnail (WebP within 1200×800), or null' }),
    created_at: Type.String(),
  },
  { description: 'v1.1: an uploaded file' },
);

export const PreviewSchema = Type.Object(
  {
    url: Type.String({ description: 'the URL as written in the text' }),
    title: Type.Union([Type.String(), Type.Null()]),
    description: Type.Union([Type.String(), Type.Null()]),
    site_name: Type.Union([Type.String(), Type.Null()]),
    image_url: Type.Union([Type.String(), Type.Null()]),
  },
  { description: 'v1.1: a link preview' },
);

export const MessageSchema = Type.Object(
  {
    id: Type.String(),
    room: Type.String(),
    seq: Type.Integer(),
    author: UserRefSchema,
    text: Type.String(),
    created_at: Type.String(),
    edited_at: Type.Union([Type.String(), Type.Null()]),
    deleted: Type.Boolean(),
    reactions: Type.Record(Type.String(), Type.Array(Type.String())),
    client_id: Type.Union([Type.String(), Type.Null()]),
    mentions: Type.Object({ users: Type.Array(UserRefSchema), room: Type.Boolean(), here: Type.Boolean() }, { description: 'v1.1: who it mentions (counted at commit or last edit)' }),
    reply_to: Type.Union([
      Type.Object({ id: Type.String(), seq: Type.Integer(), author: UserRefSchema, excerpt: Type.String(), deleted: Type.Boolean() }),
      Type.Null(),
    ], { description: 'v1.1: the parent of a reply, built when read' }),
    attachments: Type.Array(UploadSchema, { description: 'v1.1: attached uploads, in order; [] when deleted' }),
    previews: Type.Array(PreviewSchema, { description: 'v1.1: link previews; [] at commit, filled by a later message_updated' }),
    alias: Type.Union([Type.String(), Type.Null()], { description: 'v1.1: the name an incoming hook posted under' }),
  },
  { description: 'A message' },
);

export const ErrorSchema = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { description: 'Every non-2xx response' },
);

export const Username = Type.String({ minLength: 1, maxLength: 32, pattern: USERNAME_PATTERN, description: '1-32 of A-Z a-z 0-9 _ . -' });
export const RoomName = Type.String({ minLength: 1, maxLength: 64, pattern: ROOM_NAME_PATTERN, description: '1-64 of a-z 0-9 _ -' });

const Invite = Type.Optional(Type.String({ maxLength: 64, description: 'v1.1 §5: the invite code, needed when NATTER_REGISTRATION=invite' }));
export const Credentials = Type.Object(
  { username: Username, password: Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }), invite: Invite },
  { additionalProperties: false },
);
export const LoginBody = Type.Object({ username: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: PASSWORD_MAX }) }, { additionalProperties: false });
export const GuestBody = Type.Object({ username: Username, invite: Invite }, { additionalProperties: false });
export const PasswordBody = Type.Object(
  { current_password: Type.Optional(Type.String({ maxLength: PASSWORD_MAX })), new_password: Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }) },
  { additionalProperties: false },
);
export const AuthReply = Type.Object({ user: OwnUserSchema, token: Type.String() });

export const Topic = Type.String({ maxLength: TOPIC_MAX });
export const CreateRoomBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }), topic: Type.Optional(Topic), visibility: Type.Optional(VisibilitySchema) },
  { additionalProperties: false },
);
export const PatchRoomBody = Type.Object({ topic: Type.Optional(Topic), visibility: Type.Optional(VisibilitySchema) }, { additionalProperties: false });
export const RoomParams = Type.Object({ room: Type.String({ maxLength: 200 }) });
export const MemberParams = Type.Object({ room: Type.String({ maxLength: 200 }), username: Type.String({ maxLength: 200 }) });
export const RoomReply = Type.Object({ room: RoomSchema });
export const MemberSchema = Type.Object({ user: UserRefSchema, role: Type.Union([Type.Literal('owner'), Type.Literal('member')]), online: Type.Boolean() });
export const PeopleQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 32, description: 'username prefix, case-insensitive; empty or absent: from the start' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'default 20' })),
  },
  { additionalProperties: false },
);
export const PeopleReply = Type.Object({ users: Type.Array(Type.Object({ user: UserSchema, online: Type.Boolean() })) });
export const SessionSchema = Type.Object({
  id: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.String({ format: 'date-time' }),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean(),
});
export const AddMemberBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

/** Text is checked exactly (after trimming, in code points) by core/validate; the schema only bounds it. */
export const PostBody = Type.Object(
  {
    text: Type.Optional(Type.String({ maxLength: TEXT_MAX * 4, description: 'required unless there are attachments; may then be empty or absent' })),
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: CLIENT_ID_MAX })),
    attachments: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), {
      description: 'v1.1: up to 10 distinct ids of your own unattached uploads, in the order shown; [] is the same as absent; else 400 invalid_attachment and nothing is posted',
    })),
    reply_to: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()], { description: 'v1.1: the id of a message of this room (not deleted) this replies to; else 400 invalid_reply_to' })),
  },
  { additionalProperties: false },
);
/** PATCH changes the text only: `reply_to` and `attachments` are accepted and ignored (API v1.1 Clarifications). */
export const EditBody = Type.Object(
  { text: Type.String({ maxLength: TEXT_MAX * 4, description: 'may be empty only when the message has attachments' }), reply_to: Type.Optional(Type.Unknown()), attachments: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);
export const SearchQuery = Type.Object(
  {
    q: Type.String({ maxLength: 2048, description: '1-256 code points after trimming; whitespace-separated terms (at most 10), "quoted phrases"; no operators' }),
    room: Type.Optional(Type.String({ maxLength: 200 })),
    author: Type.Optional(Type.String({ maxLength: 200, description: 'a username; naming nobody gives no results' })),
    since: Type.Optional(Type.String({ maxLength: 64, description: 'ISO time, inclusive, on created_at' })),
    until: Type.Optional(Type.String({ maxLength: 64, description: 'ISO time, exclusive' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'default 20' })),
    cursor: Type.Optional(Type.String({ maxLength: 4096, description: 'a `next` value; a malformed one is 400 invalid_cursor' })),
  },
  { additionalProperties: false },
);
export const SearchReply = Type.Object({
  results: Type.Array(Type.Object({ message: MessageSchema, highlights: Type.Array(Type.Tuple([Type.Integer(), Type.Integer()]), { description: 'UTF-16 [start,end) of every term occurrence in message.text, merged' }) })),
  next: Type.Union([Type.String(), Type.Null()]),
});
export const InboxQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'default 50' })), cursor: Type.Optional(Type.String({ maxLength: 4096, description: 'a `next` value; a malformed one is 400 invalid_cursor' })) },
  { additionalProperties: false },
);
export const InboxReply = Type.Object({
  mentions: Type.Array(Type.Object({
    message: MessageSchema,
    reason: Type.Union([Type.Literal('user'), Type.Literal('reply'), Type.Literal('room'), Type.Literal('here')]),
    read: Type.Boolean(),
  })),
  next: Type.Union([Type.String(), Type.Null()]),
});
export const LevelBody = Type.Object({ level: NotificationLevelSchema }, { additionalProperties: false });
export const MessageParams = Type.Object({ room: Type.String({ maxLength: 200 }), id: Type.String({ maxLength: 40 }) });
export const ReactionParams = Type.Object({ room: Type.String({ maxLength: 200 }), id: Type.String({ maxLength: 40 }), emoji: Type.String({ maxLength: 200 }) });
/** `GET /rooms/:room/members`: paged when `limit` or `cursor` is given, else v1's full list. */
export const MembersQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MEMBERS_LIMIT_MAX })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const HistoryQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_LIMIT_MAX, default: HISTORY_LIMIT_DEFAULT })),
  },
  { additionalProperties: false },
);
// Bounded so every store takes it as an exact integer (1e308 is 400, not a 500 from PostgreSQL's bigint).
export const ReadBody = Type.Object({ seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false });
const OrNull = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const EventType = Type.Union([
  Type.Literal('message'), Type.Literal('message_updated'), Type.Literal('member_joined'), Type.Literal('member_left'), Type.Literal('room_updated'),
], { description: 'an event type an outgoing hook carries' });

/** v1.1 §6: a webhook as the API shows it. */
export const HookSchema = Type.Object({
  id: Type.String(), kind: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')]), room: Type.String(),
  created_by: UserRefSchema, created_at: Type.String({ format: 'date-time' }),
  bot: Type.Optional(UserRefSchema),
  url: Type.Optional(Type.String({ description: 'outgoing: the receiver; incoming: /api/v1/hooks/<secret>, at creation only' })),
  events: Type.Optional(Type.Array(EventType)), include_bots: Type.Optional(Type.Boolean()), active: Type.Optional(Type.Boolean()),
  cursor: Type.Optional(OrNull(Type.String({ description: 'the id of the last acknowledged event' }))),
  backlog: Type.Optional(Type.Integer({ description: "the feed's events after the cursor" })),
  last_delivery: Type.Optional(OrNull(Type.Object({
    at: Type.String({ format: 'date-time' }), event_id: Type.String(), status: OrNull(Type.Integer()), error: OrNull(Type.String()),
  }))),
  next_attempt_at: Type.Optional(OrNull(Type.String({ format: 'date-time' }))),
  secret: Type.Optional(Type.String({ description: 'outgoing, at creation only: whsec_<base64>, the Standard Webhooks signing secret' })),
}, { description: 'v1.1 §6: a webhook' });
export const MessageReply = Type.Object({ message: MessageSchema });
export const UploadReply = Type.Object({ upload: UploadSchema });
export const FileParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** Error responses every authenticated route may give. */
export const errors = (...statuses: number[]): Record<number, typeof ErrorSchema> =>
  Object.fromEntries([400, 401, 403, ...statuses].map((s) => [s, ErrorSchema]));

/**
 * The schemas and core/types.ts describe the same wire objects twice (the web client
 * imports the types without TypeBox). This fails to compile when they drift apart.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const wireTypesAgree: [
  Same<Static<typeof UserSchema>, User>,
  Same<Static<typeof OwnUserSchema>, OwnUser>,
  Same<Static<typeof UserRefSchema>, UserRef>,
  Same<Static<typeof VisibilitySchema>, Visibility>,
  Same<Static<typeof RoomSchema>, Room>,
  Same<Static<typeof MessageSchema>, Message>,
  Same<Static<typeof UploadSchema>, Upload>,
  Same<Static<typeof PreviewSchema>, Preview>,
  Same<Static<typeof MemberSchema>, Member>,
  Same<Static<typeof ErrorSchema>, ErrorBody>,
] = [true, true, true, true, true, true, true, true, true, true];
void wireTypesAgree;
