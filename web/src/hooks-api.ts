/**
 * The bots and webhooks calls (API v1.1 §6): your bots and their tokens, and a room's incoming and outgoing
 * hooks. Tokens, incoming URLs and signing secrets come back only in the answer that creates them: the page
 * shows them once and keeps them nowhere.
 */
import type { User, UserRef } from '../../src/core/types.ts';
import { request } from './api.ts';

const seg = encodeURIComponent;

/** A bot as `GET /bots` lists it: a user of kind `bot`, with who owns it. */
export interface Bot extends User {
  owner: UserRef;
}

/** The event types an outgoing hook may carry, in the order the page offers them. */
export const HOOK_EVENTS = ['message', 'message_updated', 'member_joined', 'member_left', 'room_updated'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

interface HookBase {
  id: string;
  room: string;
  created_by: UserRef;
  created_at: string;
}

/** Posts as `bot` in the room; `url` (`/api/v1/hooks/<secret>`) only in the answer that creates it. */
export interface IncomingHook extends HookBase {
  kind: 'incoming';
  bot: UserRef;
  url?: string;
}

/** The newest delivery attempt: an HTTP status, or an error when no answer came. */
export interface HookDelivery {
  at: string;
  event_id: string;
  status: number | null;
  error: string | null;
}

/** POSTs the room's events to `url`; `secret` (`whsec_…`) only in the answer that creates it. */
export interface OutgoingHook extends HookBase {
  kind: 'outgoing';
  url: string;
  events: HookEvent[];
  include_bots: boolean;
  active: boolean;
  cursor: string | null;
  backlog: number;
  last_delivery: HookDelivery | null;
  next_attempt_at: string | null;
  secret?: string;
}

export type Hook = IncomingHook | OutgoingHook;

export const botsApi = {
  /** Yours (an admin's: every bot), deactivated ones too, by username. */
  list: () => request<{ bots: Bot[] }>('GET', '/bots'),
  create: (username: string, displayName: string | null) =>
    request<{ user: User; token: string }>('POST', '/bots', { username, ...(displayName ? { display_name: displayName } : {}) }),
  /** A new token; the old one stops working at once. */
  newToken: (username: string) => request<{ token: string }>('POST', `/bots/${seg(username)}/token`),
  /** Deactivates the bot: its token stops working, its messages stay. */
  remove: (username: string) => request<void>('DELETE', `/bots/${seg(username)}`),
};

export const hooksApi = {
  list: (room: string) => request<{ hooks: Hook[] }>('GET', `/rooms/${seg(room)}/hooks`),
  addIncoming: (room: string, bot: string) =>
    request<{ hook: IncomingHook }>('POST', `/rooms/${seg(room)}/hooks`, { kind: 'incoming', bot }),
  addOutgoing: (room: string, url: string, events: HookEvent[], includeBots: boolean) =>
    request<{ hook: OutgoingHook }>('POST', `/rooms/${seg(room)}/hooks`, { kind: 'outgoing', url, events, include_bots: includeBots }),
  setActive: (room: string, id: string, active: boolean) =>
    request<{ hook: OutgoingHook }>('PATCH', `/rooms/${seg(room)}/hooks/${seg(id)}`, { active }),
  remove: (room: string, id: string) => request<void>('DELETE', `/rooms/${seg(room)}/hooks/${seg(id)}`),
};

/** An incoming hook's URL as someone outside the page uses it: absolute, on this origin. */
export function absoluteHookUrl(path: string): string {
  return new URL(path, location.origin).href;
}

/** The shell command that posts a test message through an incoming hook. */
export function curlExample(url: string): string {
  return `curl -X POST -H 'Content-Type: application/json' -d '{"text":"Hello from curl"}' ${url}`;
}
