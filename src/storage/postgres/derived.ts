/**
 * What a message's text derives, kept in the same transaction as the text (API v1.1 §1-2): the folded
 * search text and its grams (a GIN-indexed array in the row), the mentions (the message's `mentions`
 * field and one `mentions` row per mentioned user), and the reply parent's check. Mirrors sqlite/derived.ts.
 */
import { ChatError } from '../../core/errors.ts';
import { fold, gramsOf } from '../../core/fold.ts';
import { BROADCAST_MEMBERS_MAX, namesToLookUp, mentionCandidates, planMentions } from '../../core/mentions.ts';
import type { MessageMentions, ReplyRef, UserRef } from '../../core/types.ts';
import { noMentions, parseId, replyRefOf, type MessageRow } from '../rows.ts';
import type { Tx } from './db.ts';
import { SQL } from './sql.ts';

/** The parent of a new reply: a message of the same room, not deleted; else 400 `invalid_reply_to`. */
export async function replyParent(tx: Tx, roomId: number, replyTo: string): Promise<{ row: MessageRow; ref: ReplyRef }> {
  const row = (await tx.query<MessageRow>(SQL.replyParent, [parseId(replyTo), roomId])).rows[0];
  if (!row || row.deleted) throw new ChatError('invalid_reply_to', 'reply_to: no such message in this room (or it was deleted)');
  return { row, ref: replyRefOf(row) };
}

/** What a text derives, computed before the message row is written (so a new row is written once, whole). */
export interface Derived {
  folded: string;
  grams: string[];
  /** The `mentions` column: JSON, or null when the text mentions nobody. */
  mentionsJson: string | null;
  mentions: MessageMentions;
  rows: { userId: string; reason: string }[];
}

/** Fold, gram and parse mentions of a text posted (or edited) by `authorId` in a room. */
export async function deriveText(tx: Tx, m: { roomId: number; authorId: string; text: string; replyAuthorId: string | null }, online: (userId: string) => boolean): Promise<Derived> {
  const plan = await mentionsOf(tx, m, online);
  const folded = fold(m.text);
  const any = plan.mentions.users.length > 0 || plan.mentions.room || plan.mentions.here;
  return { folded, grams: gramsOf(folded), mentionsJson: any ? JSON.stringify(plan.mentions) : null, mentions: plan.mentions, rows: plan.rows };
}

/** Record whom a message mentions (its rows replace any earlier ones when `replace`). */
export async function saveMentions(tx: Tx, m: { id: number; roomId: number; seq: number }, d: Derived, replace: boolean): Promise<void> {
  if (replace) await tx.query(SQL.deleteMentions, [m.id]);
  if (d.rows.length === 0) return;
  const n = d.rows.length;
  await tx.query(SQL.insertMention, [d.rows.map((r) => parseId(r.userId)), Array(n).fill(m.id), Array(n).fill(m.roomId), Array(n).fill(m.seq), d.rows.map((r) => r.reason)]);
}

/** Re-derive an edited message in place: its search text and grams, its mentions. */
export async function derive(
  tx: Tx,
  m: { id: number; roomId: number; seq: number; authorId: string; text: string; replyAuthorId: string | null },
  online: (userId: string) => boolean,
): Promise<MessageMentions> {
  const d = await deriveText(tx, m, online);
  await saveMentions(tx, m, d, true);
  await tx.query(SQL.setDerived, [d.folded, d.mentionsJson, m.id, d.grams]);
  await tx.query(SQL.setOrderText, [d.folded, m.id]);
  return d.mentions;
}

/** A deleted message matches no search and mentions nobody. */
export async function underive(tx: Tx, messageId: number): Promise<MessageMentions> {
  await tx.query(SQL.deleteMentions, [messageId]);
  await tx.query(SQL.setDerived, [null, null, messageId, null]);
  await tx.query(SQL.setOrderText, [null, messageId]);
  return noMentions();
}

async function mentionsOf(tx: Tx, m: { roomId: number; authorId: string; text: string; replyAuthorId: string | null }, online: (userId: string) => boolean) {
  const author = parseId(m.authorId);
  const names = namesToLookUp(mentionCandidates(m.text));
  const exists = new Set<string>();
  const found = new Map<string, UserRef>();
  if (names.length > 0) {
    const rows = (await tx.query<{ id: string; username: string; username_key: string; member: boolean }>(SQL.mentionable, [m.roomId, names])).rows;
    for (const u of rows) {
      exists.add(u.username_key);
      if (u.member && Number(u.id) !== author) found.set(u.username_key, { id: String(u.id), username: u.username });
    }
  }
  const broadcast = /@(room|here)/i.test(m.text);
  const st = broadcast ? (await tx.query<{ role: string | null; guest: boolean; admin: boolean; members: number }>(SQL.standing, [m.roomId, m.roomId, author])).rows[0]! : null;
  const replyIsMember = m.replyAuthorId !== null && m.replyAuthorId !== m.authorId
    && !!(await tx.query(SQL.isMember, [m.roomId, parseId(m.replyAuthorId)])).rowCount;
  // The checks planMentions asks for synchronously are read first, only when the text could need them.
  const mayBroadcast = !!st && !st.guest && (st.role === 'owner' || st.admin || st.members <= BROADCAST_MEMBERS_MAX);
  const ids = mayBroadcast ? (await tx.query<{ id: string }>(SQL.memberIds, [m.roomId])).rows.map((r) => String(r.id)) : [];
  return planMentions(m.text, {
    exists,
    found,
    mayBroadcast: () => mayBroadcast,
    replyAuthor: replyIsMember ? { id: m.replyAuthorId!, username: '' } : null,
    memberIds: () => ids,
    online,
    authorId: m.authorId,
  });
}

/**
 * Index messages written before search existed (migration 003 adds the columns empty), in batches; safe to
 * run on several nodes at once (each batch is idempotent). Their mentions stay unrecorded.
 */
export async function backfillSearch(pool: { query: Tx['query'] }): Promise<number> {
  let n = 0;
  for (;;) {
    const rows = (await pool.query<{ id: string; text: string }>('SELECT id, text FROM messages WHERE search_text IS NULL AND NOT deleted ORDER BY id LIMIT 500')).rows;
    if (rows.length === 0) return n;
    const folded = rows.map((r) => fold(r.text));
    await pool.query(
      'UPDATE messages m SET search_text = b.f, grams = ARRAY(SELECT jsonb_array_elements_text(b.g)) FROM unnest($1::bigint[], $2::text[], $3::jsonb[]) AS b(id, f, g) WHERE m.id = b.id',
      [rows.map((r) => r.id), folded, folded.map((f) => JSON.stringify(gramsOf(f)))],
    );
    await pool.query('UPDATE message_order o SET search_text = b.f FROM unnest($1::bigint[], $2::text[]) AS b(id, f) WHERE o.message_id = b.id', [rows.map((r) => r.id), folded]);
    n += rows.length;
  }
}
