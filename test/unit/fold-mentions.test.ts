/** The pure search folding (core/fold.ts) and mention parsing (core/mentions.ts), table-driven. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fold, gramsOf, highlights, matchExpression, matchesAll, parseQuery, queryGrams, trigramTokens } from '../../src/core/fold.ts';
import { mentionCandidates, namesToLookUp, planMentions, resolveMentions, type MentionFacts } from '../../src/core/mentions.ts';

describe('fold', () => {
  const table: [string, string][] = [
    ['Café', 'cafe'],
    ['CAFÉ', 'cafe'],
    ['cafe\u0301', 'cafe'],
    ['ＡＢＣ１', 'abc1'],
    ['Straße', 'straße'],
    ['Øre', 'øre'],
    ['İstanbul', 'istanbul'],
    ['東京都', '東京都'],
    ['ﬁne', 'fine'],
    ['Ångström', 'angstrom'],
    ['😀 Hi', '😀 hi'],
    ['plain ASCII, Mixed Case!', 'plain ascii, mixed case!'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['Crème BRÛLÉE 東京', 'creme brulee 東京'],
  ];
  for (const [input, want] of table) it(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => assert.equal(fold(input), want));
});

describe('parseQuery', () => {
  const table: [string, string[]][] = [
    ['Cafe', ['cafe']],
    ['  two   words ', ['two', 'words']],
    ['"a phrase" x', ['a phrase', 'x']],
    ['AND OR - * : x', ['and', 'or', '-', '*', ':', 'x']],
    ['"unclosed quote', ['"unclosed', 'quote']],
    ['dup DUP', ['dup']],
    ['東京', ['東京']],
  ];
  for (const [q, want] of table) it(`${JSON.stringify(q)}`, () => assert.deepEqual(parseQuery(q), want));
  it('refuses empty, too long and too many terms', () => {
    for (const q of ['', '   ', 'x'.repeat(257), Array.from({ length: 11 }, (_, i) => `t${i}`).join(' ')]) {
      assert.throws(() => parseQuery(q), { code: 'invalid_request' }, JSON.stringify(q).slice(0, 40));
    }
    assert.deepEqual(parseQuery('x'.repeat(256)), ['x'.repeat(256)]);
  });
});

describe('grams: a message matches a term only if it holds the term\'s grams, and the check confirms', () => {
  const cases: [string, string, boolean][] = [
    ['decaffeinated coffee', 'caf', true],
    ['decaffeinated coffee', 'caffeine', false],
    ['decaffeinated coffee', 'affein', true],
    ['東京都に行く', '東京', true],
    ['東京都に行く', '京', true],
    ['abc', 'b', true],
    ['abc', 'ca', false],
    ['a b', 'a b', true],
  ];
  for (const [text, term, want] of cases) {
    it(`${JSON.stringify(term)} in ${JSON.stringify(text)}: ${want}`, () => {
      const folded = fold(text);
      const grams = new Set(gramsOf(folded));
      const candidate = queryGrams([term]).every((g) => grams.has(g));
      if (want) assert.ok(candidate, 'a real match is always a candidate');
      assert.equal(candidate && matchesAll(folded, [term]), want);
    });
  }
  it('PostgreSQL grams leave out 1- and 2-character substrings with whitespace, and queries never ask for them', () => {
    const grams = new Set(gramsOf(fold('ab 東京x 😀')));
    for (const g of ['a', 'b', 'ab', 'ab ', 'b 東', '東', '京', '東京', '京x', 'x', 'x 😀', '😀']) assert.ok(grams.has(g), JSON.stringify(g));
    for (const g of [' ', 'b ', ' 東', 'x ', ' 😀']) assert.ok(!grams.has(g), JSON.stringify(g));
    assert.deepEqual(queryGrams(['b ', ' ']), [], 'nothing the index holds: the search scans');
    assert.deepEqual(queryGrams(['b ', 'ab']), ['ab']);
    assert.deepEqual(queryGrams(['abcd']), ['abc', 'bcd']);
  });
  it('tokens are three characters, none of them an ASCII separator, one per code point of the text', () => {
    const folded = fold('ab 😀x 東京都 a-b');
    const toks = trigramTokens(folded).split(' ');
    for (const t of toks) {
      assert.equal([...t].length, 3, JSON.stringify(t));
      assert.doesNotMatch(t, /[\x00-\x2f\x3a-\x60\x7b-\x7f]/, 'no ASCII the ascii tokenizer splits on');
    }
    assert.equal(toks.length, [...folded].length);
    assert.equal(trigramTokens(''), '');
    assert.equal(trigramTokens('x'.repeat(20_000)).length, 4 * 20_000 - 1, 'long texts (built in chunks)');
  });
});

/** What FTS5 answers for matchExpression over trigramTokens: exact tokens must be present; `x*` needs a token starting with x. */
function ftsCandidate(folded: string, terms: string[]): boolean {
  const tokens = trigramTokens(folded).split(' ');
  return matchExpression(terms).match(/"[^"]*"\*?/g)!.every((part) =>
    part.endsWith('*') ? tokens.some((t) => t.startsWith(part.slice(1, -2))) : tokens.includes(part.slice(1, -1)));
}

describe('SQLite tokens: every 1-, 2- and 3+-code-point term finds the messages that hold it', () => {
  const cases: [string, string, boolean][] = [
    ['decaffeinated coffee', 'caf', true],
    ['decaffeinated coffee', 'affein', true],
    ['decaffeinated coffee', 'e', true],
    ['decaffeinated coffee', 'ee', true],
    ['decaffeinated coffee', 'z', false],
    ['decaffeinated coffee', 'fc', false],
    ['東京都に行く', '東京', true],
    ['東京都に行く', 'く', true],
    ['東京都に行く', '行く', true],
    ['x', 'x', true],
    ['xy', 'y', true],
    ['xy', 'xy', true],
    ['xy', 'yx', false],
    ['😀😁', '😁', true],
    ['a b', 'a b', true],
    ['a-b', 'a-b', true],
    ['a-b', '-', true],
    ['say "hi"', '"h', true],
    ['😀x', 'x', true],
  ];
  for (const [text, term, want] of cases) {
    it(`${JSON.stringify(term)} in ${JSON.stringify(text)}: ${want}`, () => {
      const folded = fold(text);
      const candidate = ftsCandidate(folded, [term]);
      if (want) assert.ok(candidate, 'a real match is always a candidate');
      assert.equal(candidate && matchesAll(folded, [term]), want);
    });
  }
  it('the 1- and 2-code-point terms are prefix queries, longer ones ANDed 3-grams', () => {
    assert.equal(matchExpression(['a']), '"a"*');
    assert.equal(matchExpression(['a b']), '"a\ue020b"');
    assert.equal(matchExpression(['ab', 'abcd']), '"ab"* "abc" "bcd"');
    assert.equal(matchExpression(['"x"']), '"\ue022x\ue022"', 'a quote is a token character, never FTS5 syntax');
  });
});

describe('highlights', () => {
  const table: [string, string[], [number, number][]][] = [
    ['Café au lait, CAFE!', ['cafe'], [[0, 4], [14, 18]]],
    ['aaa', ['aa'], [[0, 3]]],
    ['abcde', ['abc', 'cd'], [[0, 4]]],
    ['abcdef', ['ab', 'cd'], [[0, 4]]],
    ['😀😀 cafe', ['cafe'], [[5, 9]]],
    ['cafe\u0301 x', ['cafe'], [[0, 5]]],
    ['ﬁne', ['fi'], [[0, 1]]],
    ['no match', ['zzz'], []],
  ];
  for (const [text, terms, want] of table) it(`${JSON.stringify(text)} ${JSON.stringify(terms)}`, () => assert.deepEqual(highlights(text, terms), want));
});

describe('mentions', () => {
  const known = new Set(['bob', 'bob.smith', 'ann-', 'carol']);
  const table: [string, { users: string[]; room: boolean; here: boolean }][] = [
    ['hi @bob', { users: ['bob'], room: false, here: false }],
    ['@Bob at the start', { users: ['bob'], room: false, here: false }],
    ['mail bob@example.com', { users: [], room: false, here: false }],
    ['@@bob', { users: [], room: false, here: false }],
    ['x.@bob', { users: [], room: false, here: false }],
    ['(@bob)', { users: ['bob'], room: false, here: false }],
    ['é@bob', { users: [], room: false, here: false }],
    ['@bob. and @bob.smith', { users: ['bob', 'bob.smith'], room: false, here: false }],
    ['@bob.smith.', { users: ['bob.smith'], room: false, here: false }],
    ['@ann- exists with the dash', { users: ['ann-'], room: false, here: false }],
    ['@carol-- trailing dashes', { users: ['carol'], room: false, here: false }],
    ['@nobody is ignored', { users: [], room: false, here: false }],
    ['`@carol` in backticks', { users: ['carol'], room: false, here: false }],
    ['@carol @bob @carol order and once', { users: ['carol', 'bob'], room: false, here: false }],
    ['@room and @HERE.', { users: [], room: true, here: true }],
    ['@roomy is not @room', { users: [], room: true, here: false }],
  ];
  for (const [text, want] of table) {
    it(JSON.stringify(text), () => assert.deepEqual(resolveMentions(mentionCandidates(text), known), want));
  }
  it('lists the names to look up (both forms), never the keywords', () => {
    assert.deepEqual(namesToLookUp(mentionCandidates('@Bob.smith. @room @here @x-')).sort(), ['bob.smith', 'bob.smith.', 'x', 'x-'].sort());
  });
});

describe('planMentions: who counts, and why', () => {
  const ann = { id: '1', username: 'ann' };
  const bob = { id: '2', username: 'bob' };
  const cat = { id: '3', username: 'cat' };
  const facts = (over: Partial<MentionFacts> = {}): MentionFacts => ({
    exists: new Set(['ann', 'bob', 'cat', 'dan']),
    found: new Map([['bob', bob], ['cat', cat]]),
    mayBroadcast: () => true,
    replyAuthor: null,
    memberIds: () => ['1', '2', '3'],
    online: (id) => id === '2',
    authorId: '1',
    ...over,
  });
  const table: [string, string, Partial<MentionFacts>, { users: string[]; room: boolean; here: boolean }, [string, string][]][] = [
    ['a user', 'hi @bob', {}, { users: ['bob'], room: false, here: false }, [['2', 'user']]],
    ['the reply author', 'sure', { replyAuthor: cat }, { users: [], room: false, here: false }, [['3', 'reply']]],
    ['user beats reply', '@cat sure', { replyAuthor: cat }, { users: ['cat'], room: false, here: false }, [['3', 'user']]],
    ['@room: every member but the author', '@room lunch', {}, { users: [], room: true, here: false }, [['2', 'room'], ['3', 'room']]],
    ['@here: online members only', '@here lunch', {}, { users: [], room: false, here: true }, [['2', 'here']]],
    ['@room and @here: room wins', '@here @room', {}, { users: [], room: true, here: true }, [['2', 'room'], ['3', 'room']]],
    ['no right to broadcast: plain text', '@room @here @bob', { mayBroadcast: () => false }, { users: ['bob'], room: false, here: false }, [['2', 'user']]],
    ['the author never mentions themself', '@ann me', { replyAuthor: ann }, { users: [], room: false, here: false }, []],
    ['a user who is not a member is ignored', '@dan hi', {}, { users: [], room: false, here: false }, []],
    ['an existing non-member name shadows its trimmed form', '@cat. ok', { exists: new Set(['cat', 'cat.']) }, { users: [], room: false, here: false }, []],
  ];
  for (const [what, text, over, mentions, rows] of table) {
    it(what, () => {
      const plan = planMentions(text, facts(over));
      assert.deepEqual({ ...plan.mentions, users: plan.mentions.users.map((u) => u.username) }, mentions);
      assert.deepEqual(plan.rows.map((r) => [r.userId, r.reason]).sort(), rows.sort());
    });
  }
});
