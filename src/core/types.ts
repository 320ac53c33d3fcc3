/**
 * The wire types of Natter's public contract (docs/API.md, v1) and the few
 * internal shapes that cross the core/storage seam. The web client imports this
 * file, so it holds types only: no runtime code, no Node imports.
 */

/** A user as the API shows it. `id` is opaque to clients. */
export interface User {
  id: string;
  username: string;
  guest: boolean;
  created_at: string;
  /** v1.1 §5: 1–64 code points, or null. */
  display_name: string | null;
  /** v1.1 §5: the avatar's thumbnail URL, or null. */
  avatar_url: string | null;
  /** v1.1 §5: `guest` exactly when `guest` is true. */
  role: AccountRole;
  kind: 'user' | 'bot';
  /** v1.1 §5: false while deactivated. */
  active: boolean;
}

/** v1.1 §5: an invite code as `POST`/`GET /invites` show it. */
export interface Invite {
  code: string;
  max_uses: number;
  uses: number;
  expires_at: string;
  created_by: UserRef;
  created_at: string;
}

/** v1.1 §5: a user's role on the server (not in a room: that is `Role`). */
export type AccountRole = 'admin' | 'member' | 'guest';

/** v1.1: your own user (`GET /me`, `/users/me`, sign-in answers) adds its private email fields (§4). */
export interface OwnUser extends User {
  email: string | null;
  email_verified: boolean;
  email_notifications: boolean;
}

/** The short form of a user inside messages, events and DM peers. */
export interface UserRef {
  id: string;
  username: string;
}

export type Visibility = 'public' | 'private';
export type RoomKind = 'room' | 'dm';
export type Role = 'owner' | 'member';

/** A room as one viewer sees it: `member` and `unread` are that viewer's. */
export interface Room {
  name: string;
  topic: string;
  visibility: Visibility;
  kind: RoomKind;
  created_at: string;
  member: boolean;
  unread: number;
  last_seq: number;
  /** v1.1: messages mentioning the viewer above their read marker (0 for non-members). */
  mentions: number;
  /** v1.1: the viewer's notification level here (default: `all` in DMs, `mentions` in rooms). */
  notifications: NotificationLevel;
  /** DM rooms only: the other person. */
  peer?: UserRef;
}

export type NotificationLevel = 'all' | 'mentions' | 'none';

/** v1.1: who a message mentions, as counted at commit (or at its last edit). */
export interface MessageMentions {
  users: UserRef[];
  room: boolean;
  here: boolean;
}

/** v1.1: the parent of a reply, built when read. */
export interface ReplyRef {
  id: string;
  seq: number;
  author: UserRef;
  /** The first 120 code points of the parent's current text; '' when it is deleted. */
  excerpt: string;
  deleted: boolean;
}

/** A chat message. Deleted messages keep their place with `deleted: true` and empty text. */
export interface Message {
  id: string;
  room: string;
  seq: number;
  author: UserRef;
  text: string;
  created_at: string;
  edited_at: string | null;
  deleted: boolean;
  /** emoji → usernames, in the order they reacted. */
  reactions: Record<string, string[]>;
  client_id: string | null;
  /** v1.1 */
  mentions: MessageMentions;
  /** v1.1 */
  reply_to: ReplyRef | null;
  /** v1.1: uploads attached at posting, in the order given; [] when deleted. */
  attachments: Upload[];
  /** v1.1: link previews, [] at commit (they arrive in a `message_updated`). */
  previews: Preview[];
  /** v1.1: the name an incoming hook posted under (null otherwise). */
  alias: string | null;
}

/** v1.1: an uploaded file (§3). `url` and `thumbnail_url` are root-relative. */
export interface Upload {
  id: string;
  name: string;
  size: number;
  content_type: string;
  width: number | null;
  height: number | null;
  url: string;
  thumbnail_url: string | null;
  created_at: string;
}

/** v1.1: a link preview (§3). */
export interface Preview {
  url: string;
  title: string | null;
  description: string | null;
  site_name: string | null;
  image_url: string | null;
}

/** One entry of `GET /rooms/:room/members`. */
export interface Member {
  user: UserRef;
  role: Role;
  online: boolean;
}

/** Event types that are appended to the event log and carry an `id:` on the stream. */
/** `user_updated` (v1.1 §5) belongs to no room (room id 0): every stream gets it, and a resume replays every one. */
export type StoredEventType = 'message' | 'message_updated' | 'member_joined' | 'member_left' | 'room_updated' | 'user_updated';

/** Event types that are never stored (no `id:` line), except `reset`, which carries the current position. */
export type TransientEventType = 'ready' | 'typing' | 'presence' | 'reset' | 'read' | 'notification_level';

export type EventType = StoredEventType | TransientEventType;

/** `data` of each event type, as the stream sends it. */
export interface EventData {
  ready: { user: User; rooms: Room[]; cursor: string; stream_id: string };
  message: { message: Message };
  message_updated: { message: Message };
  member_joined: { room: string; user: UserRef };
  member_left: { room: string; user: UserRef };
  /** Encoded once for all members: without the per-viewer `mentions` and `notifications`. */
  room_updated: { room: Omit<Room, 'mentions' | 'notifications'> };
  /** v1.1 §5: a user's profile, role or activation changed (public fields). */
  user_updated: { user: User };
  typing: { room: string; user: UserRef };
  presence: { user: UserRef; online: boolean };
  reset: { reason: string };
  /** Addition to v1: the user's own read marker moved (on another device or tab); sent only to that user's streams. */
  read: { room: string; seq: number };
  /** v1.1: the user's notification level in a room changed; sent only to that user's streams. */
  notification_level: { room: string; level: NotificationLevel };
}

/** The error body every non-2xx JSON response carries. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * One entry of the event log, as stores hand it to the core.
 * `pos` is the log position (assigned in commit order, gapless); `data` is the
 * event's JSON text, encoded once at append time and written verbatim to every
 * stream. `subject` is the user a membership event is about (the hub uses it to
 * start or stop delivering a room to that user's open streams), the author of a
 * message event (v1.1, for outgoing hooks' bot filter), the user of `user_updated`,
 * else null.
 */
export interface LogEvent {
  pos: number;
  roomId: number;
  type: StoredEventType;
  subject: string | null;
  data: string;
}

/** v1.1 §6: a hook as the API shows it (the secret, or the incoming URL, only at creation). */
export interface HookView {
  id: string;
  kind: 'incoming' | 'outgoing';
  room: string;
  created_by: UserRef;
  created_at: string;
  bot?: UserRef;
  url?: string;
  events?: ('message' | 'message_updated' | 'member_joined' | 'member_left' | 'room_updated')[];
  include_bots?: boolean;
  active?: boolean;
  cursor?: string | null;
  backlog?: number;
  last_delivery?: { at: string; event_id: string; status: number | null; error: string | null } | null;
  next_attempt_at?: string | null;
  secret?: string;
}
