/**
 * The API's objects, as the server defines them (src/core/types.ts): imported as types only, so the two cannot
 * drift and nothing of the server reaches a browser bundle. test/types/client-types.check.ts proves at compile
 * time that these, and every method's answer, are what the server's schemas say.
 */
import type { SearchParams as FinderSearchParams } from '../../../src/core/finder.ts';
import type { HookView, Message, User, UserRef, Visibility } from '../../../src/core/types.ts';

export type {
  AccountRole, EventData, EventType, HookView as Hook, Invite, Member, Message, NotificationLevel, OwnUser, Preview, ReplyRef, Room,
  Upload, User, UserRef, Visibility,
} from '../../../src/core/types.ts';

/** `GET /server` (v1.1 Conventions): what this server enables. `max_upload` is in bytes, 0 when uploads are off. */
export interface ServerInfo {
  version: string;
  registration: 'open' | 'invite' | 'closed';
  guests: boolean;
  oidc: boolean;
  uploads: boolean;
  max_upload: number;
  push: boolean;
  previews: boolean;
  email: boolean;
  /** With `oidc`: the provider's name for the sign-in button. */
  oidc_name?: string;
}

/** A signed-in session (`GET /auth/sessions`). */
export interface Session {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  current: boolean;
}

/** `PATCH /users/me`: null removes. `avatar` is an unattached image upload of yours. */
export interface OwnUserPatch {
  email?: string | null;
  email_notifications?: boolean;
  display_name?: string | null;
  avatar?: string | null;
}

/** One person of `GET /users`. */
export interface PersonHit {
  user: User;
  online: boolean;
}

/** `PATCH /rooms/:room`. */
export interface RoomPatch {
  topic?: string;
  visibility?: Visibility;
}

/** `GET /search` parameters, the server's own (`cursor`: the previous page's `next`; null or absent for the first). */
export type SearchParams = Omit<FinderSearchParams, 'cursor'> & { cursor?: string | null };

/** One search hit: the message and its matches as UTF-16 `[start, end)` ranges of `message.text`. */
export interface SearchHit {
  message: Message;
  highlights: [number, number][];
}

/** `GET /search` (v1.1 §1). */
export interface SearchResult {
  results: SearchHit[];
  next: string | null;
}

/** One entry of the mentions inbox: why the message mentions you, and whether you read it. */
export interface MentionEntry {
  message: Message;
  reason: 'user' | 'reply' | 'room' | 'here';
  read: boolean;
}

/** `GET /mentions` (v1.1 §2). */
export interface MentionsPage {
  mentions: MentionEntry[];
  next: string | null;
}

/** A bot as `GET /bots` lists it: a user of kind `bot`, with who owns it. */
export interface Bot extends User {
  owner: UserRef;
}

/** An event type an outgoing hook carries. */
export type HookEvent = NonNullable<HookView['events']>[number];
/** An outgoing hook's newest delivery attempt: an HTTP status, or an error when no answer came. */
export type HookDelivery = NonNullable<HookView['last_delivery']>;

/** An incoming hook: posts as `bot`; `url` (`/api/v1/hooks/<secret>`) only in the answer that creates it. */
export type IncomingHook = HookView & { kind: 'incoming'; bot: UserRef };

/** An outgoing hook with its delivery status; `secret` (`whsec_…`) only in the answer that creates it. */
export type OutgoingHook = HookView & {
  kind: 'outgoing';
  url: string;
  events: HookEvent[];
  include_bots: boolean;
  active: boolean;
  cursor: string | null;
  backlog: number;
  last_delivery: HookDelivery | null;
  next_attempt_at: string | null;
};

/** One of your Web Push subscriptions. */
export interface PushSubscriptionInfo {
  id: string;
  endpoint: string;
  created_at: string;
}

/** A browser's push subscription as `PushSubscription.toJSON()` gives it. */
export interface PushSubscriptionKeys {
  endpoint?: string;
  expirationTime?: number | null;
  keys?: Record<string, string>;
}

