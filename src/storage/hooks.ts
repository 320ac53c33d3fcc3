/**
 * Bots and webhooks in the store (API v1.1 §6): `BotStore` and `HookStore`, parts of the Store seam (store.ts);
 * implementations: sqlite/hooks.ts and postgres/hooks.ts (mirrors). Times are ISO strings, except the delivery
 * clock (`nextAt`, leases), which is milliseconds since the epoch.
 *
 * An outgoing hook is a cursor over the log: `pos` is how far its feed has been handled (every feed event up
 * to it acknowledged), `ackedPos` the last acknowledged event. A node delivers a hook only while it holds the
 * hook's lease, and every change a delivery makes is fenced by that lease: a node that lost it (it died, or
 * stalled past it) changes nothing, so the next holder goes on from the stored position.
 */
import type { Changed } from './accounts.ts';
import type { LogEvent, User, UserRef } from '../core/types.ts';
import { flag, iso, type Flag, type Time } from './values.ts';

/** A bot with its owner, as `GET /bots` lists it. */
export type BotView = User & { owner: UserRef };

export interface NewBot {
  username: string;
  displayName: string | null;
  ownerId: string;
  /** SHA-256 of the bot's first token. */
  tokenHash: Buffer;
  /** Active bots an owner may have; beyond, ChatError `limit_reached`. */
  limit: number;
}

export interface BotStore {
  /** Create a bot (a user of kind `bot`, member of `general`) and its token's session. Throws `username_taken`, `limit_reached`. */
  create(bot: NewBot): Promise<Changed<User>>;
  /** Bots owned by `ownerId` (null: every bot), by username. */
  list(ownerId: string | null): Promise<BotView[]>;
  /** A bot by username (case-insensitively) with its owner's id; null when there is no such bot. */
  find(username: string): Promise<{ bot: User; ownerId: string } | null>;
  /** Replace every session of the bot by one with this token hash; returns the sessions ended. */
  replaceToken(botId: string, tokenHash: Buffer): Promise<string[]>;
  /** The sessions of every bot the user owns (their streams end when the owner is deactivated). */
  ownedSessions(ownerId: string): Promise<{ id: string; userId: string }[]>;
}

export const HOOK_EVENTS = ['message', 'message_updated', 'member_joined', 'member_left', 'room_updated'] as const;
export type HookEventType = (typeof HOOK_EVENTS)[number];

export type NewHook =
  | { kind: 'incoming'; roomId: number; createdBy: string; botId: string; secretHash: Buffer; limit: number }
  | { kind: 'outgoing'; roomId: number; createdBy: string; url: string; secret: string; events: HookEventType[]; includeBots: boolean; limit: number };

/** The newest delivery attempt of an outgoing hook. */
export interface LastDelivery {
  at: string;
  pos: number;
  status: number | null;
  error: string | null;
}

export interface HookRecord {
  id: string;
  kind: 'incoming' | 'outgoing';
  roomId: number;
  room: string;
  createdBy: UserRef;
  createdAt: string;
  /** Incoming: the bot it posts as. */
  bot: UserRef | null;
  /** Outgoing from here on (null / empty for incoming). */
  url: string | null;
  secret: string | null;
  events: HookEventType[];
  includeBots: boolean;
  active: boolean;
  pos: number;
  ackedPos: number | null;
  attempts: number;
  nextAt: number;
  last: LastDelivery | null;
  /** Feed events after `pos` (computed when the record is read for the API). */
  backlog: number;
}

/** Whether a leased hook may still deliver (else the holder gives the lease back). */
export interface LeaseState {
  deliverable: boolean;
}

export interface HookStore {
  /**
   * Create a hook at the log head. Incoming: the bot joins the room if it is not a member; outgoing: the creator
   * joins a public room they are not a member of. Throws ChatError `limit_reached` beyond `limit` hooks in the room.
   */
  create(hook: NewHook): Promise<Changed<HookRecord>>;
  /** The room's hooks, oldest first, with their backlog. */
  list(roomId: number): Promise<HookRecord[]>;
  /** One hook of the room with its backlog; null when the room has no such hook. */
  get(roomId: number, id: string): Promise<HookRecord | null>;
  /** Pause or resume an outgoing hook; null when the room has no such hook. */
  setActive(roomId: number, id: string, active: boolean): Promise<HookRecord | null>;
  /** Delete a hook; false when the room has no such hook. */
  delete(roomId: number, id: string): Promise<boolean>;
  /**
   * The incoming hook of a URL secret's hash, with what decides whether it may post: its bot (null when the
   * bot is not active), whether the bot is a member of the room and whether the bot's owner is active.
   */
  incoming(secretHash: Buffer): Promise<{ hook: HookRecord; bot: User | null; member: boolean; ownerActive: boolean } | null>;

  // delivery (core/hook-delivery.ts)
  /**
   * Lease up to `limit` outgoing hooks to `node` until `until`: active ones whose creator is active, not leased
   * by a live lease, not waiting for a retry, with events in their room after `pos` up to `head`. Returns their ids.
   */
  lease(node: string, now: number, until: number, head: number, limit: number): Promise<string[]>;
  /** A leased hook as the worker needs it (no backlog); null when deleted. */
  leased(id: string): Promise<HookRecord | null>;
  /** The hook's feed in (after, upTo], in log order, at most `limit`. */
  feed(hook: HookRecord, after: number, upTo: number, limit: number): Promise<LogEvent[]>;
  /** Event `pos` was acknowledged (status, at): move the cursor and renew the lease; null when `node` no longer holds it. */
  ack(id: string, node: string, pos: number, status: number, at: string, until: number): Promise<LeaseState | null>;
  /** Nothing of the feed lies in (pos, to]: move `pos` to `to` and renew the lease; null when `node` no longer holds it. */
  skip(id: string, node: string, to: number, until: number): Promise<LeaseState | null>;
  /** Event `pos` failed: record it, wait until `nextAt`, and give the lease back. */
  fail(id: string, node: string, attempt: { pos: number; status: number | null; error: string; at: string; nextAt: number }): Promise<void>;
  /** Renew the lease; false when `node` no longer holds it. */
  renew(id: string, node: string, until: number): Promise<boolean>;
  /** Give the lease back (no-op when `node` does not hold it). */
  release(id: string, node: string): Promise<void>;
}

/** The columns of a hook as both stores select them (HOOK_VIEW). */
export interface HookRow {
  id: number | string;
  kind: 'incoming' | 'outgoing';
  room_id: number | string;
  room: string;
  created_by: number | string;
  creator_name: string;
  created_at: Time;
  bot_id: number | string | null;
  bot_name: string | null;
  url: string | null;
  secret: string | null;
  events: string | string[] | null;
  include_bots: Flag;
  active: Flag;
  pos: number | string;
  acked_pos: number | string | null;
  attempts: number;
  next_at: number | string;
  last_at: Time | null;
  last_pos: number | string | null;
  last_status: number | null;
  last_error: string | null;
  backlog?: number | string | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toHook(r: HookRow): HookRecord {
  const events = r.events === null ? [] : typeof r.events === 'string' ? (JSON.parse(r.events) as string[]) : r.events;
  return {
    id: String(r.id), kind: r.kind, roomId: Number(r.room_id), room: r.room,
    createdBy: { id: String(r.created_by), username: r.creator_name }, createdAt: iso(r.created_at),
    bot: r.bot_id === null ? null : { id: String(r.bot_id), username: r.bot_name ?? '' },
    url: r.url, secret: r.secret, events: events as HookEventType[], includeBots: flag(r.include_bots), active: flag(r.active),
    pos: Number(r.pos), ackedPos: num(r.acked_pos), attempts: Number(r.attempts), nextAt: Number(r.next_at),
    last: r.last_at === null ? null : { at: iso(r.last_at), pos: Number(r.last_pos), status: r.last_status, error: r.last_error },
    backlog: Number(r.backlog ?? 0),
  };
}
