/**
 * Search in the page: cutting a result's text around its matches (from the server's UTF-16 highlight ranges,
 * as plain text parts, never HTML), the error sentences, and opening a result's room at its message.
 */
import { ApiError, errorText } from './api.ts';
import { loadAround } from './history-window.ts';
import { openRoom } from './room-data.ts';
import { getState } from './state.ts';

/** A piece of a result's text: `mark` pieces are matches. */
export interface TextPart {
  text: string;
  mark: boolean;
}

/** Texts longer than this are cut to a window around their first match. */
const LONG = 240;
/** Characters kept on each side of the first match. */
const RADIUS = 80;

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
const isMark = (ch: string | undefined) => !!ch && /\p{M}/u.test(ch);

/**
 * The parts to show of `text` with `highlights` ([start, end) UTF-16 ranges, sorted): all of it when short,
 * else about RADIUS characters either side of the first match, with "…" where it was cut. A cut never splits
 * a surrogate pair or separates a letter from its combining marks.
 */
export function snippet(text: string, highlights: readonly (readonly [number, number])[], radius = RADIUS, long = LONG): TextPart[] {
  const ranges = highlights
    .map(([a, b]) => [Math.max(0, Math.min(a, text.length)), Math.max(0, Math.min(b, text.length))] as const)
    .filter(([a, b]) => Number.isInteger(a) && Number.isInteger(b) && b > a);
  let start = 0;
  let end = text.length;
  if (text.length > long) {
    const [a, b] = ranges[0] ?? [0, 0];
    start = Math.max(0, a - radius);
    end = Math.min(text.length, Math.max(b, a + 1) + radius);
    while (start > 0 && (isLowSurrogate(text.charCodeAt(start)) || isMark(text[start]))) start--;
    while (end < text.length && (isLowSurrogate(text.charCodeAt(end)) || isMark(text[end]))) end++;
  }
  const parts: TextPart[] = [];
  const push = (t: string, mark: boolean) => t && parts.push({ text: t, mark });
  if (start > 0) push('…', false);
  let pos = start;
  for (const [a0, b0] of ranges) {
    const a = Math.max(a0, pos);
    const b = Math.min(b0, end);
    if (b <= a) continue;
    push(text.slice(pos, a), false);
    push(text.slice(a, b), true);
    pos = b;
  }
  push(text.slice(pos, end), false);
  if (end < text.length) push('…', false);
  return parts;
}

/** The sentence shown for a failed search. */
export function searchErrorText(e: unknown): string {
  if (e instanceof ApiError && e.status === 429) {
    return e.retryAfter !== null ? `Too many searches, try again in ${Math.max(1, Math.ceil(e.retryAfter))} s.` : 'Too many searches, try again in a minute.';
  }
  if (e instanceof ApiError && e.code === 'invalid_request') return 'That search is too long: use at most 10 words and 256 characters.';
  return errorText(e);
}

/** Opens room `room` at message `seq` (loading the history around it when it is not shown). */
export async function openAt(room: string, seq: number): Promise<void> {
  if (getState().current === room) await loadAround(room, seq);
  else await openRoom(room, seq);
}
