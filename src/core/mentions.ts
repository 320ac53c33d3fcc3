/**
 * Mention parsing (API v1.1 §2), pure: which names a text mentions, in text order. The store then keeps
 * only those that name an active member of the room other than the author (`resolveMentions` takes
 * the set of names it found).
 *
 * Rules: `@name` is a mention when the `@` starts the text or follows a character that is not a letter,
 * digit, `_`, `.`, `-` or `@` (so `bob@example.com` is none). `name` is the run of username characters
 * after it or, when no user has that name, the run with trailing `.` and `-` removed. Case-insensitive.
 * `@room` and `@here` are keywords (no account may take those names). Backticks change nothing.
 * `planMentions` applies the counting rules: who is listed, whether @room/@here count, and each mentioned
 * user's reason (user, reply, room, here: the first that applies).
 */
import type { UserRef } from './types.ts';

/** One `@` candidate: the whole run, and the run without trailing `.`/`-` (lower-cased; equal when nothing trails). */
export interface MentionCandidate {
  full: string;
  trimmed: string;
}

const MENTION = /(?<![\p{L}\p{N}_.@-])@([A-Za-z0-9_.-]+)/gu;

/** Every `@` candidate of the text, in text order (duplicates kept: resolution dedupes). */
export function mentionCandidates(text: string): MentionCandidate[] {
  const out: MentionCandidate[] = [];
  for (const m of text.matchAll(MENTION)) {
    const full = m[1]!.toLowerCase();
    out.push({ full, trimmed: full.replace(/[.-]+$/, '') });
  }
  return out;
}

/** Every lower-cased name a store must look up to resolve the candidates. */
export function namesToLookUp(cands: readonly MentionCandidate[]): string[] {
  const s = new Set<string>();
  for (const c of cands) {
    s.add(c.full);
    if (c.trimmed) s.add(c.trimmed);
  }
  s.delete('room');
  s.delete('here');
  return [...s];
}

/** What a text mentions, once resolved: user names (lower-cased, each once, text order) and the keywords. */
export interface ParsedMentions {
  users: string[];
  room: boolean;
  here: boolean;
}

/**
 * Resolve candidates against `known` (lower-cased names of the users that can be mentioned here): the full
 * run when it names one, else the trimmed run. `@room`/`@here` are reported as keywords; whether they
 * count (author's rights, room size) is the caller's rule.
 */
export function resolveMentions(cands: readonly MentionCandidate[], known: ReadonlySet<string>): ParsedMentions {
  const users: string[] = [];
  let room = false;
  let here = false;
  for (const c of cands) {
    const name = known.has(c.full) ? c.full : c.trimmed;
    if (name === 'room') room = true;
    else if (name === 'here') here = true;
    else if (known.has(name) && !users.includes(name)) users.push(name);
  }
  return { users, room, here };
}

/** Why a message mentions a user: the first that applies, in this order (API v1.1 §2). */
export type MentionReason = 'user' | 'reply' | 'room' | 'here';

/** Members who may have `@room`/`@here` count: more than this and only owners (and admins) may. */
export const BROADCAST_MEMBERS_MAX = 20;

/** What a store knows at commit, for `planMentions`. */
export interface MentionFacts {
  /** Of the looked-up names (namesToLookUp), those of any existing user: they decide between a run and its trimmed form. */
  exists: ReadonlySet<string>;
  /** Of those, the members of the room other than the author: the only ones a mention counts for. */
  found: ReadonlyMap<string, UserRef>;
  /** The author may have @room/@here count: not a guest, and owner (or admin) or the room has ≤ BROADCAST_MEMBERS_MAX members (asked only when the text has one). */
  mayBroadcast: () => boolean;
  /** The replied-to message's author when they are a member other than the author; else null. */
  replyAuthor: UserRef | null;
  /** Every member's id (read only when @room or @here counts). */
  memberIds: () => readonly string[];
  /** Online at commit, as the member list shows it. */
  online: (userId: string) => boolean;
  authorId: string;
}

/** The message's `mentions` field and one row per mentioned user, with its reason. */
export function planMentions(text: string, facts: MentionFacts): { mentions: { users: UserRef[]; room: boolean; here: boolean }; rows: { userId: string; reason: MentionReason }[] } {
  const parsed = resolveMentions(mentionCandidates(text), facts.exists);
  const users = parsed.users.filter((k) => facts.found.has(k)).map((k) => facts.found.get(k)!);
  const may = (parsed.room || parsed.here) && facts.mayBroadcast();
  const room = parsed.room && may;
  const here = parsed.here && may;
  const reasons = new Map<string, MentionReason>();
  const add = (id: string, reason: MentionReason) => {
    if (id !== facts.authorId && !reasons.has(id)) reasons.set(id, reason);
  };
  for (const u of users) add(u.id, 'user');
  if (facts.replyAuthor) add(facts.replyAuthor.id, 'reply');
  if (room || here) {
    for (const id of facts.memberIds()) {
      if (room) add(id, 'room');
      else if (facts.online(id)) add(id, 'here');
    }
  }
  return { mentions: { users, room, here }, rows: [...reasons].map(([userId, reason]) => ({ userId, reason })) };
}
