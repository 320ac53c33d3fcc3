/**
 * What a message's text derives, kept in the same transaction as the text (API v1.1 §1-2): the mentions
 * (the message's `mentions` field and one `mentions` row per mentioned user), the reply parent's check, and
 * for an edit or delete a `search_dirty` row, which the search index (search-index.ts, off the request)
 * re-reads. postgres/derived.ts mirrors it (there the folded text is written here too).
 */
import { ChatError } from '../../core/errors.ts';
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

/** What a text derives, computed before the message row is written (so a new row is written once, whole). */
export interface Derived {
  /** The `mentions` column: JSON, or null when the text mentions nobody. */
  mentionsJson: string | null;
  mentions: MessageMentions;
  rows: { userId: string; reason: string }[];
}

/** Parse the mentions of a text posted (or edited) by `authorId` in a room. */
export function deriveText(s: Statements, m: { roomId: number; authorId: string; text: string; replyAuthorId: string | null }, online: (userId: string) => boolean): Derived {
  const plan = mentionsOf(s, m, online);
  const any = plan.mentions.users.length > 0 || plan.mentions.room || plan.mentions.here;
  return { mentionsJson: any ? JSON.stringify(plan.mentions) : null, mentions: plan.mentions, rows: plan.rows };
}

/** Record whom a message mentions, replacing what an earlier text derived (and marking it for the index) unless `fresh` (a new row). */
export function saveDerived(s: Statements, m: { id: number; roomId: number; seq: number }, d: Derived, fresh: boolean): void {
  if (!fresh) {
    s.markDirty.run(m.id);
    s.deleteMentions.run(m.id);
  }
  for (const r of d.rows) s.insertMention.run(parseId(r.userId), m.id, m.roomId, m.seq, r.reason);
}

/** Re-derive an edited message in place: its mentions, and its search index (later). */
export function derive(
  s: Statements,
  m: { id: number; roomId: number; seq: number; authorId: string; text: string; replyAuthorId: string | null },
  online: (userId: string) => boolean,
): MessageMentions {
  const d = deriveText(s, m, online);
  saveDerived(s, m, d, false);
  s.setDerived.run(d.mentionsJson, m.id);
  return d.mentions;
}

/** A deleted message matches no search and mentions nobody. */
export function underive(s: Statements, messageId: number): MessageMentions {
  s.markDirty.run(messageId);
  s.deleteMentions.run(messageId);
  s.setDerived.run(null, messageId);
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
      return !st.guest && (st.role === 'owner' || !!st.admin || st.members <= BROADCAST_MEMBERS_MAX);
    },
    replyAuthor,
    memberIds: () => s.memberIds.all(m.roomId).map((r) => String(r.id)),
    online,
    authorId: m.authorId,
  });
}
