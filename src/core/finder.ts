/**
 * v1.1 reads that span rooms (API v1.1 §1-2): message search, the mentions inbox, and the people
 * lookup. Query folding and highlights come from core/fold.ts, the same function the stores index with.
 */
import type { Lookups, Rooms, Accounts } from '../storage/store.ts';
import { decodeListCursor, encodeListCursor } from './cursor.ts';
import { ChatError, invalid, notFound } from './errors.ts';
import { highlights, parseQuery, queryGrams } from './fold.ts';
import type { Message, User } from './types.ts';
import { isRoomName, isUsername } from './validate.ts';

/** The part of the Store the finder needs. */
export type FinderStore = { readonly lookups: Lookups } & Pick<Rooms, 'findRoom'> & Pick<Accounts, 'findUserByName'>;

export interface SearchParams {
  q: string;
  room?: string;
  author?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export const SEARCH_LIMIT_DEFAULT = 20;
export const INBOX_LIMIT_DEFAULT = 50;

export class Finder {
  constructor(private readonly store: FinderStore, private readonly online: { isOnline(userId: string): boolean }) {}

  /** GET /search: newest first, each message with the UTF-16 ranges of every term in its text. */
  async search(user: User, p: SearchParams): Promise<{ results: { message: Message; highlights: [number, number][] }[]; next: string | null }> {
    const terms = parseQuery(p.q);
    const since = p.since === undefined ? undefined : isoTime(p.since, 'since');
    const until = p.until === undefined ? undefined : isoTime(p.until, 'until');
    const beforeKey = p.cursor === undefined ? null : listCursor(p.cursor);
    let roomId: number | undefined;
    if (p.room !== undefined) {
      const access = isRoomName(p.room) ? await this.store.findRoom(p.room, user.id) : null;
      if (!access || (access.record.visibility === 'private' && access.role === null)) throw notFound(`room ${p.room}`);
      roomId = access.record.id;
    }
    let authorId: string | undefined;
    if (p.author !== undefined) {
      const author = isUsername(p.author) ? await this.store.findUserByName(p.author) : null;
      if (!author) return { results: [], next: null };
      authorId = author.id;
    }
    const limit = p.limit ?? SEARCH_LIMIT_DEFAULT;
    const { messages, nextKey } = await this.store.lookups.messages(user.id, { terms, grams: queryGrams(terms), roomId, authorId, since, until, limit, beforeKey });
    return {
      results: messages.map((message) => ({ message, highlights: highlights(message.text, terms) })),
      next: nextKey === null ? null : encodeListCursor(nextKey),
    };
  }

  /** GET /mentions: messages that mention the user, newest first. */
  async mentions(user: User, p: { limit?: number; cursor?: string }) {
    const beforeKey = p.cursor === undefined ? null : listCursor(p.cursor);
    const { items, nextKey } = await this.store.lookups.mentions(user.id, { limit: p.limit ?? INBOX_LIMIT_DEFAULT, beforeKey });
    return { mentions: items, next: nextKey === null ? null : encodeListCursor(nextKey) };
  }

  /** People whose username starts with `prefix` (case-insensitively), by username, with presence: the people picker. */
  async people(prefix: string, limit: number): Promise<{ user: User; online: boolean }[]> {
    if (prefix !== '' && !isUsername(prefix)) throw invalid('q: a username prefix (letters, digits, "_", "." and "-")');
    return (await this.store.lookups.users(prefix, limit)).map((u) => ({ user: u, online: this.online.isOnline(u.id) }));
  }
}

function listCursor(raw: string): number {
  const key = decodeListCursor(raw);
  if (key === null) throw new ChatError('invalid_cursor', 'cursor: malformed (pass back a `next` value unchanged)');
  return key;
}

/** An ISO-8601 time as stored (`…T…Z` with milliseconds); 400 when it is not one. */
function isoTime(raw: string, name: string): string {
  const t = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(t)) throw invalid(`${name}: an ISO-8601 time like 2026-11-24T10:00:00.000Z`);
  return new Date(t).toISOString();
}
