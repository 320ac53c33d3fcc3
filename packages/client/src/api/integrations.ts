/** Bots and webhooks (v1.1 §6): your bots and their tokens; a room's incoming and outgoing hooks. */
import type { Bot, Hook, HookEvent, IncomingHook, Message, OutgoingHook, User } from '../types.ts';
import { seg, type Send } from './send.ts';

/** The event types an outgoing hook may carry, in the contract's order. */
export const HOOK_EVENTS: readonly HookEvent[] = ['message', 'message_updated', 'member_joined', 'member_left', 'room_updated'];

export class BotsApi {
  constructor(private readonly send: Send) {}

  /** Yours (an admin's: every bot), deactivated ones too, by username. */
  list(): Promise<{ bots: Bot[] }> {
    return this.send('GET', '/bots');
  }
  /** A bot you own; its token is in this answer only and never expires. */
  create(username: string, displayName?: string | null): Promise<{ user: User; token: string }> {
    return this.send('POST', '/bots', { username, ...(displayName && { display_name: displayName }) });
  }
  /** A new token; the old one and its streams end at once. */
  newToken(username: string): Promise<{ token: string }> {
    return this.send('POST', `/bots/${seg(username)}/token`);
  }
  /** Deactivates the bot: its token stops working, its messages stay. */
  remove(username: string): Promise<null> {
    return this.send('DELETE', `/bots/${seg(username)}`);
  }
}

export class HooksApi {
  constructor(private readonly send: Send) {}

  /** The room's hooks you may see, with each outgoing hook's delivery status. */
  list(room: string): Promise<{ hooks: (IncomingHook | OutgoingHook)[] }> {
    return this.send('GET', `/rooms/${seg(room)}/hooks`);
  }
  get(room: string, id: string): Promise<{ hook: IncomingHook | OutgoingHook }> {
    return this.send('GET', `/rooms/${seg(room)}/hooks/${seg(id)}`);
  }
  /** Posts as `bot` (one of yours); the answer alone has its `url`. */
  addIncoming(room: string, bot: string): Promise<{ hook: IncomingHook }> {
    return this.send('POST', `/rooms/${seg(room)}/hooks`, { kind: 'incoming', bot });
  }
  /** POSTs the room's `events` to `url`, signed; the answer alone has its `secret`. */
  addOutgoing(room: string, url: string, events: readonly HookEvent[], includeBots = false): Promise<{ hook: OutgoingHook }> {
    return this.send('POST', `/rooms/${seg(room)}/hooks`, { kind: 'outgoing', url, events, include_bots: includeBots });
  }
  /** Pause or resume an outgoing hook: delivery waits, skipping nothing. */
  setActive(room: string, id: string, active: boolean): Promise<{ hook: OutgoingHook }> {
    return this.send('PATCH', `/rooms/${seg(room)}/hooks/${seg(id)}`, { active });
  }
  remove(room: string, id: string): Promise<null> {
    return this.send('DELETE', `/rooms/${seg(room)}/hooks/${seg(id)}`);
  }
  /**
   * Post through an incoming hook (no token: the URL is the secret). `hook` is its URL or its secret; `username`
   * shows as the message's alias; a repeated `idempotencyKey` returns the first message.
   */
  incoming(hook: string, payload: { text: string; username?: string }, idempotencyKey?: string): Promise<{ message: Message }> {
    const secret = hook.slice(hook.lastIndexOf('/') + 1);
    return this.send('POST', `/hooks/${seg(secret)}`, payload, idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {});
  }
}

export type { Hook };
