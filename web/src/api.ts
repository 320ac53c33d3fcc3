/** The page's REST calls over the client library, and API errors turned into sentences. */
import { ApiError, NatterClient } from '@natter/client';
import type { Member, Message, NotificationLevel, OwnUser, Room, User } from '../../src/core/types.ts';

export { ApiError };

/** One entry of the mentions inbox (`GET /mentions`): why the message mentions you, and whether you read it. */
export interface MentionEntry {
  message: Message;
  reason: 'user' | 'reply' | 'room' | 'here';
  read: boolean;
}

/** One search hit: the message and its matches as UTF-16 `[start, end)` ranges of `message.text`. */
export interface SearchHit {
  message: Message;
  highlights: [number, number][];
}

/** `GET /search` parameters (API.md "Search"): `cursor` is the previous page's `next`. */
export interface SearchParams {
  q: string;
  room?: string;
  author?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string | null;
}

/**
 * The page's one client (@natter/client): the session cookie, `X-Requested-With: natter` on every request (the
 * API's CSRF rule for cookie sessions; the page never sees or stores a token), errors as `ApiError` with status 0
 * when there was no answer (network down, server restarting).
 */
export const client = new NatterClient({ baseUrl: '', networkErrors: true });

/** Sets what happens when a request (other than sign-in itself) answers 401: the session is gone (the app shows sign-in). */
export function setUnauthenticatedHandler(fn: () => void): void {
  client.onUnauthenticated = fn;
}

/** One JSON request (`path` under /api/v1); `timeoutMs` makes a hanging request count as no answer. */
export function request<T>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
  return client.request<T>(method, path, body, timeoutMs ? { timeoutMs } : {});
}

const seg = encodeURIComponent;

/** How long a message send may hang before it counts as "no answer" (and is queued to go out again). */
const SEND_TIMEOUT_MS = 20_000;

/** `GET /server`: what this server enables. `max_upload` is in bytes, 0 for no limit. */
export interface ServerInfo {
  version: string;
  uploads: boolean;
  max_upload: number;
  previews?: boolean;
  /** Web Push notifications are on (API v1.1 §4). */
  push?: boolean;
  /** The server sends email: verification and digests of unread DMs and mentions (API v1.1 §4). */
  email?: boolean;
  /** How accounts are created (API v1.1 §5): `invite` needs an invite code; `closed` allows none. */
  registration?: 'open' | 'invite' | 'closed';
  guests?: boolean;
  /** Single sign-on is on (API v1.1 §5), with the provider's name for the button. */
  oidc?: boolean;
  oidc_name?: string;
}

/** One of your Web Push subscriptions (API v1.1 §4). */
export interface PushSubscriptionInfo {
  id: string;
  endpoint: string;
  created_at: string;
}

/** A signed-in session as GET /auth/sessions lists it. */
export interface SessionInfo {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  current: boolean;
}

/** The REST calls the page makes, one per endpoint of API.md. */
export const api = {
  me: () => request<{ user: User }>('GET', '/me'),
  /** What this server enables (API v1.1 Conventions): uploads and their size limit among them. */
  server: () => request<ServerInfo>('GET', '/server'),
  /** Deletes one of your uploads that no message carries yet. */
  deleteUpload: (id: string) => request<void>('DELETE', `/uploads/${seg(id)}`),
  register: (username: string, password: string, invite?: string) =>
    request<{ user: User }>('POST', '/auth/register', { username, password, ...(invite !== undefined && { invite }) }),
  login: (username: string, password: string) => request<{ user: User }>('POST', '/auth/login', { username, password }),
  guest: (username: string, invite?: string) => request<{ user: User }>('POST', '/auth/guest', { username, ...(invite !== undefined && { invite }) }),
  logout: () => request<void>('POST', '/auth/logout'),
  sessions: () => request<{ sessions: SessionInfo[] }>('GET', '/auth/sessions'),
  endSession: (id: string) => request<void>('DELETE', `/auth/sessions/${seg(id)}`),
  endOtherSessions: () => request<void>('DELETE', '/auth/sessions'),

  rooms: () => request<{ rooms: Room[]; cursor: string }>('GET', '/rooms'),
  room: (room: string) => request<{ room: Room }>('GET', `/rooms/${seg(room)}`),
  createRoom: (name: string, topic: string, visibility: 'public' | 'private') =>
    request<{ room: Room }>('POST', '/rooms', { name, topic, visibility }),
  updateRoom: (room: string, patch: { topic?: string }) => request<{ room: Room }>('PATCH', `/rooms/${seg(room)}`, patch),
  join: (room: string) => request<{ room: Room }>('POST', `/rooms/${seg(room)}/join`),
  leave: (room: string) => request<void>('POST', `/rooms/${seg(room)}/leave`),
  addMember: (room: string, username: string) =>
    request<{ room: Room }>('POST', `/rooms/${seg(room)}/members`, { username }),
  members: (room: string) => request<{ members: Member[] }>('GET', `/rooms/${seg(room)}/members`),
  dm: (username: string) => request<{ room: Room }>('POST', `/dm/${seg(username)}`),
  /** Active people whose username starts with `q` (any case), by username; yourself included. */
  users: (q: string, limit = 20) =>
    request<{ users: { user: User; online: boolean }[] }>('GET', `/users?q=${seg(q)}&limit=${limit}`),

  messages: (room: string, q: { before?: number; after?: number; limit?: number } = {}) => {
    const p = new URLSearchParams();
    if (q.before !== undefined) p.set('before', String(q.before));
    if (q.after !== undefined) p.set('after', String(q.after));
    if (q.limit !== undefined) p.set('limit', String(q.limit));
    const qs = p.toString();
    return request<{ messages: Message[] }>('GET', `/rooms/${seg(room)}/messages${qs ? '?' + qs : ''}`);
  },
  /** Gives up after SEND_TIMEOUT_MS (a connection that hangs): the page sends again with the same `client_id`. */
  post: (room: string, text: string, clientId: string, replyTo?: string | null, attachments: string[] = []) =>
    request<{ message: Message }>('POST', `/rooms/${seg(room)}/messages`, {
      text,
      client_id: clientId,
      ...(replyTo ? { reply_to: replyTo } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    }, SEND_TIMEOUT_MS),
  edit: (room: string, id: string, text: string) =>
    request<{ message: Message }>('PATCH', `/rooms/${seg(room)}/messages/${seg(id)}`, { text }),
  remove: (room: string, id: string) => request<void>('DELETE', `/rooms/${seg(room)}/messages/${seg(id)}`),
  react: (room: string, id: string, emoji: string, on: boolean) =>
    request<void>(on ? 'PUT' : 'DELETE', `/rooms/${seg(room)}/messages/${seg(id)}/reactions/${seg(emoji)}`),
  typing: (room: string) => request<void>('POST', `/rooms/${seg(room)}/typing`),
  read: (room: string, seq: number) => request<void>('POST', `/rooms/${seg(room)}/read`, { seq }),
  /** Messages containing every term of `q`, newest first; `next` pages on (null on the last page). */
  search: (params: SearchParams) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
    return request<{ results: SearchHit[]; next: string | null }>('GET', `/search?${p.toString()}`);
  },
  /** The mentions inbox, newest first; `next` pages on (null on the last page). */
  mentions: (cursor?: string | null, limit = 30) =>
    request<{ mentions: MentionEntry[]; next: string | null }>('GET', `/mentions?limit=${limit}${cursor ? '&cursor=' + seg(cursor) : ''}`),
  setNotifications: (room: string, level: NotificationLevel) =>
    request<{ room: Room }>('PUT', `/rooms/${seg(room)}/notifications`, { level }),
  /** The VAPID public key (base64url); 404 when this server sends no push. */
  pushKey: () => request<{ public_key: string }>('GET', '/push/key'),
  /** Registers (or refreshes the keys of) this browser's subscription: `PushSubscription.toJSON()`. */
  addPushSubscription: (sub: PushSubscriptionJSON) => request<{ subscription: PushSubscriptionInfo }>('POST', '/push/subscriptions', sub),
  pushSubscriptions: () => request<{ subscriptions: PushSubscriptionInfo[] }>('GET', '/push/subscriptions'),
  deletePushSubscription: (id: string) => request<void>('DELETE', `/push/subscriptions/${seg(id)}`),
  /** Your own user with its private email fields (API v1.1 §4 "Email"). */
  ownUser: () => request<{ user: OwnUser }>('GET', '/users/me'),
  updateEmail: (patch: { email?: string | null; email_notifications?: boolean }) => request<{ user: OwnUser }>('PATCH', '/users/me', patch),
  verifyEmail: (token: string) => request<{ user: OwnUser }>('POST', '/users/me/email/verify', { token }),
};

const FIELD_NAMES: Record<string, string> = {
  username: 'Username', password: 'Password', name: 'Room name', topic: 'Topic', text: 'Message',
  display_name: 'Display name', url: 'URL', events: 'Events', bot: 'Bot',
};

/** Schema messages name fields like `body/password`; people read "Password must be at least 8 characters." */
function humanize(message: string): string {
  const m = /^(?:body|params|querystring)\/(\w+) (.*)$/.exec(message);
  if (!m) return sentence(labelled(message));
  const [, field = '', rest = ''] = m;
  const label = FIELD_NAMES[field] ?? field;
  let r: RegExpExecArray | null;
  if ((r = /must not have fewer than (\d+) characters?/i.exec(rest))) {
    return r[1] === '1' ? `${label} cannot be empty.` : `${label} must be at least ${r[1]} characters.`;
  }
  if ((r = /must not have more than (\d+) characters?/i.exec(rest))) return `${label} can be at most ${r[1]} characters.`;
  if (/must match pattern/.test(rest) && field === 'username') {
    return 'Usernames are up to 32 letters, digits, dots, dashes or underscores.';
  }
  if (/must match pattern/.test(rest) && field === 'name') {
    return 'Room names are lowercase letters, digits, - and _, starting with a letter or digit.';
  }
  if (/must have required property/.test(rest)) return `${label} is required.`;
  return sentence(`${label} ${rest}`);
}

/** Core messages name their field first, like "url: http or https only": people read "URL: http or https only." */
function labelled(message: string): string {
  const m = /^(\w+): (.*)$/s.exec(message);
  const label = m && FIELD_NAMES[m[1]!];
  return label ? `${label}: ${m[2]}` : message;
}

function sentence(s: string): string {
  const t = s.trim();
  if (!t) return 'Something went wrong. Please try again.';
  return t[0]!.toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

/** A human sentence for an error, for showing next to the control that caused it. */
export function errorText(e: unknown): string {
  if (!(e instanceof ApiError)) return 'Something went wrong. Please try again.';
  if (e.code === 'rate_limited') return 'Too many attempts. Please wait a moment and try again.';
  if (e.code === 'csrf') return 'The request was refused by the server (missing CSRF header).';
  if (e.status >= 500) return 'The server had a problem. Please try again.';
  return e.code === 'invalid_request' ? humanize(e.message) : sentence(labelled(e.message));
}
