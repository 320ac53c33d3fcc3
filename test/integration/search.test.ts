/**
 * GET /api/v1/search (API v1.1 §1 and its Clarifications) against real server processes, on SQLite
 * and on PostgreSQL: scope, folding, CJK, short terms, operators as text, phrases, query limits,
 * paging, since/until, author and room filters, deletions, edits, highlights and order.
 * Most tests search inside a fresh room (`room=`) so other tests' messages never interfere.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Api, newUser, post, room, type Res, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { dataOf, openEvents } from '../helpers/sse.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { useServer } from '../helpers/server.ts';
import { uniq } from '../helpers/wait.ts';

/** GET /search with these query parameters. */
function search(u: TestUser | Api, params: Record<string, string | number>): Promise<Res> {
  const api = u instanceof Api ? u : u.api;
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return api.get(`/api/v1/search?${qs}`);
}

/** The texts found (newest first), asserting 200. */
async function texts(u: TestUser, params: Record<string, string | number>): Promise<string[]> {
  const r = await search(u, { limit: 100, ...params });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.results.map((x: any) => x.message.text);
}

/** A fresh public room of `u` with these messages posted in order. */
async function roomWith(u: TestUser, lines: string[], visibility: 'public' | 'private' = 'public'): Promise<string> {
  const name = await room(u, visibility);
  for (const l of lines) await post(u, name, l);
  return name;
}

describeEachStore('search', (server: StoreServer) => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  before(async () => {
    alice = await newUser(server.url, 'sa');
    bob = await newUser(server.url, 'sb');
    carol = await newUser(server.url, 'sc');
  });

  it('answers the contract shape: results with message and highlights, next', async () => {
    const tok = uniq('shape');
    const name = await roomWith(alice, [`hello ${tok}`]);
    const r = await search(alice, { q: tok });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['next', 'results']);
    assert.equal(r.body.next, null);
    assert.equal(r.body.results.length, 1);
    const [res] = r.body.results;
    assert.equal(res.message.room, name);
    assert.equal(res.message.text, `hello ${tok}`);
    assert.deepEqual(res.highlights, [[6, 6 + tok.length]]);
  });

  // ---- scope

  it('public rooms are searchable without membership', async () => {
    const tok = uniq('pubscope');
    const name = await roomWith(alice, [`public ${tok}`]);
    assert.deepEqual(await texts(bob, { q: tok }), [`public ${tok}`]);
    assert.deepEqual(await texts(bob, { q: tok, room: name }), [`public ${tok}`]);
    const g = await newUser(server.url, 'sg');
    assert.deepEqual(await texts(g, { q: tok }), [`public ${tok}`], 'a user who joined nothing but general finds it too');
  });

  it('private rooms only for members; leaving or being removed drops them at once', async () => {
    const tok = uniq('privscope');
    const name = await room(alice, 'private', [bob, carol]);
    await post(alice, name, `secret ${tok}`);
    assert.deepEqual(await texts(bob, { q: tok }), [`secret ${tok}`]);
    assert.deepEqual(await texts(carol, { q: tok }), [`secret ${tok}`]);
    const stranger = await newUser(server.url, 'sx');
    assert.deepEqual(await texts(stranger, { q: tok }), []);
    assertError(await search(stranger, { q: tok, room: name }), 404, 'not_found');

    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/leave`)).status, 204);
    assert.deepEqual(await texts(bob, { q: tok }), [], 'left: gone at once');
    assertError(await search(bob, { q: tok, room: name }), 404, 'not_found');

    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/members/${carol.name}`)).status, 204);
    assert.deepEqual(await texts(carol, { q: tok }), [], 'removed: gone at once');
    assert.deepEqual(await texts(alice, { q: tok }), [`secret ${tok}`]);

    assert.equal((await alice.api.post(`/api/v1/rooms/${name}/members`, { username: bob.name })).status, 200);
    assert.deepEqual(await texts(bob, { q: tok }), [`secret ${tok}`], 'added again: searchable again');
  });

  it('DMs only for the two people', async () => {
    const tok = uniq('dmscope');
    const dm = (await alice.api.post(`/api/v1/dm/${bob.name}`)).body.room.name;
    await post(alice, dm, `between us ${tok}`);
    assert.deepEqual(await texts(bob, { q: tok }), [`between us ${tok}`]);
    assert.deepEqual(await texts(alice, { q: tok }), [`between us ${tok}`]);
    assert.deepEqual(await texts(carol, { q: tok }), []);
    assertError(await search(carol, { q: tok, room: dm }), 404, 'not_found');
  });

  it('a public room stays searchable after leaving', async () => {
    const tok = uniq('leftpub');
    const name = await room(alice, 'public');
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/join`)).status, 200);
    await post(bob, name, `bob was here ${tok}`);
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/leave`)).status, 204);
    assert.deepEqual(await texts(bob, { q: tok }), [`bob was here ${tok}`]);
  });

  it('a room made private drops out for non-members at once, and back when public again', async () => {
    const tok = uniq('toprivate');
    const name = await room(alice, 'public', [bob]);
    await post(alice, name, `soon private ${tok}`);
    assert.deepEqual(await texts(carol, { q: tok }), [`soon private ${tok}`]);
    assert.equal((await alice.api.patch(`/api/v1/rooms/${name}`, { visibility: 'private' })).status, 200);
    assert.deepEqual(await texts(carol, { q: tok }), []);
    assert.deepEqual(await texts(bob, { q: tok }), [`soon private ${tok}`], 'members keep it');
    assert.equal((await alice.api.patch(`/api/v1/rooms/${name}`, { visibility: 'public' })).status, 200);
    assert.deepEqual(await texts(carol, { q: tok }), [`soon private ${tok}`]);
  });

  // ---- matching

  it('folding: cafe finds Café, CAFÉ, cafeteria and decomposed Cafe\\u0301; caf finds decaffeinated', async () => {
    const lines = ['Café au lait', 'CAFÉ NOIR', 'the cafeteria', 'decaffeinated tea', 'Cafe\u0301 decomposed', 'coffee only', 'ＣＡＦＥ fullwidth'];
    const name = await roomWith(alice, lines);
    assert.deepEqual(await texts(bob, { q: 'cafe', room: name }), ['ＣＡＦＥ fullwidth', 'Cafe\u0301 decomposed', 'the cafeteria', 'CAFÉ NOIR', 'Café au lait']);
    assert.deepEqual(await texts(bob, { q: 'caf', room: name }), ['ＣＡＦＥ fullwidth', 'Cafe\u0301 decomposed', 'decaffeinated tea', 'the cafeteria', 'CAFÉ NOIR', 'Café au lait']);
    assert.deepEqual(await texts(bob, { q: 'CAFÉ', room: name }), await texts(bob, { q: 'cafe', room: name }), 'the query is folded too');
    assert.deepEqual(await texts(bob, { q: 'Cafe\u0301', room: name }), await texts(bob, { q: 'cafe', room: name }));
    await post(alice, name, 'İstanbul café');
    assert.deepEqual(await texts(bob, { q: 'istanbul', room: name }), ['İstanbul café']);
  });

  it('ß and ø stay as they are', async () => {
    const name = await roomWith(alice, ['Die Straße', 'strasse spelled out', 'Søren Kierkegaard', 'soren plain', 'ØRESUND']);
    assert.deepEqual(await texts(bob, { q: 'ß', room: name }), ['Die Straße']);
    assert.deepEqual(await texts(bob, { q: 'straße', room: name }), ['Die Straße']);
    assert.deepEqual(await texts(bob, { q: 'strasse', room: name }), ['strasse spelled out']);
    assert.deepEqual(await texts(bob, { q: 'ø', room: name }), ['ØRESUND', 'Søren Kierkegaard']);
    assert.deepEqual(await texts(bob, { q: 'soren', room: name }), ['soren plain']);
    assert.deepEqual(await texts(bob, { q: 'Ø', room: name }), ['ØRESUND', 'Søren Kierkegaard']);
    await post(alice, name, 'GROẞ');
    assert.deepEqual(await texts(bob, { q: 'ß', room: name }), ['GROẞ', 'Die Straße'], 'capital ẞ lower-cases to ß');
  });

  it('CJK: 東京 finds 東京都, one and two CJK characters work', async () => {
    const name = await roomWith(alice, ['東京都に住んでいます', '京都は古い', '大阪', '日本語のテキスト']);
    assert.deepEqual(await texts(bob, { q: '東京', room: name }), ['東京都に住んでいます']);
    assert.deepEqual(await texts(bob, { q: '京都', room: name }), ['京都は古い', '東京都に住んでいます']);
    assert.deepEqual(await texts(bob, { q: '京', room: name }), ['京都は古い', '東京都に住んでいます']);
    assert.deepEqual(await texts(bob, { q: '住んでいます', room: name }), ['東京都に住んでいます']);
    assert.deepEqual(await texts(bob, { q: '語のテ', room: name }), ['日本語のテキスト']);
    assert.deepEqual(await texts(bob, { q: '東京 大阪', room: name }), [], 'every term must match');
  });

  it('one- and two-character terms, inner substrings and prefixes', async () => {
    const name = await roomWith(alice, ['x marks the spot', 'an ox', 'go to it', 'zebra', 'quiz']);
    assert.deepEqual(await texts(bob, { q: 'x', room: name }), ['an ox', 'x marks the spot']);
    assert.deepEqual(await texts(bob, { q: 'z', room: name }), ['quiz', 'zebra']);
    assert.deepEqual(await texts(bob, { q: 'ox', room: name }), ['an ox']);
    assert.deepEqual(await texts(bob, { q: 'to', room: name }), ['go to it']);
    assert.deepEqual(await texts(bob, { q: 'ebr', room: name }), ['zebra']);
    assert.deepEqual(await texts(bob, { q: 'zeb', room: name }), ['zebra']);
    assert.deepEqual(await texts(bob, { q: 'ui', room: name }), ['quiz']);
    assert.deepEqual(await texts(bob, { q: 'q', room: name }), ['quiz']);
    assert.deepEqual(await texts(bob, { q: 'x ox', room: name }), ['an ox']);
    assert.deepEqual(await texts(bob, { q: 'w', room: name }), []);
  });

  it('emoji and other astral characters are searchable terms', async () => {
    const name = await roomWith(alice, ['party 🎉 time', 'no party', '🎉🎉']);
    assert.deepEqual(await texts(bob, { q: '🎉', room: name }), ['🎉🎉', 'party 🎉 time']);
    assert.deepEqual(await texts(bob, { q: 'y 🎉', room: name }), ['party 🎉 time']);
  });

  it('operators are ordinary text: AND, OR, -, *, :', async () => {
    const name = await roomWith(alice, ['cats AND dogs', 'cats dogs', 'x -y z', 'a*b', 'key:value', 'this OR that', 'plain words']);
    assert.deepEqual(await texts(bob, { q: 'AND', room: name }), ['cats AND dogs']);
    assert.deepEqual(await texts(bob, { q: 'cats AND dogs', room: name }), ['cats AND dogs'], 'AND is a term, not an operator');
    assert.deepEqual(await texts(bob, { q: 'OR', room: name }), ['plain words', 'this OR that']);
    assert.deepEqual(await texts(bob, { q: '-y', room: name }), ['x -y z']);
    assert.deepEqual(await texts(bob, { q: '-', room: name }), ['x -y z']);
    assert.deepEqual(await texts(bob, { q: 'a*b', room: name }), ['a*b']);
    assert.deepEqual(await texts(bob, { q: '*', room: name }), ['a*b']);
    assert.deepEqual(await texts(bob, { q: 'key:value', room: name }), ['key:value']);
    assert.deepEqual(await texts(bob, { q: ':', room: name }), ['key:value']);
    assert.deepEqual(await texts(bob, { q: 'cats -dogs', room: name }), [], '-dogs is the text "-dogs", not a negation');
    assert.deepEqual(await texts(bob, { q: 'NEAR(cats dogs)', room: name }), []);
    assert.deepEqual(await texts(bob, { q: '%', room: name }), [], 'a LIKE wildcard is text');
    assert.deepEqual(await texts(bob, { q: '_', room: name }), []);
  });

  it('quoted phrases are one term with spaces; an unclosed quote is text', async () => {
    const name = await roomWith(alice, ['say hello world now', 'world hello', 'hello  world twice spaced', 'a "quote here']);
    assert.deepEqual(await texts(bob, { q: '"hello world"', room: name }), ['say hello world now']);
    assert.deepEqual(await texts(bob, { q: 'hello world', room: name }), ['hello  world twice spaced', 'world hello', 'say hello world now']);
    assert.deepEqual(await texts(bob, { q: '"o w" say', room: name }), ['say hello world now']);
    assert.deepEqual(await texts(bob, { q: '"quote', room: name }), ['a "quote here']);
  });

  it('a quoted phrase of spaces is a valid one-term query (1-256 code points after trimming)', async () => {
    const name = await roomWith(alice, ['two words', 'one']);
    assert.deepEqual(await texts(bob, { q: '" "', room: name }), ['two words']);
  });

  // ---- query validation

  it('q: empty, blank, missing or over 256 code points is 400; 256 astral code points is fine', async () => {
    for (const q of ['', '   ', '\t\n']) assertError(await search(bob, { q }), 400, 'invalid_request');
    assertError(await bob.api.get('/api/v1/search'), 400, 'invalid_request');
    assertError(await search(bob, { q: 'a'.repeat(257) }), 400, 'invalid_request');
    assert.equal((await search(bob, { q: 'a'.repeat(256) })).status, 200);
    assert.equal((await search(bob, { q: `  ${'b'.repeat(256)}  ` })).status, 200, 'counted after trimming');
    assert.equal((await search(bob, { q: '😀'.repeat(256) })).status, 200, '256 code points (512 UTF-16 units) are allowed');
    assertError(await search(bob, { q: '😀'.repeat(257) }), 400, 'invalid_request');
  });

  it('more than 10 terms is 400; 10 terms and a phrase counting as one are fine', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => `t${i}`).join(' ');
    assert.equal((await search(bob, { q: ten })).status, 200);
    assertError(await search(bob, { q: `${ten} t10` }), 400, 'invalid_request');
    assert.equal((await search(bob, { q: `${Array.from({ length: 9 }, (_, i) => `t${i}`).join(' ')} "a b c d"` })).status, 200);
  });

  it('limit outside 1..100 (or not an integer) is 400', async () => {
    for (const limit of ['0', '101', '-1', 'abc', '1.5']) assertError(await search(bob, { q: 'a', limit }), 400, 'invalid_request');
    for (const limit of ['1', '100']) assert.equal((await search(bob, { q: 'a', limit })).status, 200);
  });

  // ---- paging, times, filters

  it('pages with next until null; a malformed cursor is 400 invalid_cursor', async () => {
    const tok = uniq('page');
    const lines = Array.from({ length: 5 }, (_, i) => `${tok} number ${i}`);
    const name = await roomWith(alice, lines);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await search(bob, { q: tok, limit: 2, ...(cursor ? { cursor } : {}) });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.results.length > 0 && r.body.results.length <= 2);
      seen.push(...r.body.results.map((x: any) => x.message.text));
      cursor = r.body.next ?? undefined;
      assert.ok(++pages <= 3);
    } while (cursor);
    assert.deepEqual(seen, [...lines].reverse());
    assert.equal(pages, 3);
    const exact = await search(bob, { q: tok, room: name, limit: 5 });
    assert.equal(exact.body.next, null, 'no next when the page holds the last one');
    for (const cursor of ['garbage', '!!!', '', 'eyJ4IjoxfQ', '-1']) {
      assertError(await search(bob, { q: tok, cursor }), 400, 'invalid_cursor');
    }
  });

  it('a long malformed cursor is 400 invalid_cursor too (v1.1: "a malformed cursor gets 400 invalid_cursor")', async () => {
    assertError(await search(bob, { q: 'x', cursor: '9'.repeat(80) }), 400, 'invalid_cursor');
  });

  it('since is inclusive and until exclusive on created_at; malformed times are 400', async () => {
    const tok = uniq('times');
    const name = await room(alice, 'public');
    const msgs = [await post(alice, name, `${tok} one`), await post(alice, name, `${tok} two`), await post(alice, name, `${tok} three`)];
    const [m1, m2, m3] = msgs;
    // created_at has millisecond resolution: expect by comparing the strings the server returned.
    const expect = (keep: (at: string) => boolean) => msgs.filter((m) => keep(m.created_at)).map((m) => m.text).reverse();
    assert.deepEqual(await texts(bob, { q: tok, since: m2.created_at }), expect((at) => at >= m2.created_at));
    assert.deepEqual(await texts(bob, { q: tok, until: m2.created_at }), expect((at) => at < m2.created_at));
    assert.ok(!(await texts(bob, { q: tok, until: m2.created_at })).includes(m2.text), 'until excludes its instant');
    assert.ok((await texts(bob, { q: tok, since: m2.created_at })).includes(m2.text), 'since includes its instant');
    assert.deepEqual(await texts(bob, { q: tok, since: m1.created_at, until: m1.created_at }), []);
    const later = new Date(Date.parse(m3.created_at) + 1).toISOString();
    assert.deepEqual(await texts(bob, { q: tok, since: later }), []);
    assert.deepEqual(await texts(bob, { q: tok, until: later }), [m3.text, m2.text, m1.text]);
    for (const bad of ['yesterday', '2026-13-01T00:00:00Z', '2026-11-24T25:00:00.000Z', '1700000000', '2026-11-24 10:00']) {
      assertError(await search(bob, { q: tok, since: bad }), 400, 'invalid_request');
      assertError(await search(bob, { q: tok, until: bad }), 400, 'invalid_request');
    }
  });

  it('author filters by username (case-insensitively); an unknown author gives an empty list', async () => {
    const tok = uniq('auth');
    const name = await room(alice, 'public');
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/join`)).status, 200);
    await post(alice, name, `${tok} from alice`);
    await post(bob, name, `${tok} from bob`);
    assert.deepEqual(await texts(carol, { q: tok, author: bob.name }), [`${tok} from bob`]);
    assert.deepEqual(await texts(carol, { q: tok, author: alice.name.toUpperCase() }), [`${tok} from alice`]);
    const r = await search(carol, { q: tok, author: 'nobody-like-this' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { results: [], next: null });
    assert.deepEqual((await search(carol, { q: tok, author: 'not a username!' })).body, { results: [], next: null });
  });

  it('room restricts to one room; 404 exactly where GET /rooms/:room is', async () => {
    const tok = uniq('roomf');
    const a = await roomWith(alice, [`${tok} in a`]);
    const b = await roomWith(alice, [`${tok} in b`]);
    assert.deepEqual(await texts(bob, { q: tok, room: a }), [`${tok} in a`]);
    assert.deepEqual(await texts(bob, { q: tok, room: b }), [`${tok} in b`]);
    for (const missing of ['no-such-room-here', 'Bad Name', 'x'.repeat(65)]) {
      assert.equal((await bob.api.get(`/api/v1/rooms/${encodeURIComponent(missing)}`)).status, 404);
      assertError(await search(bob, { q: tok, room: missing }), 404, 'not_found');
    }
  });

  // ---- deletions, edits, order, highlights

  it('deleted messages never match', async () => {
    const tok = uniq('del');
    const name = await room(alice, 'public');
    const m = await post(alice, name, `${tok} to delete`);
    await post(alice, name, `${tok} to keep`);
    assert.equal((await alice.api.del(`/api/v1/rooms/${name}/messages/${m.id}`)).status, 204);
    assert.deepEqual(await texts(bob, { q: tok }), [`${tok} to keep`]);
    assert.deepEqual(await texts(bob, { q: 'delete', room: name }), []);
    assert.deepEqual(await texts(bob, { q: 'e', room: name }), [`${tok} to keep`], 'not even by a one-character term');
  });

  it('an edit re-indexes at once: the old text no longer matches, the new does, the order is unchanged', async () => {
    const tok = uniq('edit');
    const name = await room(alice, 'public');
    const m1 = await post(alice, name, `${tok} original wording`);
    await post(alice, name, `${tok} second`);
    const r = await alice.api.patch(`/api/v1/rooms/${name}/messages/${m1.id}`, { text: `${tok} revised phrasing ✓` });
    assert.equal(r.status, 200);
    assert.deepEqual(await texts(bob, { q: 'original', room: name }), []);
    assert.deepEqual(await texts(bob, { q: 'ori', room: name }), []);
    assert.deepEqual(await texts(bob, { q: 'revised', room: name }), [`${tok} revised phrasing ✓`]);
    assert.deepEqual(await texts(bob, { q: '✓', room: name }), [`${tok} revised phrasing ✓`]);
    assert.deepEqual(await texts(bob, { q: tok }), [`${tok} second`, `${tok} revised phrasing ✓`], 'an edit does not move a message');
    const found = (await search(bob, { q: 'revised', room: name })).body.results[0].message;
    assert.equal(found.id, m1.id);
    assert.equal(typeof found.edited_at, 'string');
  });

  it('order: newest first in commit order, across rooms', async () => {
    const tok = uniq('order');
    const a = await room(alice, 'public');
    const b = await room(bob, 'public');
    const expected: string[] = [];
    for (let i = 0; i < 6; i++) {
      const text = `${tok} ${i}`;
      await post(i % 2 ? bob : alice, i % 2 ? b : a, text);
      expected.unshift(text);
    }
    assert.deepEqual(await texts(carol, { q: tok }), expected);
    const seqs = (await search(carol, { q: tok, room: a })).body.results.map((x: any) => x.message.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => y - x));
  });

  it('order under concurrent posts: exactly the reverse of the message events (commit order)', async () => {
    const tok = uniq('conc');
    const rooms = [await room(alice, 'public', [bob]), await room(alice, 'private', [bob]), await room(bob, 'public')];
    const s = await openEvents(server.url, bob.token);
    try {
      const authors = [alice, bob];
      await Promise.all(Array.from({ length: 30 }, (_, i) => post(i % 3 === 2 ? bob : authors[i % 2]!, rooms[i % 3]!, `${tok} ${i}`)));
      await s.waitFor((ev) => ev.filter((e) => e.event === 'message' && e.data.includes(tok)).length === 30, '30 message events');
      const order = dataOf(s.events, 'message').filter((d) => d.message.text.startsWith(tok)).map((d) => d.message.id);
      const r = await search(bob, { q: tok, limit: 100 });
      assert.deepEqual(r.body.results.map((x: any) => x.message.id), [...order].reverse());
    } finally {
      s.close();
    }
  });

  it('limit defaults to 20; guests may search', async () => {
    const tok = uniq('deflt');
    const name = await room(alice, 'public');
    for (let i = 0; i < 21; i++) await post(alice, name, `${tok} ${i}`);
    const r = await search(bob, { q: tok });
    assert.equal(r.body.results.length, 20);
    assert.equal(typeof r.body.next, 'string');
    const g = await new Api(server.url).post('/api/v1/auth/guest', { username: uniq('gs') });
    assert.equal(g.status, 201);
    const guest = new Api(server.url, g.body.token);
    assert.equal((await search(guest, { q: tok })).body.results.length, 20);
    const rest = await search(guest, { q: tok, cursor: r.body.next });
    assert.equal(rest.status, 200, 'a cursor is opaque, not tied to who asked');
    assert.deepEqual(rest.body.results.map((x: any) => x.message.text), [`${tok} 0`]);
    assert.equal(rest.body.next, null);
  });

  it('highlights: UTF-16 offsets after astral characters, every occurrence of every term, merged overlaps', async () => {
    const name = await room(alice, 'public');
    const cases: [string, string, [number, number][]][] = [
      ['😀 café', 'cafe', [[3, 7]]],
      ['😀😀x Café and CAFE', 'cafe', [[6, 10], [15, 19]]],
      ['𝒳 ab 𝒳 ab', 'ab', [[3, 5], [9, 11]]],
      ['aaaa', 'aa', [[0, 4]]],
      ['abab', 'ab', [[0, 4]]],
      ['hello world', 'hello lo', [[0, 5]]],
      ['hello world', 'lo wor', [[3, 5], [6, 9]]],
      ['hello world', '"lo wo" world', [[3, 11]]],
      ['Cafe\u0301!', 'cafe', [[0, 5]]],
      ['ＡＢＣ abc', 'abc', [[0, 3], [4, 7]]],
      ['🎉 東京都 🎉', '東京 🎉', [[0, 2], [3, 5], [7, 9]]],
      ['ﬁnd it', 'i', [[0, 1], [4, 5]]],
      ['İstanbul', 'istan', [[0, 5]]],
    ];
    for (const [text, q, hl] of cases) {
      await post(alice, name, text);
      const r = await search(bob, { q, room: name, limit: 100 });
      assert.equal(r.status, 200);
      const hit = r.body.results.find((x: any) => x.message.text === text);
      assert.ok(hit, `${JSON.stringify(q)} finds ${JSON.stringify(text)}`);
      assert.deepEqual(hit.highlights, hl, `highlights of ${JSON.stringify(q)} in ${JSON.stringify(text)}`);
      for (const [s, e] of hit.highlights) {
        assert.ok(!/[\uDC00-\uDFFF]/.test(text[s]!) && (e === text.length || !/[\uDC00-\uDFFF]/.test(text[e]!)), 'never splits a surrogate pair');
      }
    }
  });

  it('search is rate limited only when configured (disabled in tests): many searches in a row all answer 200', async () => {
    for (let i = 0; i < 35; i++) assert.equal((await search(carol, { q: 'zz' })).status, 200);
  });
});

describe('search rate limit (NATTER_SEARCH_RATE)', () => {
  const server = useServer({ NATTER_SEARCH_RATE: '3/60s' });
  it('beyond the per-user budget: 429 rate_limited with Retry-After; another user has their own', async () => {
    const a = await newUser(server.url, 'rl');
    const b = await newUser(server.url, 'rl');
    for (let i = 0; i < 3; i++) assert.equal((await search(a, { q: 'x' })).status, 200);
    const limited = await search(a, { q: 'x' });
    assertError(limited, 429, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await search(b, { q: 'x' })).status, 200);
  });
});
