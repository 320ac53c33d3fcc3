/**
 * What a message's text derives, kept in the same transaction as the text (API v1.1 §1-2): the folded
 * search text and its grams in `message_grams`, the mentions (the message's `mentions` field and one
 * `mentions` row per mentioned user), and the reply parent's check. postgres/derived.ts mirrors it.
 */
import type Database from 'better-sqlite3';
import { ChatError } from '../../core/errors.ts';
import { fold, gramsOf, gramToken } from '../../core/fold.ts';
import { BROADCAST_MEMBERS_MAX, namesToLookUp, mentionCandidates, planMentions } from '../../core/mentions.ts';
import type { MessageMentions, ReplyRef, UserRef } from '../../core/types.ts';
import { noMentions, parseId, replyRefOf, type MessageRow } from '../rows.ts';
import type { Statements } from './statements.ts';

/** The parent of a new reply: a message of the same room, not deleted; else 400 `invalid_reply_to`. */
export function replyParent(s: Statements, roomId: number, replyTo: string): { row: MessageRow; ref: ReplyRef } {
  const row = s.replyParent.get(parseId(replyTo), roomId);
  if (!row || row.deleted) throw new ChatError('invalid_reply_to', 'reply_to: no such message in this room (or it was deleted)');
  return { row, ref: replyRefOf(row) };
}

/**
 * Index the message's text and record whom it mentions, replacing what an earlier text derived (none when
 * `fresh`: a new message). `replyAuthorId` is the parent's author for a reply. Returns the message's `mentions` field.
 */
export function derive(
  s: Statements,
  m: { id: number; roomId: number; seq: number; authorId: string; text: string; replyAuthorId: string | null },
  online: (userId: string) => boolean,
  fresh = false,
): MessageMentions {
  const plan = mentionsOf(s, m, online);
  const folded = fold(m.text);
  if (!fresh) {
    s.deleteGrams.run(m.id);
    s.deleteMentions.run(m.id);
  }
  s.insertGrams.run(m.id, gramsOf(folded).map(gramToken).join(' '));
  for (const r of plan.rows) s.insertMention.run(parseId(r.userId), m.id, m.roomId, m.seq, r.reason);
  const any = plan.mentions.users.length > 0 || plan.mentions.room || plan.mentions.here;
  s.setDerived.run(folded, any ? JSON.stringify(plan.mentions) : null, m.id);
  return plan.mentions;
}

/** A deleted message matches no search and mentions nobody. */
export function underive(s: Statements, messageId: number): MessageMentions {
  s.deleteGrams.run(messageId);
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
 * Index messages written before search existed (migration 003 adds the columns empty): their folded text
 * and grams. Runs at open, in one transaction; their mentions stay unrecorded (they were never counted).
 */
export function backfillSearch(db: Database.Database): number {
  const rows = db.prepare<[], { id: number; text: string }>('SELECT id, text FROM messages WHERE search_text IS NULL AND deleted = 0').all();
  if (rows.length === 0) return 0;
  const set = db.prepare('UPDATE messages SET search_text = ? WHERE id = ?');
  const index = db.prepare('INSERT INTO message_grams (rowid, grams) VALUES (?, ?)');
  db.transaction(() => {
    for (const r of rows) {
      const folded = fold(r.text);
      set.run(folded, r.id);
      index.run(r.id, gramsOf(folded).map(gramToken).join(' '));
    }
  })();
  return rows.length;
}
