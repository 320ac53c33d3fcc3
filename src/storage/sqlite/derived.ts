/**
 * What a message's text derives, kept in the same transaction as the text (API v1.1 §1-2): the folded
 * search text and its 3-gram tokens in `message_grams` (core/fold.ts trigramTokens), the mentions (the message's `mentions` field and one
 * `mentions` row per mentioned user), and the reply parent's check. postgres/derived.ts mirrors it.
 */
import type Database from 'better-sqlite3';
import { ChatError } from '../../core/errors.ts';
import { fold, trigramTokens } from '../../core/fold.ts';
import { BROADCAST_MEMBERS_MAX, namesToLookUp, mentionCandidates, planMentions } from '../../core/mentions.ts';
import type { MessageMentions, ReplyRef, UserRef } from '../../core/types.ts';
import { noMentions, parseId, replyRefOf, type MessageRow } from '../rows.ts';
import { SQL } from './sql.ts';
import type { Statements } from './statements.ts';

/** The parent of a new reply: a message of the same room, not deleted; else 400 `invalid_reply_to`. */
export function replyParent(s: Statements, roomId: number, replyTo: string): { row: MessageRow; ref: ReplyRef } {
  const row = s.replyParent.get(parseId(replyTo), roomId);
  if (!row || row.deleted) throw new ChatError('invalid_reply_to', 'reply_to: no such message in this room (or it was deleted)');
  return { row, ref: replyRefOf(row) };
}

/** What a text derives, computed before the message row is written (so a new row is written once, whole). */
export interface Derived {
  folded: string;
  /** The `mentions` column: JSON, or null when the text mentions nobody. */
  mentionsJson: string | null;
  mentions: MessageMentions;
  rows: { userId: string; reason: string }[];
}

/** Fold and parse the mentions of a text posted (or edited) by `authorId` in a room. */
export function deriveText(s: Statements, m: { roomId: number; authorId: string; text: string; replyAuthorId: string | null }, online: (userId: string) => boolean): Derived {
  const plan = mentionsOf(s, m, online);
  const any = plan.mentions.users.length > 0 || plan.mentions.room || plan.mentions.here;
  return { folded: fold(m.text), mentionsJson: any ? JSON.stringify(plan.mentions) : null, mentions: plan.mentions, rows: plan.rows };
}

/** Index a message's text and record whom it mentions, replacing what an earlier text derived unless `fresh` (a new row). */
export function saveDerived(s: Statements, m: { id: number; roomId: number; seq: number }, d: Derived, fresh: boolean): void {
  if (fresh) s.searchIndex.added(m.id);
  else {
    s.searchIndex.replace(m.id, d.folded);
    s.deleteMentions.run(m.id);
  }
  for (const r of d.rows) s.insertMention.run(parseId(r.userId), m.id, m.roomId, m.seq, r.reason);
}

/** Re-derive an edited message in place: its search text and index, its mentions. */
export function derive(
  s: Statements,
  m: { id: number; roomId: number; seq: number; authorId: string; text: string; replyAuthorId: string | null },
  online: (userId: string) => boolean,
): MessageMentions {
  const d = deriveText(s, m, online);
  saveDerived(s, m, d, false);
  s.setDerived.run(d.folded, d.mentionsJson, m.id);
  return d.mentions;
}

/** A deleted message matches no search and mentions nobody. */
export function underive(s: Statements, messageId: number): MessageMentions {
  s.searchIndex.delete(messageId);
  s.deleteMentions.run(messageId);
  s.setDerived.run(null, null, messageId);
  return noMentions();
}

function mentionsOf(
  s: Statements,
  m: { roomId: number; authorId: string; text: string; replyAuthorId: string | null },
  online: (userId: string) => boolean,
) {
  const author = parseId(m.authorId);
  const names = namesToLookUp(mentionCandidates(m.text));
  const exists = new Set<string>();
  const found = new Map<string, UserRef>();
  if (names.length > 0) {
    for (const u of s.mentionable.all(m.roomId, JSON.stringify(names))) {
      exists.add(u.username_key);
      if (u.member && u.id !== author) found.set(u.username_key, { id: String(u.id), username: u.username });
    }
  }
  const replyAuthor = m.replyAuthorId !== null && m.replyAuthorId !== m.authorId && s.isMember.get(m.roomId, parseId(m.replyAuthorId))
    ? { id: m.replyAuthorId, username: '' } : null;
  return planMentions(m.text, {
    exists,
    found,
    mayBroadcast: () => {
      const st = s.standing.get(m.roomId, m.roomId, author)!;
      return !st.guest && (st.role === 'owner' || st.members <= BROADCAST_MEMBERS_MAX);
    },
    replyAuthor,
    memberIds: () => s.memberIds.all(m.roomId).map((r) => String(r.id)),
    online,
    authorId: m.authorId,
  });
}

/**
 * At open: fold the text of messages that have none (written before search existed, or re-indexed by a
 * migration), then index every message after `through` and move it to the newest; one transaction. Their
 * mentions stay unrecorded (they were never counted). Returns how many messages were indexed.
 */
export function backfillSearch(db: Database.Database): number {
  return db.transaction(() => {
    const unfolded = db.prepare<[], { id: number; text: string }>('SELECT id, text FROM messages WHERE search_text IS NULL AND deleted = 0').all();
    const set = db.prepare('UPDATE messages SET search_text = ? WHERE id = ?');
    for (const r of unfolded) set.run(fold(r.text), r.id);
    const through = db.prepare<[], { through: number }>(SQL.searchThrough).get()!.through;
    const rows = db.prepare<[number], { id: number; search_text: string }>('SELECT id, search_text FROM messages WHERE id > ? AND deleted = 0 ORDER BY id').all(through);
    const index = db.prepare(SQL.insertGrams);
    for (const r of rows) index.run(r.id, trigramTokens(r.search_text));
    db.prepare(SQL.setSearchThrough).run(db.prepare<[], { id: number }>(SQL.newestMessage).get()!.id);
    return rows.length;
  })();
}
