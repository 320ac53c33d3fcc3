/**
 * v1.1 reads that span rooms, on SQLite (store.ts `Lookups`): people by name prefix, message search
 * through the `message_grams` FTS5 index (and a scan of the messages not yet in it), the mentions inbox. The order key is the message id, which
 * SQLite's single writer hands out in commit order. Mirrors postgres/lookups.ts.
 */
import type Database from 'better-sqlite3';
import { matchExpression } from '../../core/fold.ts';
import type { Message, User } from '../../core/types.ts';
import type { InboxItem, Lookups, MessageQuery } from '../store.ts';
import { parseId, toUser, type MessageRow } from '../rows.ts';
import { MESSAGE_VIEW } from './sql.ts';
import type { Statements } from './statements.ts';
import { withReactions } from './writes.ts';

/** Readable now by @viewer: public rooms, and rooms they are a member of. */
const READABLE = `(r.visibility = 'public' OR EXISTS (SELECT 1 FROM members v WHERE v.room_id = m.room_id AND v.user_id = @viewer))`;

const INBOX = `${MESSAGE_VIEW}
JOIN mentions x ON x.message_id = m.id AND x.user_id = @viewer
JOIN members v ON v.room_id = m.room_id AND v.user_id = @viewer
WHERE m.deleted = 0 AND (@before IS NULL OR m.id < @before)
ORDER BY m.id DESC LIMIT @limit`;

export class SqliteLookups implements Lookups {
  private readonly inbox;
  /** Search statements by shape (number of terms, which filters), prepared once each. */
  private readonly searches = new Map<string, Database.Statement<unknown[], MessageRow>>();

  constructor(private readonly db: Database.Database, private readonly s: Statements) {
    this.inbox = db.prepare<unknown[], MessageRow & { reason: InboxItem['reason']; read_seq: number }>(
      INBOX.replace('SELECT m.id,', 'SELECT x.reason, v.read_seq, m.id,'),
    );
  }

  async users(prefix: string, limit: number): Promise<User[]> {
    const key = prefix.toLowerCase();
    return this.s.usersByPrefix.all(key, `${key}\u{10FFFF}`, limit).map(toUser);
  }

  /**
   * A page of matches, newest first: the messages not yet in the index (after `through`, a few hundred at
   * most: search-index.ts) are scanned, then the index answers for the rest. Every candidate is confirmed
   * against the stored folded text, so edits and deletes count at once.
   */
  async messages(viewerId: string, q: MessageQuery): Promise<{ messages: Message[]; nextKey: number | null }> {
    const through = this.s.searchIndex.through;
    const params: Record<string, unknown> = { viewer: parseId(viewerId), limit: q.limit + 1, through };
    const where = ['m.deleted = 0', READABLE];
    q.terms.forEach((t, i) => {
      where.push(`instr(m.search_text, @t${i}) > 0`);
      params[`t${i}`] = t;
    });
    if (q.roomId !== undefined) (where.push('m.room_id = @room'), (params.room = q.roomId));
    if (q.authorId !== undefined) (where.push('m.author_id = @author'), (params.author = parseId(q.authorId)));
    if (q.since !== undefined) (where.push('m.created_at >= @since'), (params.since = q.since));
    if (q.until !== undefined) (where.push('m.created_at < @until'), (params.until = q.until));
    if (q.beforeKey !== null) (where.push('m.id < @before'), (params.before = q.beforeKey));
    const rows = this.statement(`${MESSAGE_VIEW} WHERE m.id > @through AND ${where.join(' AND ')} ORDER BY m.id DESC LIMIT @limit`).all(params);
    if (rows.length <= q.limit) {
      params.match = matchExpression(q.terms);
      params.limit = q.limit + 1 - rows.length;
      rows.push(...this.statement(`${MESSAGE_VIEW} JOIN message_grams ON message_grams.rowid = m.id WHERE message_grams MATCH @match AND m.id <= @through AND ${where.join(' AND ')} ORDER BY message_grams.rowid DESC LIMIT @limit`).all(params));
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
