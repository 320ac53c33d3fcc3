/**
 * Bots (API v1.1 §6): users of kind `bot` owned by an account, with a bearer token that never expires (a
 * session: core/auth.ts does not expire bots' sessions, and the store refuses them while the owner is
 * deactivated). Rights are asked of core/rights.ts.
 */
import { randomBytes } from 'node:crypto';
import type { AdminStore } from '../storage/admin.ts';
import type { BotStore, BotView } from '../storage/hooks.ts';
import { hashToken } from './auth.ts';
import { DISPLAY_NAME_MAX } from './admin.ts';
import { forbidden, invalid, notFound } from './errors.ts';
import { isAdmin, managesBot, ownsBots } from './rights.ts';
import type { LogEvent, User } from './types.ts';
import { checkNewUsername, isUsername } from './validate.ts';

/** Active bots one account may own (API v1.1 Limits). */
export const BOTS_MAX = 20;

/** A new bearer token: 32 random bytes, shown once (only its SHA-256 is kept, as for sessions). */
export const newToken = (): string => randomBytes(32).toString('base64url');

export class Bots {
  constructor(
    private readonly store: { bots: BotStore; admin: Pick<AdminStore, 'updateUser'> },
    private readonly publish: (events: LogEvent[]) => void,
    /** End a session's streams on every node. */
    private readonly endSession: (sessionId: string, userId: string) => void,
  ) {}

  async create(owner: User, body: { username: string; display_name?: string | null }): Promise<{ user: User; token: string }> {
    if (!ownsBots(owner)) throw forbidden('guests and bots cannot create bots');
    checkNewUsername(body.username);
    const name = body.display_name ?? null;
    if (name !== null && ([...name].length < 1 || [...name].length > DISPLAY_NAME_MAX || name.trim() === '')) {
      throw invalid(`display_name: 1-${DISPLAY_NAME_MAX} characters, or null`);
    }
    const token = newToken();
    const created = await this.store.bots.create({ username: body.username, displayName: name, ownerId: owner.id, tokenHash: hashToken(token), limit: BOTS_MAX });
    this.publish(created.events);
    return { user: created.value, token };
  }

  /** Your bots, deactivated ones too; an admin's: every bot. */
  async list(user: User): Promise<BotView[]> {
    return this.store.bots.list(isAdmin(user) ? null : user.id);
  }

  /** A new token for the bot; the old one and its streams end at once. */
  async rotate(user: User, username: string): Promise<string> {
    const bot = await this.managed(user, username);
    const token = newToken();
    for (const id of await this.store.bots.replaceToken(bot.id, hashToken(token))) this.endSession(id, bot.id);
    return token;
  }

  /** Deactivate the bot (its messages stay): `user_updated`, and its token and streams end. */
  async remove(user: User, username: string): Promise<void> {
    const bot = await this.managed(user, username);
    const changed = await this.store.admin.updateUser(bot.id, { active: false });
    this.publish(changed.events);
    for (const id of changed.ended) this.endSession(id, bot.id);
  }

  /** Someone's account was deactivated: the streams of the bots they own end (their tokens are refused meanwhile). */
  async ownerDeactivated(ownerId: string): Promise<void> {
    for (const s of await this.store.bots.ownedSessions(ownerId)) this.endSession(s.id, s.userId);
  }

  /** The bot, when the user may manage it; 404 when there is no such bot, 403 when it is someone else's. */
  private async managed(user: User, username: string): Promise<User> {
    const found = isUsername(username) ? await this.store.bots.find(username) : null;
    if (!found) throw notFound(`bot ${username}`);
    if (!managesBot(user, found.ownerId)) throw forbidden("only the bot's owner or an admin can do that");
    return found.bot;
  }
}
