/** Local time of day, e.g. "14:05". */
export function timeOfDay(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
}

/** Full local date and time, for a tooltip. */
export function fullTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });
}

/** The local calendar day of a time, as a comparable key. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** "Today", "Yesterday" or a written-out date, for day separators. */
export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (dayKey(iso) === dayKey(now.toISOString())) return 'Today';
  if (dayKey(iso) === dayKey(yesterday.toISOString())) return 'Yesterday';
  const sameYear = d.getFullYear() === now.getFullYear();
  return d.toLocaleDateString(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
}

/** A piece of message text: plain text, or a link to render as an anchor (its text is still plain text). */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const URL_RE = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', "'", '}']);

/**
 * `url` without its trailing run of sentence punctuation, found by one backward scan: linear in the length.
 * (The regex this replaces, /[.,;:!?)\]'}]+$/, backtracks quadratically on a long run of punctuation that is
 * followed by another character: 50,000 dots and a letter took about 2 s.)
 */
function trimTrailing(url: string): string {
  let end = url.length;
  while (end > 0 && TRAILING.has(url[end - 1] as string)) end--;
  return url.slice(0, end);
}

/**
 * Splits text into plain parts and http(s) links. Only http and https become links, so no `javascript:` URL can
 * ever be clickable; trailing punctuation stays outside the link, as people expect in prose.
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const url = trimTrailing(m[0]);
    const start = m.index;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** A piece of plain text: as it is, or an `@name` token to style (`me`: it names the signed-in user, or @room/@here). */
export type MentionPart = { kind: 'text'; text: string } | { kind: 'mention'; text: string; me: boolean };

/** The `@` rule of src/core/mentions.ts: an `@` that starts the text or follows no letter, digit, `_`, `.`, `-`, `@`. */
const MENTION_RE = /(?<![\p{L}\p{N}_.@-])@([A-Za-z0-9_.-]+)/gu;

/**
 * Splits plain text at the `@name` tokens that `names` (lower-cased; `room`/`here` when they counted) lists, with
 * the server's resolution: the whole run when it names someone, else the run without trailing `.` and `-`. `me`
 * (lower-cased) marks the tokens that name you; @room and @here always do. Text stays text: nothing becomes HTML.
 */
export function mentionParts(text: string, names: ReadonlySet<string>, me: string): MentionPart[] {
  if (names.size === 0 || !text.includes('@')) return [{ kind: 'text', text }];
  const parts: MentionPart[] = [];
  let last = 0;
  for (const m of text.matchAll(MENTION_RE)) {
    const full = (m[1] ?? '').toLowerCase();
    const trimmed = full.replace(/[.-]+$/, '');
    const name = names.has(full) ? full : names.has(trimmed) ? trimmed : null;
    if (!name) continue;
    const start = m.index;
    const end = start + 1 + name.length;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'mention', text: text.slice(start, end), me: name === me || name === 'room' || name === 'here' });
    last = end;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

const EMBED_OPEN = new Set(['\u202A', '\u202B', '\u202D', '\u202E']); // LRE RLE LRO RLO
const ISOLATE_OPEN = new Set(['\u2066', '\u2067', '\u2068']); // LRI RLI FSI
const PDF = '\u202C';
const PDI = '\u2069';

/**
 * The PDF/PDI characters that close every bidi embedding, override and isolate `text` leaves open (in its last
 * paragraph, following UAX #9's matching rules); '' for most text. Rendering user text in a `<bdi>` is not
 * enough on its own: an unmatched LRI inside it pairs with Chromium's own end-of-isolate, and a U+202E before
 * it then leaks out and reverses the UI after it. The closers go in the `data-bidi-close` attribute, which
 * styles.css renders as `::after` content, so the text itself (copy, search, screen readers) is unchanged.
 */
export function bidiClosers(text: string): string {
  let stack: string[] = [];
  for (const ch of text) {
    if (ch === '\n') stack = [];
    else if (EMBED_OPEN.has(ch)) stack.push(PDF);
    else if (ISOLATE_OPEN.has(ch)) stack.push(PDI);
    else if (ch === PDF && stack.at(-1) === PDF) stack.pop();
    else if (ch === PDI && stack.includes(PDI)) stack.length = stack.lastIndexOf(PDI);
  }
  return stack.reverse().join('');
}

/** A file size for people: "532 bytes", "12 KB", "1.5 MB", "10 MB" (binary units, at most one decimal). */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || Number.isInteger(v) ? Math.round(v) : v.toFixed(1).replace(/\.0$/, '')} ${units[i]}`;
}

/** What stands in for the text of a message that carries only files: "1 file", "3 files". */
export function filesLabel(n: number): string {
  return n === 1 ? '1 file' : `${n} files`;
}

/** `width`×`height` scaled down (never up) to fit within `maxW`×`maxH`, in whole pixels (at least 1). */
export function fitWithin(width: number, height: number, maxW: number, maxH: number): { width: number; height: number } {
  const k = Math.min(1, maxW / width, maxH / height);
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/** A stable soft colour for a username's avatar. */
export function userHue(name: string): number {
  let h = 0;
  for (const ch of name.toLowerCase()) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 360;
  return h;
}
