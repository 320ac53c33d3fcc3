/**
 * Mention parsing (API v1.1 §2), pure: which names a text mentions, in text order. The store then keeps
 * only those that name an active member of the room other than the author (`resolveMentions` takes
 * the set of names it found).
 *
 * Rules: `@name` is a mention when the `@` starts the text or follows a character that is not a letter,
 * digit, `_`, `.`, `-` or `@` (so `bob@example.com` is none). `name` is the run of username characters
 * after it or, when no user has that name, the run with trailing `.` and `-` removed. Case-insensitive.
 * `@room` and `@here` are keywords (no account may take those names). Backticks change nothing.
 */

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
