/**
 * The web client's search snippets (web/src/search.ts): the parts of a result's text, cut from the server's
 * UTF-16 highlight ranges. Marks are exactly the ranges, the text is never changed, a long text is cut to a
 * window around its first match with "…", and a cut never splits a surrogate pair or a letter from its accents.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snippet, type TextPart } from '../../web/src/search.ts';

const show = (parts: TextPart[]) => parts.map((p) => (p.mark ? `[${p.text}]` : p.text)).join('');

describe('search snippet', () => {
  const cases: [string, string, [number, number][], string][] = [
    ['one match', 'Café au lait', [[0, 4]], '[Café] au lait'],
    ['several, touching the ends', 'alpha beta alpha', [[0, 5], [11, 16]], '[alpha] beta [alpha]'],
    ['astral characters before the match (UTF-16 offsets)', '😀😀 東京都', [[5, 7]], '😀😀 [東京]都'],
    ['combining marks inside the match', 'cafe\u0301 noir', [[0, 5]], '[cafe\u0301] noir'],
    ['no highlights', 'plain text', [], 'plain text'],
    ['ranges out of bounds are clipped', 'short', [[3, 99]], 'sho[rt]'],
    ['empty and reversed ranges are ignored', 'abc', [[1, 1], [2, 1]], 'abc'],
  ];
  for (const [name, text, hl, want] of cases) {
    it(name, () => assert.equal(show(snippet(text, hl)), want));
  }

  it('cuts a long text around its first match, with … on the cut sides', () => {
    const text = 'x'.repeat(400) + ' kiwi ' + 'y'.repeat(400);
    const out = show(snippet(text, [[401, 405]]));
    assert.equal(out, '…' + 'x'.repeat(79) + ' [kiwi] ' + 'y'.repeat(79) + '…');
  });

  it('a match near the start is not cut before it', () => {
    const text = 'kiwi ' + 'y'.repeat(400);
    const out = show(snippet(text, [[0, 4]]));
    assert.ok(out.startsWith('[kiwi] ') && out.endsWith('…') && !out.startsWith('…'));
  });

  it('never splits a surrogate pair or separates accents at a cut', () => {
    const text = '😀'.repeat(200) + 'kiwi' + 'e\u0301'.repeat(200);
    const parts = snippet(text, [[400, 404]]);
    const shown = parts.map((p) => p.text).join('').replace(/…/g, '');
    assert.ok(text.includes(shown), 'the window is a substring of the text');
    assert.ok(!/^[\udc00-\udfff]/.test(shown) && !/[\ud800-\udbff]$/.test(shown), 'no lone surrogate at either end');
    assert.ok(!/\p{M}$/u.test(shown) || /e\u0301$/.test(shown), 'an accent stays with its letter');
    assert.ok(!/^\p{M}/u.test(shown));
  });
});
