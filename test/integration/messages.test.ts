/** Messages: post, idempotent retry, history paging, edit, delete, reactions, typing, read markers and unread. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, newUser, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { uniq } from '../helpers/wait.ts';

let alice: Api;
let aliceUser: TestUser;
let bob: Api;
let bobUser: TestUser;
let carol: Api;
const server = useServer({}, {
  setup: async () => {
    aliceUser = await newUser(server.url, 'ali');
    alice = aliceUser.api;
    bobUser = await newUser(server.url, 'bob');
    bob = bobUser.api;
    ({ api: carol } = await newUser(server.url, 'car'));
  },
});

/** A public room owned by alice that bob has joined. */
async function room(): Promise<string> {
  const name = uniq('m');
  assert.equal((await alice.post('/api/v1/rooms', { name, visibility: 'public' })).status, 201);
  assert.equal((await bob.post(`/api/v1/rooms/${name}/join`)).status, 200);
  return name;
}

async function post(api: Api, name: string, text: string, clientId?: string): Promise<any> {
  const r = await api.post(`/api/v1/rooms/${name}/messages`, clientId === undefined ? { text } : { text, client_id: clientId });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.message;
}

const history = async (api: Api, name: string, query = ''): Promise<any[]> => {
  const r = await api.get(`/api/v1/rooms/${name}/messages${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.messages;
};
const seqs = (msgs: any[]): number[] => msgs.map((m) => m.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const unreadOf = async (api: Api, name: string): Promise<number> => (await api.get(`/api/v1/rooms/${name}`)).body.room.unread;

describe('posting', () => {
  it('201 with the full message; text is trimmed; seq starts at 1 and goes up by one; last_seq follows', async () => {
    const name = await room();
    const r = await alice.post(`/api/v1/rooms/${name}/messages`, { text: '  hello world \n' });
    assert.equal(r.status, 201);
    const m = r.body.message;
    assert.deepEqual(Object.keys(m).sort(), ['alias', 'attachments', 'author', 'client_id', 'created_at', 'deleted', 'edited_at', 'id', 'mentions', 'previews', 'reactions', 'reply_to', 'room', 'seq', 'text']);
    assert.deepEqual([m.attachments, m.previews, m.alias], [[], [], null], 'v1.1 fields of a plain post');
    assert.equal(typeof m.id, 'string');
    assert.equal(m.room, name);
    assert.equal(m.seq, 1);
    assert.deepEqual(m.author, { id: aliceUser.id, username: aliceUser.name });
    assert.equal(m.text, 'hello world');
    assert.match(m.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(m.edited_at, null);
    assert.equal(m.deleted, false);
    assert.deepEqual(m.reactions, {});
    assert.equal(m.client_id, null);
    assert.equal((await post(bob, name, 'second')).seq, 2);
    assert.equal((await alice.get(`/api/v1/rooms/${name}`)).body.room.last_seq, 2);
  });

  it('only members post: a non-member of a public room gets 403; an unknown room 404', async () => {
    const name = await room();
    assertError(await carol.post(`/api/v1/rooms/${name}/messages`, { text: 'hi' }), 403, 'forbidden');
    assertError(await carol.post(`/api/v1/rooms/${uniq('none')}/messages`, { text: 'hi' }), 404, 'not_found');
    assert.equal((await history(carol, name)).length, 0, 'a non-member may read a public room');
  });

  it('retrying with the same client_id returns the original message (200) and stores nothing new', async () => {
    const name = await room();
    const cid = uniq('cid');
    const first = await alice.post(`/api/v1/rooms/${name}/messages`, { text: 'once', client_id: cid });
    assert.equal(first.status, 201);
    assert.equal(first.body.message.client_id, cid);
    const again = await alice.post(`/api/v1/rooms/${name}/messages`, { text: 'once', client_id: cid });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body.message, first.body.message);
    const changed = await alice.post(`/api/v1/rooms/${name}/messages`, { text: 'different text', client_id: cid });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.message.text, 'once');
    const byBob = await bob.post(`/api/v1/rooms/${name}/messages`, { text: 'mine', client_id: cid });
    assert.equal(byBob.status, 201, 'client_id is per author');
    const msgs = await history(alice, name);
    assert.deepEqual(msgs.map((m) => [m.text, m.author.username]), [['once', aliceUser.name], ['mine', bobUser.name]]);
    assert.equal((await alice.get(`/api/v1/rooms/${name}`)).body.room.last_seq, 2);
  });

  it('client_id is 1-64 characters', async () => {
    const name = await room();
    assertError(await alice.post(`/api/v1/rooms/${name}/messages`, { text: 'x', client_id: '' }), 400, 'invalid_request');
    assertError(await alice.post(`/api/v1/rooms/${name}/messages`, { text: 'x', client_id: 'c'.repeat(65) }), 400, 'invalid_request');
    assert.equal((await post(alice, name, 'x', 'c'.repeat(64))).client_id.length, 64);
    assert.equal((await post(alice, name, 'y', 'z')).client_id, 'z');
  });
});

describe('message text rules', () => {
  it('a body over the default limit (64 KiB) is 413 payload_too_large', async () => {
    const name = await room();
    assertError(await alice.post(`/api/v1/rooms/${name}/messages`, { text: 'a'.repeat(65_536) }), 413, 'payload_too_large');
    assertError(await alice.post(`/api/v1/rooms/${name}/messages`, { text: 'a'.repeat(60_000) }), 400, 'invalid_request');
  });

  it('1-4000 code points after trimming: 4000 emoji pass, 4001 do not', async () => {
    const name = await room();
    const emoji = '😀'.repeat(4000);
    assert.equal((await post(alice, name, `  ${emoji}\n`)).text, emoji);
    assert.equal((await post(alice, name, 'a'.repeat(4000))).text.length, 4000);
    assert.equal((await post(alice, name, ` ${'b'.repeat(4000)} `)).text.length, 4000);
    const tooMany = await alice.post(`/api/v1/rooms/${name}/messages`, { text: '😀'.repeat(4001) });
    assertError(tooMany, 400, 'invalid_request');
    assert.match(tooMany.body.error.message, /text/);
    assertError(await alice.post(`/api/v1/rooms/${name}/messages`, { text: 'a'.repeat(4001) }), 400, 'invalid_request');
  });

  it('empty or whitespace-only text is 400', async () => {
    const name = await room();
    for (const text of ['', ' ', '\n\t  \n']) assertError(await alice.post(`/api/v1/rooms/${name}/messages`, { text }), 400, 'invalid_request');
    assertError(await alice.post(`/api/v1/rooms/${name}/messages`, {}), 400, 'invalid_request');
  });

  it('no NUL and no C0 controls except \\n and \\t', async () => {
    const name = await room();
    for (const c of ['\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\r', '\u001b', '\u001f']) {
      assertError(await alice.post(`/api/v1/rooms/${name}/messages`, { text: `a${c}b` }), 400, 'invalid_request');
    }
    assert.equal((await post(alice, name, 'line one\nline\ttwo')).text, 'line one\nline\ttwo');
    assert.equal((await post(alice, name, 'del \u007f and c1 \u0085 are not C0')).text, 'del \u007f and c1 \u0085 are not C0');
    assert.equal((await post(alice, name, 'café ☕ 日本語 👩‍👩‍👧')).text, 'café ☕ 日本語 👩‍👩‍👧');
    // A lone surrogate escaped in valid JSON is not a Unicode string: 400, not stored as garbage.
    assertError(await alice.req('POST', `/api/v1/rooms/${name}/messages`, '{"text":"a\\ud800b"}'), 400, 'invalid_request');
  });
});

describe('JSON types are not coerced', () => {
  it('a number for text or client_id, or a string for seq, is 400 invalid_request naming the field', async () => {
    const name = await room();
    const r = await alice.post(`/api/v1/rooms/${name}/messages`, { text: 42 });
    assertError(r, 400, 'invalid_request');
    assert.match(r.body.error.message, /text/);
    assertError(await alice.post(`/api/v1/rooms/${name}/messages`, { text: true }), 400, 'invalid_request');
    assertError(await alice.post(`/api/v1/rooms/${name}/messages`, { text: ['x'] }), 400, 'invalid_request');
    assertError(await alice.post(`/api/v1/rooms/${name}/messages`, { text: 'x', client_id: 5 }), 400, 'invalid_request');
    assertError(await alice.post(`/api/v1/rooms/${name}/read`, { seq: '1' }), 400, 'invalid_request');
    assertError(await alice.post('/api/v1/rooms', { name: uniq('t'), visibility: 'public', topic: 7 }), 400, 'invalid_request');
    assert.deepEqual(await history(alice, name), []);
  });

  it('unknown body fields are ignored; query numbers are read from their text', async () => {
    const name = await room();
    const r = await alice.post(`/api/v1/rooms/${name}/messages`, { text: 'ok', future_field: { x: 1 } });
    assert.equal(r.status, 201);
    assert.deepEqual(seqs(await history(alice, name, '?limit=1&unknown=1')), [1]);
  });
});

describe('history', () => {
  it('newest `limit` messages (default 50) in ascending seq; before/after/limit page through', async () => {
    const name = await room();
    for (let i = 1; i <= 60; i++) await post(i % 2 ? alice : bob, name, `m${i}`);
    assert.deepEqual(seqs(await history(alice, name)), range(11, 60));
    assert.deepEqual(seqs(await history(alice, name, '?limit=5')), range(56, 60));
    assert.deepEqual(seqs(await history(alice, name, '?before=11&limit=3')), [8, 9, 10]);
    assert.deepEqual(seqs(await history(alice, name, '?before=11')), range(1, 10));
    assert.deepEqual(seqs(await history(alice, name, '?before=1')), []);
    assert.deepEqual(seqs(await history(alice, name, '?after=0&limit=4')), [1, 2, 3, 4]);
    assert.deepEqual(seqs(await history(alice, name, '?after=57')), [58, 59, 60]);
    assert.deepEqual(seqs(await history(alice, name, '?after=60')), []);
    assert.deepEqual(seqs(await history(alice, name, '?limit=200')), range(1, 60));
    const page = await history(alice, name, '?after=9&limit=2');
    assert.deepEqual(page.map((m) => m.text), ['m10', 'm11']);
  });

  it('an empty room has last_seq 0 and empty history', async () => {
    const name = await room();
    assert.equal((await alice.get(`/api/v1/rooms/${name}`)).body.room.last_seq, 0);
    assert.deepEqual(await history(alice, name), []);
  });

  it('limit must be 1..200; before/after must be integers, not both', async () => {
    const name = await room();
    for (const q of ['?limit=0', '?limit=201', '?limit=-1', '?limit=abc', '?before=x', '?after=-1', '?after=1.5', '?before=5&after=1']) {
      assertError(await alice.get(`/api/v1/rooms/${name}/messages${q}`), 400, 'invalid_request');
    }
    assertError(await alice.get(`/api/v1/rooms/${uniq('none')}/messages`), 404, 'not_found');
  });
});

describe('edit and delete', () => {
  it('the author edits: 200 with new text and edited_at; history shows it', async () => {
    const name = await room();
    const m = await post(bob, name, 'tpyo');
    const r = await bob.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: '  typo ' });
    assert.equal(r.status, 200);
    assert.equal(r.body.message.id, m.id);
    assert.equal(r.body.message.seq, m.seq);
    assert.equal(r.body.message.text, 'typo');
    assert.match(r.body.message.edited_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const [h] = await history(alice, name);
    assert.equal(h.text, 'typo');
    assert.equal(h.edited_at, r.body.message.edited_at);
  });

  it('anyone else, even the room owner, gets 403 on edit; bad text 400; unknown id 404', async () => {
    const name = await room();
    const m = await post(bob, name, 'mine');
    assertError(await alice.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: 'owner edit' }), 403, 'forbidden');
    assertError(await carol.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: 'stranger' }), 403, 'forbidden');
    assertError(await bob.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: '   ' }), 400, 'invalid_request');
    assertError(await bob.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: 'a\u0000' }), 400, 'invalid_request');
    assertError(await bob.patch(`/api/v1/rooms/${name}/messages/999999`, { text: 'x' }), 404, 'not_found');
    assertError(await bob.patch(`/api/v1/rooms/${name}/messages/nope`, { text: 'x' }), 404, 'not_found');
    assert.equal((await history(bob, name))[0].text, 'mine');
  });

  it('a message id from another room is 404 in this one', async () => {
    const a = await room();
    const b = await room();
    const m = await post(bob, a, 'in a');
    assertError(await bob.patch(`/api/v1/rooms/${b}/messages/${m.id}`, { text: 'x' }), 404, 'not_found');
    assertError(await bob.del(`/api/v1/rooms/${b}/messages/${m.id}`), 404, 'not_found');
    assertError(await bob.put(`/api/v1/rooms/${b}/messages/${m.id}/reactions/ok`), 404, 'not_found');
  });

  it('the author deletes: 204; it stays in history as deleted: true with empty text, seq kept', async () => {
    const name = await room();
    const m1 = await post(bob, name, 'keep');
    const m2 = await post(bob, name, 'oops');
    const m3 = await post(alice, name, 'after');
    const r = await bob.del(`/api/v1/rooms/${name}/messages/${m2.id}`);
    assert.equal(r.status, 204);
    const h = await history(carol, name);
    assert.deepEqual(seqs(h), [m1.seq, m2.seq, m3.seq]);
    assert.equal(h[1].id, m2.id);
    assert.equal(h[1].deleted, true);
    assert.equal(h[1].text, '');
    assert.equal(h[0].deleted, false);
    assert.equal(h[0].text, 'keep');
    assertError(await bob.patch(`/api/v1/rooms/${name}/messages/${m2.id}`, { text: 'revive' }), 409, 'conflict');
  });

  it('the room owner may delete anyone\'s message; other members get 403', async () => {
    const name = await room();
    const m = await post(bob, name, 'moderate me');
    assert.equal((await carol.post(`/api/v1/rooms/${name}/join`)).status, 200);
    assertError(await carol.del(`/api/v1/rooms/${name}/messages/${m.id}`), 403, 'forbidden');
    const a = await post(alice, name, 'owner text');
    assertError(await bob.del(`/api/v1/rooms/${name}/messages/${a.id}`), 403, 'forbidden');
    assert.equal((await alice.del(`/api/v1/rooms/${name}/messages/${m.id}`)).status, 204);
    const h = await history(bob, name);
    assert.deepEqual(h.map((x) => [x.deleted, x.text]), [[true, ''], [false, 'owner text']]);
    assertError(await alice.del(`/api/v1/rooms/${name}/messages/424242`), 404, 'not_found');
  });
});

describe('reactions', () => {
  it('PUT adds (idempotent), DELETE removes (idempotent); reactions list usernames per emoji', async () => {
    const name = await room();
    const m = await post(alice, name, 'react to me');
    const path = (e: string) => `/api/v1/rooms/${name}/messages/${m.id}/reactions/${encodeURIComponent(e)}`;
    const put = await bob.put(path('👍'));
    assert.equal(put.status, 204);
    assert.equal((await bob.put(path('👍'))).status, 204);
    assert.equal((await alice.put(path('👍'))).status, 204);
    assert.equal((await alice.put(path('party_parrot'))).status, 204);
    let [h] = await history(carol, name);
    assert.deepEqual(h.reactions, { '👍': [bobUser.name, aliceUser.name], party_parrot: [aliceUser.name] });
    assert.equal((await bob.del(path('👍'))).status, 204);
    assert.equal((await bob.del(path('👍'))).status, 204);
    assert.equal((await bob.del(path('never'))).status, 204);
    [h] = await history(carol, name);
    assert.deepEqual(h.reactions, { '👍': [aliceUser.name], party_parrot: [aliceUser.name] });
  });

  it('emoji: 1-32 characters, no whitespace or control characters (400)', async () => {
    const name = await room();
    const m = await post(alice, name, 'x');
    const path = (e: string) => `/api/v1/rooms/${name}/messages/${m.id}/reactions/${encodeURIComponent(e)}`;
    assert.equal((await bob.put(path('e'.repeat(32)))).status, 204);
    assert.equal((await bob.put(path('👨‍👩‍👧‍👦'))).status, 204);
    for (const bad of ['e'.repeat(33), '😀'.repeat(33), 'a b', ' a', 'a\tb', 'a\nb', 'a\u0000', 'a\u0001', '\u007f', 'a\u0085', 'a\u00a0b', 'a\u2028']) {
      const r = await bob.put(path(bad));
      assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.status}`);
      assert.equal(typeof r.body.error.code, 'string');
      const d = await bob.del(path(bad));
      assert.equal(d.status, 400, `DELETE ${JSON.stringify(bad)}: ${d.status}`);
    }
    const [h] = await history(alice, name);
    assert.deepEqual(Object.keys(h.reactions).sort(), ['e'.repeat(32), '👨‍👩‍👧‍👦'].sort());
  });

  it('non-members get 403, unknown messages 404; a deleted message drops its reactions', async () => {
    const name = await room();
    const m = await post(alice, name, 'x');
    assertError(await carol.put(`/api/v1/rooms/${name}/messages/${m.id}/reactions/ok`), 403, 'forbidden');
    assertError(await bob.put(`/api/v1/rooms/${name}/messages/777777/reactions/ok`), 404, 'not_found');
    assert.equal((await bob.put(`/api/v1/rooms/${name}/messages/${m.id}/reactions/ok`)).status, 204);
    assert.equal((await alice.del(`/api/v1/rooms/${name}/messages/${m.id}`)).status, 204);
    const [h] = await history(alice, name);
    assert.deepEqual(h.reactions, {});
  });
});

describe('typing', () => {
  it('204 for members; 403 for non-members of a public room; 404 for unknown rooms', async () => {
    const name = await room();
    const r = await bob.post(`/api/v1/rooms/${name}/typing`);
    assert.equal(r.status, 204);
    assertError(await carol.post(`/api/v1/rooms/${name}/typing`), 403, 'forbidden');
    assertError(await carol.post(`/api/v1/rooms/${uniq('none')}/typing`), 404, 'not_found');
    assert.deepEqual(await history(alice, name), [], 'typing is not stored');
  });
});

describe('read markers and unread', () => {
  it('unread counts messages by others above the marker; the marker never moves backwards', async () => {
    const name = await room();
    assert.equal(await unreadOf(alice, name), 0);
    for (let i = 0; i < 3; i++) await post(bob, name, `b${i}`);
    assert.equal(await unreadOf(alice, name), 3);
    assert.equal(await unreadOf(bob, name), 0, 'your own messages are never unread');
    const listed = (await alice.get('/api/v1/rooms')).body.rooms.find((r: any) => r.name === name);
    assert.equal(listed.unread, 3);
    assert.equal((await alice.post(`/api/v1/rooms/${name}/read`, { seq: 2 })).status, 204);
    assert.equal(await unreadOf(alice, name), 1);
    assert.equal((await alice.post(`/api/v1/rooms/${name}/read`, { seq: 1 })).status, 204);
    assert.equal(await unreadOf(alice, name), 1, 'never backwards');
    assert.equal((await alice.post(`/api/v1/rooms/${name}/read`, { seq: 0 })).status, 204);
    assert.equal(await unreadOf(alice, name), 1);
    assert.equal((await alice.post(`/api/v1/rooms/${name}/read`, { seq: 3 })).status, 204);
    assert.equal(await unreadOf(alice, name), 0);
  });

  it('posting moves your own marker to your message', async () => {
    const name = await room();
    for (let i = 0; i < 4; i++) await post(bob, name, `b${i}`);
    assert.equal(await unreadOf(alice, name), 4);
    await post(alice, name, 'caught up');
    assert.equal(await unreadOf(alice, name), 0);
    await post(bob, name, 'more');
    assert.equal(await unreadOf(alice, name), 1);
  });

  it('a marker past the end does not hide later messages; non-members 403; bad seq 400', async () => {
    const name = await room();
    await post(bob, name, 'one');
    assert.equal((await alice.post(`/api/v1/rooms/${name}/read`, { seq: 1000 })).status, 204);
    assert.equal(await unreadOf(alice, name), 0);
    await post(bob, name, 'two');
    assert.equal(await unreadOf(alice, name), 1);
    assertError(await carol.post(`/api/v1/rooms/${name}/read`, { seq: 1 }), 403, 'forbidden');
    for (const body of [{}, { seq: -1 }, { seq: 'x' }, { seq: 1.5 }]) {
      assertError(await alice.post(`/api/v1/rooms/${name}/read`, body), 400, 'invalid_request');
    }
  });

  it('non-members see unread 0 for a public room', async () => {
    const name = await room();
    await post(bob, name, 'x');
    const r = (await carol.get(`/api/v1/rooms/${name}`)).body.room;
    assert.equal(r.member, false);
    assert.equal(r.unread, 0);
    assert.equal(r.last_seq, 1);
  });
});
