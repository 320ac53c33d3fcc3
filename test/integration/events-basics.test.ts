/**
 * The event stream, basics: response head, `retry:` then `ready`, ids on stored
 * events only, event shapes, per-room order, one stream for all rooms, and the
 * real eventsource@4 client.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newUser, post, room, type TestUser } from '../helpers/api.ts';
import { esTexts, eventSource } from '../helpers/eventsource.ts';
import { metric } from '../helpers/metrics.ts';
import { startServer, useServer } from '../helpers/server.ts';
import { closeStream, dataOf, marker, openEvents, openRaw, readyOf, storedIn, texts, waitText } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';

let alice: TestUser;
let bob: TestUser;
const server = useServer({ NATTER_HEARTBEAT_MS: '60000' }, {
  failIfDied: true,
  setup: async () => {
    alice = await newUser(server.url, 'al');
    bob = await newUser(server.url, 'bo');
  },
});

describe('response', () => {
  it('200 with exactly the headers of API.md, and no compression even when the client accepts gzip', async () => {
    const s = await openEvents(server.url, alice.token, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(s.status, 200);
    assert.equal(s.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(s.headers['cache-control'], 'no-cache');
    assert.equal(s.headers['x-accel-buffering'], 'no');
    assert.equal(s.headers['content-encoding'], undefined);
    assert.equal(s.headers['content-length'], undefined, 'a stream has no length');
    s.close();
  });

  it('starts with retry:, then the ready event, before anything else', async () => {
    const s = await openEvents(server.url, alice.token);
    assert.match(s.raw(), /^retry: \d+\n/);
    assert.ok(s.raw().indexOf('retry:') < s.raw().indexOf('event: ready'));
    assert.equal(s.events[0]!.event, 'ready', 'ready is the first event');
    assert.equal(s.events[0]!.hasId, false, 'ready has no id');
    s.close();
  });

  it('the retry value is NATTER_RETRY_MS, jittered per stream between half and one and a half of it', async () => {
    const other = await startServer({ NATTER_RETRY_MS: '1234' });
    try {
      const u = await newUser(other.url);
      const hints: number[] = [];
      for (let i = 0; i < 8; i++) {
        const s = await openEvents(other.url, u.token);
        hints.push(Number(/^retry: (\d+)\n/.exec(s.raw())?.[1]));
        s.close();
      }
      for (const h of hints) assert.ok(h >= 617 && h <= 1851, `retry: ${h}`);
      assert.ok(new Set(hints).size > 1, `jittered: ${hints.join(', ')}`);
    } finally {
      await other.stop();
    }
  });

  it('ready carries {user, rooms, cursor, stream_id}: the user, exactly the rooms they are a member of, a cursor and the stream\'s id (v1.1)', async () => {
    const mine = await room(alice, 'private');
    const joined = await room(bob, 'public');
    assert.equal((await alice.api.post(`/api/v1/rooms/${joined}/join`)).status, 200);
    const notJoined = await room(bob, 'public');
    const theirs = await room(bob, 'private');
    const s = await openEvents(server.url, alice.token);
    try {
      const ready = readyOf(s);
      assert.deepEqual(Object.keys(ready).sort(), ['cursor', 'rooms', 'stream_id', 'user']);
      const { email: _e, email_verified: _v, email_notifications: _n, ...me } = (await alice.api.get('/api/v1/me')).body.user;
      assert.deepEqual(ready.user, me, 'your user with its public fields (the private ones are on GET /me)');
      const names = ready.rooms.map((r: any) => r.name).sort();
      assert.deepEqual(names, ['general', mine, joined].sort());
      assert.ok(!names.includes(notJoined) && !names.includes(theirs));
      const restRooms = (await alice.api.get('/api/v1/rooms')).body.rooms;
      for (const r of ready.rooms) {
        assert.equal(r.member, true);
        assert.deepEqual(r, restRooms.find((x: any) => x.name === r.name), `ready room ${r.name} is the room object of GET /rooms`);
      }
      assert.equal(typeof ready.cursor, 'string');
      assert.ok(ready.cursor.length > 0);
    } finally {
      s.close(); // also when an assertion fails: a stream left open would fail the reconnect test below
    }
  });

  it('401 JSON (not a stream) without a session or with a bad token', async () => {
    for (const headers of <Record<string, string>[]>[{}, { authorization: 'Bearer nope' }, { authorization: 'Basic abc' }]) {
      const r = await fetch(`${server.url}/api/v1/events`, { headers });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      const body = await r.json();
      assert.equal(body.error.code, 'unauthenticated');
    }
  });

  it('a cookie session opens the stream too (a browser EventSource sends only cookies)', async () => {
    const s = await openRaw(server.url, '/api/v1/events', { cookie: `natter_session=${alice.token}` });
    assert.equal(s.status, 200);
    await s.waitFor((ev) => ev.some((e) => e.event === 'ready'), 'ready');
    assert.equal(readyOf(s).user.id, alice.id);
    s.close();
  });
});

describe('events', () => {
  it('stored events carry id: and their data shapes follow API.md; message data is the message of the REST answer', async () => {
    const r = await room(alice, 'private');
    const s = await openEvents(server.url, alice.token);
    const b = await openEvents(server.url, bob.token);
    assert.equal((await alice.api.post(`/api/v1/rooms/${r}/members`, { username: bob.name })).status, 200);
    const m = await post(alice, r, 'hello');
    assert.equal((await alice.api.patch(`/api/v1/rooms/${r}/messages/${m.id}`, { text: 'hello, edited' })).status, 200);
    assert.equal((await bob.api.put(`/api/v1/rooms/${r}/messages/${m.id}/reactions/${encodeURIComponent('👍')}`)).status, 204);
    assert.equal((await alice.api.patch(`/api/v1/rooms/${r}`, { topic: 'new topic' })).status, 200);
    assert.equal((await alice.api.del(`/api/v1/rooms/${r}/messages/${m.id}`)).status, 204);
    assert.equal((await bob.api.post(`/api/v1/rooms/${r}/leave`)).status, 204);
    await marker(alice, r, [s]);

    assert.deepEqual(storedIn(s.events, r).slice(0, -1), [
      `member_joined:${bob.name}`, 'message:hello', 'message_updated:hello, edited', 'message_updated:hello, edited',
      'room_updated:new topic', 'message_updated:', `member_left:${bob.name}`,
    ]);
    const inRoom = s.events.filter((e) => e.event !== 'ready' && e.event !== 'presence' && e.event !== 'typing');
    const ids = inRoom.map((e) => e.id);
    for (const e of inRoom) assert.equal(e.hasId, true, `${e.event} has an id line`);
    assert.equal(new Set(ids).size, ids.length, 'ids are distinct');

    const msg = dataOf(s.events, 'message', r)[0];
    assert.deepEqual(Object.keys(msg), ['message']);
    assert.deepEqual(msg.message, m);
    const updates = dataOf(s.events, 'message_updated', r);
    assert.equal(updates[0].message.text, 'hello, edited');
    assert.equal(typeof updates[0].message.edited_at, 'string');
    assert.deepEqual(updates[1].message.reactions, { '👍': [bob.name] });
    assert.equal(updates[2].message.deleted, true);
    assert.equal(updates[2].message.text, '');
    const joined = dataOf(s.events, 'member_joined', r)[0];
    assert.deepEqual(joined, { room: r, user: { id: bob.id, username: bob.name } });
    assert.deepEqual(dataOf(s.events, 'member_left', r)[0], { room: r, user: { id: bob.id, username: bob.name } });
    const ru = dataOf(s.events, 'room_updated', r)[0];
    assert.deepEqual(Object.keys(ru), ['room']);
    assert.equal(ru.room.name, r);
    assert.equal(ru.room.topic, 'new topic');
    assert.equal(ru.room.visibility, 'private');
    // Bob was in the room for all but the marker: he got the same ids for the same events.
    const bobIds = b.events.filter((e) => e.hasId).map((e) => e.id);
    for (const e of inRoom.filter((x) => storedIn([x], r).length > 0).slice(0, -1)) assert.ok(bobIds.includes(e.id), `bob has ${e.event} ${e.id}`);
    s.close();
    b.close();
  });

  it('every event is framed as id/event/one data line/blank line in the raw bytes', async () => {
    const r = await room(alice, 'private');
    const s = await openEvents(server.url, alice.token);
    await post(alice, r, 'line one\nline two\n\ndata: {"x":1}\n\tthree\u2028four 😀');
    await marker(alice, r, [s]);
    const blocks = s.raw().split('\n\n').filter((b) => b.length > 0);
    assert.match(blocks[0]!, /^retry: \d+$/);
    assert.match(blocks[1]!, /^event: ready\ndata: /);
    assert.match(blocks[2]!, /^id: [^\n]+$/, 'an id-only block after ready: the client\'s Last-Event-ID becomes the ready cursor');
    for (const block of blocks.slice(3)) {
      const lines = block.split('\n');
      if (lines[0]!.startsWith(':')) continue;
      const fields = lines.map((l) => l.slice(0, l.indexOf(':')));
      assert.ok(['event,data', 'id,event,data'].includes(fields.join(',')), `frame fields ${fields.join(',')}: ${block.slice(0, 200)}`);
      assert.doesNotMatch(block, /\r/);
      const d = lines[lines.length - 1]!.slice('data: '.length);
      assert.equal(typeof JSON.parse(d), 'object', 'one JSON object');
    }
    assert.deepEqual(texts(s, r).slice(0, 1), ['line one\nline two\n\ndata: {"x":1}\n\tthree\u2028four 😀']);
    s.close();
  });

  it('typing carries no id line, and does not change the last event id', async () => {
    const r = await room(alice, 'private', [bob]);
    const b = await openEvents(server.url, bob.token);
    await post(alice, r, 'before typing');
    await waitText(b, r, 'before typing');
    const idBefore = b.lastEventId;
    assert.equal((await alice.api.post(`/api/v1/rooms/${r}/typing`)).status, 204);
    await b.waitFor((ev) => dataOf(ev, 'typing', r).length > 0, 'typing');
    const typing = b.events.find((e) => e.event === 'typing')!;
    assert.equal(typing.hasId, false);
    assert.equal(b.lastEventId, idBefore);
    assert.doesNotMatch(b.raw().slice(b.raw().lastIndexOf('event: typing') - 40), /id: [^\n]*\nevent: typing/);
    b.close();
  });

  it('per room, messages arrive in seq order with no gap, even when many authors post at once', async () => {
    const carol = await newUser(server.url, 'ca');
    const r1 = await room(alice, 'private', [bob, carol]);
    const r2 = await room(bob, 'private', [alice, carol]);
    const s = await openEvents(server.url, carol.token);
    const posts: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      posts.push(post(alice, r1, `a${i}`), post(bob, r1, `b${i}`), post(alice, r2, `c${i}`), post(bob, r2, `d${i}`));
    }
    await Promise.all(posts);
    await marker(alice, r1, [s]);
    await marker(bob, r2, [s]);
    for (const r of [r1, r2]) {
      const seqs = dataOf(s.events, 'message', r).map((d) => d.message.seq);
      assert.equal(seqs.length, 41);
      assert.deepEqual(seqs, Array.from({ length: 41 }, (_, i) => i + 1), `seq order in ${r}`);
    }
    s.close();
  });

  it('one stream carries every room of the user, and nothing of rooms they are not in', async () => {
    const r1 = await room(alice, 'private', [bob]);
    const r2 = await room(bob, 'public', []);
    assert.equal((await alice.api.post(`/api/v1/rooms/${r2}/join`)).status, 200);
    const pub = await room(bob, 'public');
    const priv = await room(bob, 'private');
    const s = await openEvents(server.url, alice.token);
    await post(bob, pub, 'public, not joined');
    await post(bob, priv, 'private, not a member');
    await post(bob, r1, 'in r1');
    await post(bob, r2, 'in r2');
    const [before] = await marker(bob, 'general', [s]);
    assert.deepEqual(texts(s, r1), ['in r1']);
    assert.deepEqual(texts(s, r2), ['in r2']);
    assert.ok(!before!.some((e) => e.data.includes('not joined') || e.data.includes('not a member')), 'nothing from rooms alice is not in');
    s.close();
  });
});

describe('reconnects', () => {
  it('are not rate limited: 40 quick reconnects with the default settings all get a stream', async () => {
    const u = await newUser(server.url, 'rc');
    for (let i = 0; i < 40; i++) {
      const s = await openEvents(server.url, u.token);
      await closeStream(s);
      await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === 0, `stream ${i} seen closed`);
    }
  });
});

describe('eventsource@4 (a real SSE client)', () => {
  it('receives ready, then live messages with their ids as lastEventId', async () => {
    const r = await room(alice, 'private', [bob]);
    const c = eventSource(server.url, bob.token);
    try {
      await waitFor(() => c.events.some((e) => e.type === 'ready'), 'ready');
      assert.equal(c.events[0]!.type, 'ready');
      assert.equal(c.events[0]!.data.user.id, bob.id);
      await post(alice, r, 'one');
      await post(alice, r, 'two');
      await waitFor(() => esTexts(c, r).length === 2, 'two messages');
      assert.deepEqual(esTexts(c, r), ['one', 'two']);
      const ids = c.events.filter((e) => e.type === 'message').map((e) => e.lastEventId);
      assert.ok(ids.every((id) => id.length > 0));
      assert.notEqual(ids[0], ids[1]);
      assert.equal(c.opens, 1);
    } finally {
      c.close();
    }
  });
});
