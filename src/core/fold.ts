/**
 * Search text folding and everything derived from it (API v1.1 §1), in one pure module shared by
 * indexing (the stores), querying and highlighting, so the three can never disagree.
 *
 * Folding: Unicode NFKD, combining marks removed, lowercased (`Café` → `cafe`, `ＡＢＣ` → `abc`; `ß`, `ø`
 * stay). It is applied code point by code point, which for NFKD plus mark removal gives the same text as
 * folding the whole string, and keeps for every folded code unit the original code point it came from
 * (for highlights in the original text's UTF-16 offsets).
 *
 * The index: a message is indexed by the distinct 1-, 2- and 3-code-point substrings ("grams") of its
 * folded text. A term of up to 3 code points matches exactly when the message holds it as a gram; a
 * longer one can only match a message holding all of its 3-grams, and such candidates are confirmed by
 * a substring check of the stored folded text. So every term length, CJK included, is an index lookup,
 * never a scan of the messages. PostgreSQL stores the grams themselves (`gramsOf`, a GIN index) but for
 * 1- and 2-grams with whitespace (`indexedTerm`: in nearly every message, and only a quoted term asks for one); SQLite
 * gives FTS5 only the 3-grams as tokens and lets it build the 1- and 2-gram index as token prefixes
 * (`trigramTokens`, `matchExpression`).
 */
import { invalid } from './errors.ts';

/** Most terms in one query. */
export const SEARCH_TERMS_MAX = 10;
/** Longest query, in code points after trimming. */
export const SEARCH_QUERY_MAX = 256;

const MARKS = /\p{M}/gu;
const ASCII = /^[\x00-\x7f]*$/;

function foldPoint(cp: string): string {
  // NFKD before and after lowercasing: some lower-case forms decompose (İ → i + combining dot above).
  return cp.normalize('NFKD').toLowerCase().normalize('NFKD').replace(MARKS, '');
}

/** foldPoint of non-ASCII code points, remembered (a chat uses few distinct ones); cleared when it grows past FOLD_CACHE_MAX. */
const foldCache = new Map<string, string>();
const FOLD_CACHE_MAX = 65_536;

function foldCached(cp: string): string {
  let f = foldCache.get(cp);
  if (f === undefined) {
    if (foldCache.size >= FOLD_CACHE_MAX) foldCache.clear();
    foldCache.set(cp, (f = foldPoint(cp)));
  }
  return f;
}

/** The folded form of `text`. */
export function fold(text: string): string {
  // ASCII folds to its lower case (NFKD leaves it alone and it has no marks): the common case, at native speed.
  if (ASCII.test(text)) return text.toLowerCase();
  let out = '';
  for (const cp of text) out += cp.charCodeAt(0) < 0x80 ? cp.toLowerCase() : foldCached(cp);
  return out;
}

/** The folded text and, for each of its UTF-16 code units, the [start, end) of the original code point it came from. */
export function foldMapped(text: string): { folded: string; from: Int32Array; to: Int32Array } {
  const parts: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  let at = 0;
  for (const cp of text) {
    const f = foldPoint(cp);
    parts.push(f);
    for (let i = 0; i < f.length; i++) {
      from.push(at);
      to.push(at + cp.length);
    }
    at += cp.length;
  }
  return { folded: parts.join(''), from: Int32Array.from(from), to: Int32Array.from(to) };
}

/**
 * The terms of a query, folded: split on whitespace, `"…"` makes one term with spaces; no operators.
 * 400 when the query is empty or too long after trimming, or has more than SEARCH_TERMS_MAX terms.
 */
export function parseQuery(q: string): string[] {
  const trimmed = q.trim();
  const n = [...trimmed].length;
  if (n === 0 || n > SEARCH_QUERY_MAX) throw invalid(`q: 1-${SEARCH_QUERY_MAX} characters`);
  const terms: string[] = [];
  // A quote opens a phrase only when a closing quote follows; otherwise it is ordinary text.
  for (const m of trimmed.matchAll(/"([^"]+)"|(\S+)/g)) {
    // A quoted term is kept as written, even all spaces ("…" makes one term that contains spaces).
    const t = fold(m[1] ?? m[2]!);
    if (t.length > 0) terms.push(t);
  }
  if (terms.length === 0) throw invalid('q: nothing to search for');
  if (terms.length > SEARCH_TERMS_MAX) throw invalid(`q: at most ${SEARCH_TERMS_MAX} terms`);
  return [...new Set(terms)];
}

/** Whitespace: the 1- and 2-grams that hold it are left out of the PostgreSQL index. */
const SPACE = /\s/;

/**
 * Whether a term is answered by the PostgreSQL index (`gramsOf` holds it): any of 3 code points or more, and a
 * shorter one without whitespace. 1- and 2-grams with a space (` a`, `a `) are in nearly every message and were
 * ≈ 30 % of a post's insert CPU (bench/README.md, issue 17), and only a quoted term can ask for one; a search for
 * such terms alone scans the folded text instead (postgres/lookups.ts).
 */
export function indexedTerm(term: string): boolean {
  return !SPACE.test(term) || [...term].length >= 3;
}

/** What a message is indexed by on PostgreSQL: the distinct 3-code-point substrings of its folded text, and the 1- and 2-code-point ones without whitespace. */
export function gramsOf(folded: string): string[] {
  const cps = [...folded];
  const out = new Set<string>();
  let prevSpace = true;
  for (let i = 0; i < cps.length; i++) {
    // Each gram ends at code point i; whitespace is tested once per code point.
    const one = cps[i]!;
    const space = SPACE.test(one);
    if (!space) out.add(one);
    if (i >= 1) {
      const two = cps[i - 1]! + one;
      if (!space && !prevSpace) out.add(two);
      if (i >= 2) out.add(cps[i - 2]! + two);
    }
    prevSpace = space;
  }
  return [...out];
}

/**
 * The grams a message must hold to match every term (an indexed term of ≤ 3 code points is itself one); a term
 * `indexedTerm` rejects adds none. Empty when no term is indexed: the search cannot use the index.
 */
export function queryGrams(terms: readonly string[]): string[] {
  const out = new Set<string>();
  for (const t of terms) {
    const cps = [...t];
    if (cps.length <= 3) {
      if (indexedTerm(t)) out.add(t);
    } else for (let i = 0; i + 3 <= cps.length; i++) out.add(cps[i]! + cps[i + 1]! + cps[i + 2]!);
  }
  return [...out];
}

/** True when folded text holds every (folded) term: the confirmation of an index candidate. */
export function matchesAll(folded: string, terms: readonly string[]): boolean {
  return terms.every((t) => folded.includes(t));
}

/**
 * Every occurrence of every term in `text`, as sorted UTF-16 [start, end) ranges of the original text,
 * overlapping or touching ranges merged.
 */
export function highlights(text: string, terms: readonly string[]): [number, number][] {
  const { folded, from, to } = foldMapped(text);
  const ranges: [number, number][] = [];
  for (const t of terms) {
    if (t.length === 0) continue;
    for (let i = folded.indexOf(t); i !== -1; i = folded.indexOf(t, i + 1)) {
      ranges.push([from[i]!, vanishingAfter(text, to[i + t.length - 1]!)]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** `end` moved past code points that fold to nothing (combining marks), so a highlight never splits a character from its accents. */
function vanishingAfter(text: string, end: number): number {
  while (end < text.length) {
    const cp = String.fromCodePoint(text.codePointAt(end)!);
    if (foldPoint(cp) !== '') break;
    end += cp.length;
  }
  return end;
}

/**
 * SQLite's index tokens (FTS5 `tokenize='ascii'`, `prefix='1 2'`): every 3-gram of the folded text, each
 * code point as itself except the ASCII characters that the tokenizer would treat as separators (all but
 * 0-9 and a-z), which become U+E000 plus their code. The text is padded at its end with two U+E000, so
 * every code point starts one 3-gram and every 1- and 2-gram is the 1- or 2-character prefix of a token:
 * FTS5's prefix index is then the 1- and 2-gram index, built in C. Tokens are space-separated; a 3-gram
 * that occurs twice is passed twice (FTS5 stores it once per message with detail=none).
 */
export function trigramTokens(folded: string): string {
  const len = folded.length;
  if (len === 0) return '';
  // The code points, mapped; then each 3-gram's UTF-16 units and a space, in one typed array.
  const cps = new Uint32Array(len + 2);
  let n = 0;
  for (let i = 0; i < len; i++) {
    let c = folded.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = folded.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    cps[n++] = c < 0x10000 ? tokenUnit(c) : c;
  }
  cps[n] = cps[n + 1] = PAD;
  const out = new Uint16Array(7 * n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) out[o++] = 0x20;
    for (let j = i; j < i + 3; j++) {
      const c = cps[j]!;
      if (c < 0x10000) out[o++] = c;
      else {
        out[o++] = 0xd800 + ((c - 0x10000) >> 10);
        out[o++] = 0xdc00 + ((c - 0x10000) & 0x3ff);
      }
    }
  }
  return unitsToString(out.subarray(0, o));
}

/**
 * The FTS5 query for `trigramTokens`: a term of 1 or 2 code points is a prefix query (`"x"*`, `"xy"*`,
 * answered by the prefix index), a longer one needs all of its 3-grams. Terms are ANDed.
 */
export function matchExpression(terms: readonly string[]): string {
  const out = new Set<string>();
  for (const t of terms) {
    const cps = [...t].map(tokenPoint);
    if (cps.length <= 2) out.add(`"${cps.join('')}"*`);
    else for (let i = 0; i + 3 <= cps.length; i++) out.add(`"${cps[i]}${cps[i + 1]}${cps[i + 2]}"`);
  }
  return [...out].join(' ');
}

const PAD = 0xe000;

/** A code unit as the tokenizer must see it: ASCII other than 0-9 and a-z moved to U+E000 + code. */
function tokenUnit(c: number): number {
  if (c >= 0x80 || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) return c;
  return PAD + c;
}

function tokenPoint(cp: string): string {
  return cp.length === 1 ? String.fromCharCode(tokenUnit(cp.charCodeAt(0))) : cp;
}

/** UTF-16 code units as a string, in chunks (String.fromCharCode takes its arguments on the stack). */
function unitsToString(units: Uint16Array): string {
  const CHUNK = 8192;
  if (units.length <= CHUNK) return String.fromCharCode.apply(null, units as unknown as number[]);
  let s = '';
  for (let i = 0; i < units.length; i += CHUNK) s += String.fromCharCode.apply(null, units.subarray(i, i + CHUNK) as unknown as number[]);
  return s;
}
