/**
 * The web client's pure text helpers (web/src/format.ts has no DOM dependency), run in Node: linkify() keeps its
 * behaviour on ordinary text and handles long runs of punctuation without quadratic backtracking; bidiClosers()
 * closes what user text leaves open. It lives beside the browser suites because it tests web/src.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bidiClosers, linkify, type TextPart } from '../../web/src/format.ts';

/** linkify() as it was, with the regex /[.,;:!?)\]'}]+$/ (quadratic): the reference for ordinary inputs. */
function oldLinkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(/\bhttps?:\/\/[^\s<>"]+/gi)) {
    let url = m[0];
    const trail = /[.,;:!?)\]'}]+$/.exec(url);
    if (trail) url = url.slice(0, -trail[0].length);
    const start = m.index;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

const CASES = [
  'no links here',
  'see https://example.com.',
  'see https://example.com/a?b=c, and more',
  '(https://example.com/wiki/Foo_(bar))',
  'https://example.com/x)!?;:,.',
  "it's at http://example.com/'quoted'}",
  'two: http://a.example/1 and https://b.example/2...',
  'HTTPS://EXAMPLE.COM/UPPER!',
  'not a link: javascript:alert(1) or ftp://example.com',
  'http://example.com/a.b.c/d',
  '<https://example.com/angle>',
  'https://',
  'https://example.com/\u202Eevil',
  '',
];

describe('linkify', () => {
  it('splits ordinary text exactly as the regex version did', () => {
    for (const text of CASES) assert.deepEqual(linkify(text), oldLinkify(text), JSON.stringify(text));
  });

  it('keeps the parts covering the text, with only http(s) links', () => {
    for (const text of CASES) {
      const parts = linkify(text);
      assert.equal(parts.map((p) => p.text).join(''), text);
      for (const p of parts) if (p.kind === 'link') assert.match(p.href, /^https?:\/\//i);
    }
  });

  it('handles 50,000 characters of punctuation followed by a letter (the old regex backtracked quadratically)', () => {
    for (const run of ['.', ')', ".,;:!?)]'}"]) {
      const punct = run.repeat(Math.ceil(50_000 / run.length)).slice(0, 50_000);
      const text = `see http://x.example/${punct}a`;
      assert.deepEqual(linkify(text), [
        { kind: 'text', text: 'see ' },
        { kind: 'link', text: `http://x.example/${punct}a`, href: `http://x.example/${punct}a` },
      ]);
      // The same run at the very end is trimmed off the link, whole.
      const end = `http://x.example/p${punct}`;
      assert.deepEqual(linkify(end), [
        { kind: 'link', text: 'http://x.example/p', href: 'http://x.example/p' },
        { kind: 'text', text: punct },
      ]);
    }
  });
});

describe('bidiClosers', () => {
  it('closes the embeddings, overrides and isolates text leaves open, innermost first', () => {
    const table: [string, string][] = [
      ['plain', ''],
      ['\u202Eoverride', '\u202C'],
      ['\u202Eoverride \u2066isolate', '\u2069\u202C'],
      ['\u2067a\u202Bb\u2069c', ''], // the PDI closes the RLE inside its isolate too
      ['\u202Aa\u202Cb', ''],
      ['\u2066a\u202C', '\u2069'], // a PDF cannot close an isolate
      ['\u202Eline one\nline two', ''], // a new line is a new paragraph
      ['\u2069\u202Cstray closers', ''],
    ];
    for (const [text, want] of table) assert.equal(bidiClosers(text), want, JSON.stringify(text));
  });
});
