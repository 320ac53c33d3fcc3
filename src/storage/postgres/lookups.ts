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

const INBOX = `${ORDERED.replace('SELECT o.pos,', 'SELECT x.reason, v.read_seq, o.pos,')}
JOIN mentions x ON x.message_id = m.id AND x.user_id = $1
JOIN members v ON v.room_id = m.room_id AND v.user_id = $1
WHERE NOT m.deleted AND ($2::bigint IS NULL OR o.pos < $2)
ORDER BY o.pos DESC LIMIT $3`;

export class PostgresLookups implements Lookups {
  constructor(private readonly pool: pg.Pool, private readonly log: StoreLog) {}

  async users(prefix: string, limit: number): Promise<User[]> {
    const key = prefix.toLowerCase();
    return (await this.read<UserRow>(SQL.usersByPrefix, [key, `${key}\u{10FFFF}`, limit])).map(toUser);
  }

  async messages(viewerId: string, q: MessageQuery): Promise<{ messages: Message[]; nextKey: number | null }> {
    const params: unknown[] = [parseId(viewerId), q.grams, q.limit + 1];
    const arg = (v: unknown) => `$${params.push(v)}`;
    const where = [
      'm.grams @> $2::text[]',
      'NOT m.deleted',
      `(r.visibility = 'public' OR EXISTS (SELECT 1 FROM members v WHERE v.room_id = m.room_id AND v.user_id = $1))`,
      ...q.terms.map((t) => `strpos(m.search_text, ${arg(t)}) > 0`),
    ];
    if (q.roomId !== undefined) where.push(`m.room_id = ${arg(q.roomId)}`);
    if (q.authorId !== undefined) where.push(`m.author_id = ${arg(parseId(q.authorId))}`);
    if (q.since !== undefined) where.push(`m.created_at >= ${arg(q.since)}`);
    if (q.until !== undefined) where.push(`m.created_at < ${arg(q.until)}`);
    if (q.beforeKey !== null) where.push(`o.pos < ${arg(q.beforeKey)}`);
    const rows = await this.read<KeyedRow>(`${ORDERED} WHERE ${where.join(' AND ')} ORDER BY o.pos DESC LIMIT $3`, params);
    const page = rows.slice(0, q.limit);
    return {
      messages: await this.withReactions(page),
      nextKey: rows.length > q.limit ? Number(page[page.length - 1]!.pos) : null,
    };
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
