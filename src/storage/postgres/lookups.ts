/**
 * v1.1 reads that span rooms, on PostgreSQL (store.ts `Lookups`): people by name prefix, message search
 * through the GIN index on `messages.grams`, the mentions inbox. The order key is `message_order.pos`, the log
 * position of the message's creation (commit order; ids are not, across concurrent transactions).
 * Mirrors sqlite/lookups.ts.
 */
import type pg from 'pg';
import type { Message, User } from '../../core/types.ts';
import type { InboxItem, Lookups, MessageQuery } from '../store.ts';
import { parseId, toUser, type MessageRow, type UserRow } from '../rows.ts';
import { retrying, transaction, type StoreLog } from './db.ts';
import { MESSAGE_VIEW, SQL } from './sql.ts';
import { withReactions } from './writes.ts';

type KeyedRow = MessageRow & { pos: string | number };

/** Messages in search order: with `pos`, the position of their creation (message_order). */
const ORDERED = `${MESSAGE_VIEW.replace('SELECT m.id,', 'SELECT o.pos, m.id,')} JOIN message_order o ON o.message_id = m.id`;

/** How many of the newest positions a search scans before it uses the index. */
export const SEARCH_RECENT_WINDOW = 16_384;
/** Each index window holds this many times the positions of the one before (the first: the recent window's). */
const WINDOW_GROWTH = 4;
/** The first index step reads at most this many matches of the whole log: fewer means it saw them all. */
const FEW_MATCHES = 500;

/** Readable now by $1: public rooms, and rooms they are a member of. */
const READABLE = `(r.visibility = 'public' OR EXISTS (SELECT 1 FROM members v WHERE v.room_id = m.room_id AND v.user_id = $1))`;

const INBOX = `${ORDERED.replace('SELECT o.pos,', 'SELECT x.reason, v.read_seq, o.pos,')}
JOIN mentions x ON x.message_id = m.id AND x.user_id = $1
JOIN members v ON v.room_id = m.room_id AND v.user_id = $1
WHERE NOT m.deleted AND ($2::bigint IS NULL OR o.pos < $2)
ORDER BY o.pos DESC LIMIT $3`;

export class PostgresLookups implements Lookups {
  constructor(private readonly pool: pg.Pool, private readonly log: StoreLog, private readonly recentWindow = SEARCH_RECENT_WINDOW, private readonly few = FEW_MATCHES) {}

  async users(prefix: string, limit: number): Promise<User[]> {
    const key = prefix.toLowerCase();
    return (await this.read<UserRow>(SQL.usersByPrefix, [key, `${key}\u{10FFFF}`, limit])).map(toUser);
  }

  /**
   * A page of matches, newest position first, in steps over growing windows of positions below the
   * cursor. First the newest `recentWindow` positions are scanned in message_order (narrow rows: position,
   * room, folded text), newest first: a term frequent enough to fill a page there is answered without
   * touching the index. When the recent positions held no match at all, the term is likely rare: the GIN index
   * on `messages.grams` is asked for at most FEW_MATCHES matches in the whole log, and fewer are all it has.
   * Otherwise it is asked for the matches of a window
   * WINDOW_GROWTH times larger, then larger again, then the whole log: a window is the positions in
   * (from, below). Ids follow positions only roughly, so each position keeps the smallest id at it or after
   * it (`floor_id`, migration 007): a window's messages have ids from its first position's floor on
   * (`windowStart`); the index's bitmap is ANDed with that id range, and only the window's matches are
   * read from the wide rows. A window
   * that fills the page is exact: every match outside it has an older position. The matches are
   * MATERIALIZED before they are ordered (no plan walks the order index row by row), and the planner may
   * not fall back to reading every message (enable_seqscan off for those queries). A query the index cannot
   * answer (only 1- and 2-character terms with whitespace: core/fold.ts `indexedTerm`) goes on scanning older
   * windows instead (`scanOn`).
   */
  async messages(viewerId: string, q: MessageQuery): Promise<{ messages: Message[]; nextKey: number | null }> {
    const k = q.limit + 1;
    const below = q.beforeKey ?? Number((await this.read<{ pos: string }>(SQL.head, []))[0]!.pos) + 1;
    let size = this.recentWindow;
    let from = below - size;
    let rows = await this.read<KeyedRow>(...this.recentSql(viewerId, q, k, below, Math.max(from, 0)));
    if (q.grams.length === 0) return this.page(q, await this.scanOn(viewerId, q, k, rows, from));
    if (rows.length === 0 && from > 0) {
      const [sql, params] = this.matchSql(q, null, this.few);
      const hits = (await this.indexed<{ id: string }>(sql, params)).map((r) => r.id);
      if (hits.length < this.few) {
        rows = hits.length === 0 ? [] : await this.read<KeyedRow>(`${ORDERED} WHERE m.id = ANY($1::bigint[]) AND o.pos < $2 AND ${READABLE.replaceAll('$1', '$4')} ORDER BY o.pos DESC LIMIT $3`, [hits, below, k, parseId(viewerId)]);
        from = 0;
      }
    }
    // Each window step builds the index's bitmap of the term again, so the first window is sized from the
    // recent density to hold the page with a margin; a window that still falls short grows WINDOW_GROWTH times.
    let grow = Math.max(WINDOW_GROWTH, Math.ceil((1.5 * k) / Math.max(rows.length, 1)));
    while (rows.length < k && from > 0) {
      size *= grow;
      grow = WINDOW_GROWTH;
      from = Math.max(below - size, 0);
      const window = from;
      rows = await this.indexed(async (tx) => {
        const start = window > 0 ? (await tx.query<{ id: string }>(SQL.windowStart, [window])).rows[0]?.id ?? null : null;
        if (window > 0 && start === null) return [];
        const [sql, params] = this.indexedSql(viewerId, q, k, below, start === null ? null : { from: window, id: start });
        return (await tx.query<KeyedRow>(sql, params)).rows;
      });
    }
    return this.page(q, rows);
  }

  /**
   * A query with no indexed term (only 1- or 2-character terms with whitespace: core/fold.ts `indexedTerm`) goes
   * on scanning the folded text, window after older window (each WINDOW_GROWTH times the last), at and below
   * `from`, until the page is full. Such terms (`"a "`) are in most messages, so the first windows nearly always fill it.
   */
  private async scanOn(viewerId: string, q: MessageQuery, k: number, rows: KeyedRow[], from: number): Promise<KeyedRow[]> {
    let size = this.recentWindow;
    while (rows.length < k && from > 0) {
      size *= WINDOW_GROWTH;
      // The positions in (from − size, from]: the window before ended just above `from`.
      const below = from + 1;
      from = Math.max(from - size, 0);
      rows = rows.concat(await this.read<KeyedRow>(...this.recentSql(viewerId, q, k - rows.length, below, from)));
    }
    return rows;
  }

  private async page(q: MessageQuery, rows: KeyedRow[]): Promise<{ messages: Message[]; nextKey: number | null }> {
    const page = rows.slice(0, q.limit);
    return {
      messages: await this.withReactions(page),
      nextKey: rows.length > q.limit ? Number(page[page.length - 1]!.pos) : null,
    };
  }

  /** Matches among the positions in (from, below), scanned newest first in message_order. */
  private recentSql(viewerId: string, q: MessageQuery, k: number, below: number, from: number): [string, unknown[]] {
    const params: unknown[] = [parseId(viewerId), k, below, from];
    const arg = (v: unknown) => `$${params.push(v)}`;
    const where = ['o.pos < $3', 'o.pos > $4', ...q.terms.map((t) => `strpos(o.search_text, ${arg(t)}) > 0`), 'NOT m.deleted', READABLE];
    if (q.roomId !== undefined) where.push(`o.room_id = ${arg(q.roomId)}`);
    where.push(...this.filters(q, arg));
    return [`${ORDERED} WHERE ${where.join(' AND ')} ORDER BY o.pos DESC LIMIT $2`, params];
  }

  /**
   * Matches below `below` found through the GIN index, then ordered: in the window's positions (after
   * `window.from`, ids from `window.id` on), or in the whole log when `window` is null.
   */
  private indexedSql(viewerId: string, q: MessageQuery, k: number, below: number, window: { from: number; id: string } | null): [string, unknown[]] {
    const [match, params] = this.matchSql(q, window ? window.id : null, undefined, [parseId(viewerId), k, below]);
    const order = ['o.pos < $3', ...(window ? [`o.pos > $${params.push(window.from)}`] : []), READABLE];
    const sql = `WITH hit AS MATERIALIZED (${match})
${ORDERED} JOIN hit ON hit.id = m.id WHERE ${order.join(' AND ')} ORDER BY o.pos DESC LIMIT $2`;
    return [sql, params];
  }

  /** The ids of messages matching `q` through the GIN index (ids from `fromId` on; at most `cap`), with `params` before its own. */
  private matchSql(q: MessageQuery, fromId: string | null, cap?: number, params: unknown[] = []): [string, unknown[]] {
    const arg = (v: unknown) => `$${params.push(v)}`;
    const match = [`m.grams @> ${arg(q.grams)}::text[]`, 'NOT m.deleted', ...q.terms.map((t) => `strpos(m.search_text, ${arg(t)}) > 0`)];
    if (fromId !== null) match.push(`m.id >= ${arg(fromId)}`);
    if (q.roomId !== undefined) match.push(`m.room_id = ${arg(q.roomId)}`);
    match.push(...this.filters(q, arg));
    return [`SELECT m.id FROM messages m WHERE ${match.join(' AND ')}${cap === undefined ? '' : ` LIMIT ${arg(cap)}`}`, params];
  }

  /** One index query (or `fn`'s queries) in a read-only transaction where the planner may not read every message. */
  private indexed<R extends pg.QueryResultRow>(sqlOrFn: string | ((tx: pg.PoolClient) => Promise<R[]>), params: unknown[] = []): Promise<R[]> {
    return retrying('read', this.log, 4, () => transaction(this.pool, this.log, async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      return typeof sqlOrFn === 'string' ? (await tx.query<R>(sqlOrFn, params)).rows : sqlOrFn(tx);
    }, 'BEGIN READ ONLY'));
  }

  /** The author and time filters, on `m`. */
  private filters(q: MessageQuery, arg: (v: unknown) => string): string[] {
    const out: string[] = [];
    if (q.authorId !== undefined) out.push(`m.author_id = ${arg(parseId(q.authorId))}`);
    if (q.since !== undefined) out.push(`m.created_at >= ${arg(q.since)}`);
    if (q.until !== undefined) out.push(`m.created_at < ${arg(q.until)}`);
    return out;
  }

  async mentions(viewerId: string, page: { limit: number; beforeKey: number | null }): Promise<{ items: InboxItem[]; nextKey: number | null }> {
    const rows = await this.read<KeyedRow & { reason: InboxItem['reason']; read_seq: number }>(INBOX, [parseId(viewerId), page.beforeKey, page.limit + 1]);
    const kept = rows.slice(0, page.limit);
    const messages = await this.withReactions(kept);
    return {
      items: kept.map((r, i) => ({ message: messages[i]!, reason: r.reason, read: Number(r.seq) <= Number(r.read_seq) })),
      nextKey: rows.length > page.limit ? Number(kept[kept.length - 1]!.pos) : null,
    };
  }

  private withReactions(rows: MessageRow[]): Promise<Message[]> {
    return retrying('read', this.log, 4, () => withReactions(this.pool, rows));
  }

  private read<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    return retrying('read', this.log, 4, async () => (await this.pool.query<R>(sql, params)).rows);
  }
}
