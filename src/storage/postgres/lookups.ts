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
import { retrying, type StoreLog } from './db.ts';
import { MESSAGE_VIEW, SQL } from './sql.ts';
import { withReactions } from './writes.ts';

type KeyedRow = MessageRow & { pos: string | number };

/** Messages in search order: with `pos`, the position of their creation (message_order). */
const ORDERED = `${MESSAGE_VIEW.replace('SELECT m.id,', 'SELECT o.pos, m.id,')} JOIN message_order o ON o.message_id = m.id`;

/** The first window of a search: this many newest positions (they hold a frequent term's page). */
export const SEARCH_FIRST_WINDOW = 4096;

/**
 * The smallest message id among the positions in ($1, $2): the start of a window's id range. `+ 0` keeps
 * the planner from answering min() by walking the message_id index from the oldest row until one falls in
 * the window (150 ms on 300k messages); the window's rows are read through the pos index instead.
 */
const WINDOW_IDS = 'SELECT min(message_id + 0)::text AS id FROM message_order WHERE pos > $1 AND pos < $2';

const INBOX = `${ORDERED.replace('SELECT o.pos,', 'SELECT x.reason, v.read_seq, o.pos,')}
JOIN mentions x ON x.message_id = m.id AND x.user_id = $1
JOIN members v ON v.room_id = m.room_id AND v.user_id = $1
WHERE NOT m.deleted AND ($2::bigint IS NULL OR o.pos < $2)
ORDER BY o.pos DESC LIMIT $3`;

export class PostgresLookups implements Lookups {
  constructor(private readonly pool: pg.Pool, private readonly log: StoreLog, private readonly firstWindow = SEARCH_FIRST_WINDOW) {}

  async users(prefix: string, limit: number): Promise<User[]> {
    const key = prefix.toLowerCase();
    return (await this.read<UserRow>(SQL.usersByPrefix, [key, `${key}\u{10FFFF}`, limit])).map(toUser);
  }

  /**
   * A page of matches, newest position first, searched in windows of the newest positions (below the cursor)
   * that widen until the page is full, then the whole log. Within a window the GIN bitmap is ANDed with a
   * range of `messages.id` (its primary key), so only that window's matches are fetched from the heap: a
   * frequent term fills its page from a few thousand positions, a rare one ends in one bitmap scan of the
   * whole index, and no term walks the log row by row. The id range is exact, not a guess: it starts at the
   * smallest message id among the window's positions (message_order), so a message whose transaction
   * committed late, with an older id, is still in it.
   */
  async messages(viewerId: string, q: MessageQuery): Promise<{ messages: Message[]; nextKey: number | null }> {
    const k = q.limit + 1;
    const below = q.beforeKey ?? Number((await this.read<{ pos: string }>(SQL.head, []))[0]!.pos) + 1;
    let width = this.firstWindow;
    let rows: KeyedRow[];
    for (;;) {
      const from = below - width > 0 ? below - width : null;
      const idFrom = from === null ? null : (await this.read<{ id: string | null }>(WINDOW_IDS, [from, below]))[0]!.id;
      rows = from !== null && idFrom === null ? [] : await this.read<KeyedRow>(...this.searchSql(viewerId, q, k, below, from, idFrom));
      if (rows.length >= k || from === null) break;
      // Widen so that the matches seen so far, at the same density, would fill the page twice over.
      width = rows.length <= 1 ? Infinity : width * Math.ceil((2 * k) / rows.length);
    }
    const page = rows.slice(0, q.limit);
    return {
      messages: await this.withReactions(page),
      nextKey: rows.length > q.limit ? Number(page[page.length - 1]!.pos) : null,
    };
  }

  /** The search of one window: positions in (from, below), ids from idFrom (null = the whole log below). */
  private searchSql(viewerId: string, q: MessageQuery, k: number, below: number, from: number | null, idFrom: string | null): [string, unknown[]] {
    const params: unknown[] = [parseId(viewerId), q.grams, k, below];
    const arg = (v: unknown) => `$${params.push(v)}`;
    const match = ['m.grams @> $2::text[]', 'NOT m.deleted', ...q.terms.map((t) => `strpos(m.search_text, ${arg(t)}) > 0`)];
    if (idFrom !== null) match.push(`m.id >= ${arg(idFrom)}::bigint`);
    if (q.roomId !== undefined) match.push(`m.room_id = ${arg(q.roomId)}`);
    if (q.authorId !== undefined) match.push(`m.author_id = ${arg(parseId(q.authorId))}`);
    if (q.since !== undefined) match.push(`m.created_at >= ${arg(q.since)}`);
    if (q.until !== undefined) match.push(`m.created_at < ${arg(q.until)}`);
    const where = [
      'o.pos < $4',
      `(r.visibility = 'public' OR EXISTS (SELECT 1 FROM members v WHERE v.room_id = m.room_id AND v.user_id = $1))`,
    ];
    if (from !== null) where.push(`o.pos > ${arg(from)}`);
    // The matches are found first (MATERIALIZED: no plan may walk the order index row by row), then ordered.
    const sql = `WITH hit AS MATERIALIZED (SELECT m.id FROM messages m WHERE ${match.join(' AND ')})
${ORDERED} JOIN hit ON hit.id = m.id WHERE ${where.join(' AND ')} ORDER BY o.pos DESC LIMIT $3`;
    return [sql, params];
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
