/**
 * v1.1 reads that span rooms, on SQLite (store.ts `Lookups`): people by name prefix, message search
 * through the FTS5 index (search-index.ts) and a scan of what it has not caught up with, the mentions
 * inbox. The order key is the message id, which SQLite's single writer hands out in commit order.
 * Searches run on the index's reader connection (it sees `search.message_grams`); mirrors postgres/lookups.ts.
 */
import type Database from 'better-sqlite3';
import { matchExpression } from '../../core/fold.ts';
import type { Message, User } from '../../core/types.ts';
import type { InboxItem, Lookups, MessageQuery } from '../store.ts';
import { parseId, toUser, type MessageRow } from '../rows.ts';
import type { SearchIndex } from './search-index.ts';
import { MESSAGE_VIEW } from './sql.ts';
import type { Statements } from './statements.ts';
import { withReactions } from './writes.ts';

/** Readable now by @viewer: public rooms, and rooms they are a member of. */
const READABLE = `(r.visibility = 'public' OR EXISTS (SELECT 1 FROM members v WHERE v.room_id = m.room_id AND v.user_id = @viewer))`;

/** Messages changed after the index's `dirty` row: the index may hold an older text of them. */
const DIRTY = 'SELECT message_id FROM search_dirty WHERE seq > @dirty';

const INBOX = `${MESSAGE_VIEW}
JOIN mentions x ON x.message_id = m.id AND x.user_id = @viewer
JOIN members v ON v.room_id = m.room_id AND v.user_id = @viewer
WHERE m.deleted = 0 AND (@before IS NULL OR m.id < @before)
ORDER BY m.id DESC LIMIT @limit`;

export class SqliteLookups implements Lookups {
  private readonly inbox;
  /** Search statements by shape (number of terms, which filters), prepared once each. */
  private readonly searches = new Map<string, Database.Statement<unknown[], MessageRow>>();
  private readonly db: Database.Database;

  constructor(private readonly index: SearchIndex, private readonly s: Statements) {
    this.db = index.reader;
    this.inbox = this.db.prepare<unknown[], MessageRow & { reason: InboxItem['reason']; read_seq: number }>(
      INBOX.replace('SELECT m.id,', 'SELECT x.reason, v.read_seq, m.id,'),
    );
  }

  async users(prefix: string, limit: number): Promise<User[]> {
    const key = prefix.toLowerCase();
    return this.s.usersByPrefix.all(key, `${key}\u{10FFFF}`, limit).map(toUser);
  }

  /**
   * A page of matches, newest first. The messages the index has not caught up with (newer than its
   * `through`, or changed after its `dirty`: a few hundred at most while the worker keeps up) are scanned;
   * the index answers for the others; the two lists are disjoint and merged by id. Every candidate is
   * confirmed against the message's current folded text, so edits and deletes count at once.
   */
  async messages(viewerId: string, q: MessageQuery): Promise<{ messages: Message[]; nextKey: number | null }> {
    const { through, dirty } = this.index.state();
    const params: Record<string, unknown> = { viewer: parseId(viewerId), limit: q.limit + 1, through, dirty };
    const where = ['m.deleted = 0', READABLE];
    q.terms.forEach((t, i) => {
      where.push(`instr(natter_fold(m.text), @t${i}) > 0`);
      params[`t${i}`] = t;
    });
    if (q.roomId !== undefined) (where.push('m.room_id = @room'), (params.room = q.roomId));
    if (q.authorId !== undefined) (where.push('m.author_id = @author'), (params.author = parseId(q.authorId)));
    if (q.since !== undefined) (where.push('m.created_at >= @since'), (params.since = q.since));
    if (q.until !== undefined) (where.push('m.created_at < @until'), (params.until = q.until));
    if (q.beforeKey !== null) (where.push('m.id < @before'), (params.before = q.beforeKey));
    const filters = where.join(' AND ');
    const tail = this.statement(`${MESSAGE_VIEW} WHERE m.id IN (SELECT id FROM messages WHERE id > @through UNION ${DIRTY}) AND ${filters} ORDER BY m.id DESC LIMIT @limit`).all(params);
    let rows = tail;
    // Tail rows newer than `through` are newer than anything the index holds: enough of them fill the page.
    if (tail.filter((r) => r.id > through).length <= q.limit) {
      params.match = matchExpression(q.terms);
      const indexed = this.statement(`${MESSAGE_VIEW} JOIN search.message_grams ON message_grams.rowid = m.id WHERE message_grams MATCH @match AND m.id <= @through AND m.id NOT IN (${DIRTY}) AND ${filters} ORDER BY message_grams.rowid DESC LIMIT @limit`).all(params);
      rows = [...tail, ...indexed].sort((a, b) => b.id - a.id).slice(0, q.limit + 1);
    }
    const page = rows.slice(0, q.limit);
    return { messages: withReactions(this.s, page), nextKey: rows.length > q.limit ? page[page.length - 1]!.id : null };
  }

  /** A search statement by its SQL (one per shape: number of terms, which filters), prepared once. */
  private statement(sql: string): Database.Statement<unknown[], MessageRow> {
    let stmt = this.searches.get(sql);
    if (!stmt) this.searches.set(sql, (stmt = this.db.prepare<unknown[], MessageRow>(sql)));
    return stmt;
  }

  async mentions(viewerId: string, page: { limit: number; beforeKey: number | null }): Promise<{ items: InboxItem[]; nextKey: number | null }> {
    const rows = this.inbox.all({ viewer: parseId(viewerId), before: page.beforeKey, limit: page.limit + 1 });
    const kept = rows.slice(0, page.limit);
    const messages = withReactions(this.s, kept);
    return {
      items: kept.map((r, i) => ({ message: messages[i]!, reason: r.reason, read: r.seq <= r.read_seq })),
      nextKey: rows.length > page.limit ? kept[kept.length - 1]!.id : null,
    };
  }
}
