/**
 * Webhooks (API v1.1 §6): creating, listing, pausing and deleting a room's hooks, and posting through an
 * incoming hook. Delivery of outgoing hooks is core/hook-delivery.ts. Rights are asked of core/rights.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { BotStore, HookEventType, HookRecord, HookStore } from '../storage/hooks.ts';
import { HOOK_EVENTS } from '../storage/hooks.ts';
import type { Lifecycle, Rooms } from '../storage/store.ts';
import { encodeCursor } from './cursor.ts';
import { ChatError, forbidden, invalid, notFound } from './errors.ts';
import { createsOutgoingHook, isAdmin, managesHook, ownsBots } from './rights.ts';
import type { HookView, LogEvent, Role, User } from './types.ts';
import { isRoomName } from './validate.ts';

/** Hooks one room may have (API v1.1 Limits). */
export const HOOKS_MAX = 20;
export const HOOK_URL_MAX = 2048;
export const ALIAS_MAX = 32;
export const IDEMPOTENCY_KEY_MAX = 64;

export type NewHookBody =
  | { kind: 'incoming'; bot: string }
  | { kind: 'outgoing'; url: string; events: string[]; include_bots?: boolean };

export interface HooksOptions {
  /** Whether a URL's host, when it is a literal address, may be fetched (the fetch guard and NATTER_FETCH_ALLOW). */
  literalAllowed(url: URL): boolean;
  /** An outgoing hook was resumed: deliver its backlog now rather than at the worker's next round. */
  onResumed?(): void;
}

/** The SHA-256 of an incoming hook's secret: the only form in which it is kept. */
export const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret).digest();

type Access = { record: { id: number; kind: 'room' | 'dm'; visibility: string }; role: Role | null };

export class Hooks {
  constructor(
    private readonly store: { hooks: HookStore; bots: Pick<BotStore, 'find'> } & Pick<Rooms, 'findRoom'> & Pick<Lifecycle, 'logId'>,
    private readonly publish: (events: LogEvent[]) => void,
    private readonly opts: HooksOptions,
  ) {}

  async create(user: User, roomName: string, body: NewHookBody): Promise<HookView> {
    const access = await this.room(user, roomName);
    const base = { roomId: access.record.id, createdBy: user.id, limit: HOOKS_MAX };
    if (body.kind === 'incoming') {
      if (!ownsBots(user)) throw forbidden('guests and bots cannot create hooks');
      if (access.role === null && !isAdmin(user)) throw forbidden('only members of the room can add hooks to it');
      const found = await this.store.bots.find(body.bot);
      if (!found) throw notFound(`bot ${body.bot}`);
      if (found.ownerId !== user.id) throw forbidden('an incoming hook posts as a bot you own');
      if (!found.bot.active) throw invalid(`bot ${found.bot.username} is deactivated`);
      const secret = randomBytes(24).toString('base64url');
      const created = await this.store.hooks.create({ ...base, kind: 'incoming', botId: found.bot.id, secretHash: hashSecret(secret) });
      this.publish(created.events);
      return { ...this.view(created.value), url: `/api/v1/hooks/${secret}` };
    }
    if (!createsOutgoingHook(user, access.role)) throw forbidden('only the room owner or an admin can add an outgoing hook');
    const url = this.checkUrl(body.url);
    const events = checkEvents(body.events);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const created = await this.store.hooks.create({ ...base, kind: 'outgoing', url, secret, events, includeBots: body.include_bots ?? false });
    this.publish(created.events);
    return { ...this.view(created.value), secret };
  }

  /** The room's hooks: all of them for its owners and admins, else those the caller created. */
  async list(user: User, roomName: string): Promise<HookView[]> {
    const access = await this.room(user, roomName);
    const all = await this.store.hooks.list(access.record.id);
    return all.filter((h) => managesHook(user, access.role, h.createdBy.id)).map((h) => this.view(h));
  }

  async get(user: User, roomName: string, id: string): Promise<HookView> {
    return this.view((await this.managed(user, roomName, id)).hook);
  }

  async setActive(user: User, roomName: string, id: string, active: boolean): Promise<HookView> {
    const { hook } = await this.managed(user, roomName, id);
    if (hook.kind !== 'outgoing') throw invalid('only outgoing hooks can be paused');
    const changed = await this.store.hooks.setActive(hook.roomId, hook.id, active);
    if (!changed) throw notFound(`hook ${id}`);
    if (active) this.opts.onResumed?.();
    return this.view(changed);
  }

  async remove(user: User, roomName: string, id: string): Promise<void> {
    const { hook } = await this.managed(user, roomName, id);
    if (!(await this.store.hooks.delete(hook.roomId, hook.id))) throw notFound(`hook ${id}`);
  }

  /**
   * The hook of an incoming URL's secret and the bot it posts as; 404 when the hook, its bot, the bot's
   * membership or its owner's account is gone.
   */
  async incoming(secret: string): Promise<{ hook: HookRecord; bot: User }> {
    const gone = notFound('hook');
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(secret)) throw gone;
    const found = await this.store.hooks.incoming(hashSecret(secret));
    if (!found || !found.bot || !found.member || !found.ownerActive) throw gone;
    return { hook: found.hook, bot: found.bot };
  }

  /** What an incoming payload posts: its text and alias; the idempotency key as the bot's client id on this hook. */
  incomingPost(hook: HookRecord, payload: unknown, key: string | undefined): { text: string; alias: string | null; clientId: string | null } {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid('body: a JSON object with "text"');
    const { text, username } = payload as { text?: unknown; username?: unknown };
    if (typeof text !== 'string') throw invalid('text: required, a string');
    let alias: string | null = null;
    if (username !== undefined && username !== null) {
      if (typeof username !== 'string' || [...username].length < 1 || [...username].length > ALIAS_MAX || username.trim() === '') {
        throw invalid(`username: 1-${ALIAS_MAX} characters`);
      }
      alias = username;
    }
    if (key !== undefined && (key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX)) throw invalid(`Idempotency-Key: 1-${IDEMPOTENCY_KEY_MAX} characters`);
    return { text, alias, clientId: key === undefined ? null : `hook:${hook.id}:${key}` };
  }

  private view(h: HookRecord): HookView {
    const v: HookView = { id: h.id, kind: h.kind, room: h.room, created_by: h.createdBy, created_at: h.createdAt };
    if (h.kind === 'incoming') return { ...v, bot: h.bot! };
    const at = (pos: number) => encodeCursor(pos, this.store.logId);
    return {
      ...v, url: h.url!, events: h.events, include_bots: h.includeBots, active: h.active,
      cursor: h.ackedPos === null ? null : at(h.ackedPos), backlog: h.backlog,
      last_delivery: h.last && { at: h.last.at, event_id: at(h.last.pos), status: h.last.status, error: h.last.error },
      next_attempt_at: h.attempts > 0 && h.nextAt > 0 ? new Date(h.nextAt).toISOString() : null,
    };
  }

  /** The room as the caller may see it: 404 when unknown, or private and neither a member nor an admin. */
  private async room(user: User, name: string): Promise<Access> {
    const found = isRoomName(name) ? await this.store.findRoom(name, user.id) : null;
    if (!found || (found.record.visibility === 'private' && found.role === null && !isAdmin(user))) throw notFound(`room ${name}`);
    if (found.record.kind === 'dm') throw invalid('hooks belong to rooms, not direct messages');
    return found;
  }

  private async managed(user: User, roomName: string, id: string): Promise<{ hook: HookRecord; access: Access }> {
    const access = await this.room(user, roomName);
    const hook = /^\d{1,15}$/.test(id) ? await this.store.hooks.get(access.record.id, id) : null;
    if (!hook) throw notFound(`hook ${id}`);
    if (!managesHook(user, access.role, hook.createdBy.id)) throw forbidden("only the room's owners, admins and the hook's creator can do that");
    return { hook, access };
  }

  private checkUrl(raw: string): string {
    const bad = (why: string) => new ChatError('invalid_url', `url: ${why}`);
    if (raw.length > HOOK_URL_MAX) throw bad(`at most ${HOOK_URL_MAX} characters`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw bad('not an absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('http or https only');
    if (url.username !== '' || url.password !== '') throw bad('no user name or password in it');
    if (!this.opts.literalAllowed(url)) throw bad(`${url.hostname} is an address that is not fetched`);
    return raw;
  }
}

function checkEvents(events: string[]): HookEventType[] {
  const known = new Set<string>(HOOK_EVENTS);
  if (events.length === 0 || new Set(events).size < events.length || !events.every((e) => known.has(e))) {
    throw invalid(`events: one or more of ${HOOK_EVENTS.join(', ')}, without repeats`);
  }
  return events as HookEventType[];
}
