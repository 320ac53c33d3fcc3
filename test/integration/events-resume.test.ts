/**
 * The event stream, resume: Last-Event-ID header and ?last_event_id=, each
 * stored event exactly once then live with no gap or duplicate, the GET /rooms
 * cursor, and `reset` for cursors the server cannot serve.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cursorNow, newUser, post, room, type TestUser } from '../helpers/api.ts';
import { esTexts, eventSource } from '../helpers/eventsource.ts';
import { useServer } from '../helpers/server.ts';
import { assertExactlyOnce, closeStream, dataOf, marker, openEvents, readyOf, storedIn, texts, waitText } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';

let alice: TestUser;
let bob: TestUser;
const server = useServer({ NATTER_HEARTBEAT_MS: '60000', NATTER_RETRY_MS: '50' }, {
  failIfDied: true,
  setup: async () => {
    alice = await newUser(server.url, 'al');
    bob = await newUser(server.url, 'bo');
  },
});

/** Stored events of a stream (not ready/reset, which are not log events), as [id, event, data]. */
const stored = (events: { event: string; hasId: boolean; id: string; data: string }[]) =>
  events.filter((e) => e.hasId && e.event !== 'reset').map((e) => [e.id, e.event, e.data]);

describe('resume', () => {
  it('with the Last-Event-ID header: exactly the stored events after it, in order, then live', async () => {
    const r = await room(alice, 'private', [bob]);
    const first = await openEvents(server.url, bob.token);
    await post(alice, r, 'seen 1');
    await post(alice, r, 'seen 2');
    await waitText(first, r, 'seen 2');
    const cursor = first.lastEventId;
    await closeStream(first);
    for (let i = 1; i <= 5; i++) await post(alice, r, `missed ${i}`);
    const s = await openEvents(server.url, bob.token, { lastEventId: cursor });
    await waitText(s, r, 'missed 5');
    await post(alice, r, 'live 1');
    await marker(alice, r, [s]);
    assertExactlyOnce(texts(s, r).slice(0, -1), ['missed 1', 'missed 2', 'missed 3', 'missed 4', 'missed 5', 'live 1'], 'bob after resume');
    assert.equal(s.events[0]!.event, 'ready');
    assert.equal(s.events.filter((e) => e.event === 'reset').length, 0, 'a good cursor gets no reset');
    s.close();
  });

  it('with ?last_event_id= (clients that cannot set headers): the same', async () => {
    const r = await room(alice, 'private', [bob]);
    const first = await openEvents(server.url, bob.token);
    await post(alice, r, 'seen');
    await waitText(first, r, 'seen');
    const cursor = first.lastEventId;
    await closeStream(first);
    await post(alice, r, 'missed a');
    await post(alice, r, 'missed b');
    const s = await openEvents(server.url, bob.token, { query: cursor });
    await post(alice, r, 'live');
    await marker(alice, r, [s]);
    assertExactlyOnce(texts(s, r).slice(0, -1), ['missed a', 'missed b', 'live'], 'query resume');
    assert.equal(dataOf(s.events, 'reset').length, 0);
    s.close();
  });

  it('the header wins over the query when both are present (a browser resends the header on reconnect)', async () => {
    const r = await room(alice, 'private', [bob]);
    const c1 = await cursorNow(bob);
    await post(alice, r, 'after c1');
    const c2 = await cursorNow(bob);
    await post(alice, r, 'after c2');
    const s = await openEvents(server.url, bob.token, { lastEventId: c1, query: c2 });
    const s2 = await openEvents(server.url, bob.token, { lastEventId: c1, query: 'garbage' });
    await marker(alice, r, [s, s2]);
    assert.deepEqual(texts(s, r).slice(0, -1), ['after c1', 'after c2']);
    assert.deepEqual(texts(s2, r).slice(0, -1), ['after c1', 'after c2']);
    assert.equal(dataOf(s2.events, 'reset').length, 0, 'the garbage query is ignored');
    const s3 = await openEvents(server.url, bob.token, { lastEventId: 'garbage', query: c1 });
    await s3.waitFor((ev) => ev.length >= 2, 'ready and reset');
    assert.equal(s3.events[1]!.event, 'reset', 'the garbage header is used, not the good query');
    for (const x of [s, s2, s3]) x.close();
  });

  it('replays every kind of stored event exactly as the live stream sent it (same ids, same data, same order)', async () => {
    const carol = await newUser(server.url, 'ca');
    const r1 = await room(alice, 'private', [bob]);
    const r2 = await room(bob, 'public', [alice]);
    const live = await openEvents(server.url, bob.token);
    const from = live.lastEventId || readyOf(live).cursor;
    const m = await post(alice, r1, 'one');
    await post(bob, r2, 'two');
    await alice.api.patch(`/api/v1/rooms/${r1}/messages/${m.id}`, { text: 'one edited' });
    await bob.api.put(`/api/v1/rooms/${r1}/messages/${m.id}/reactions/x`);
    await alice.api.patch(`/api/v1/rooms/${r1}`, { topic: 'topic!' });
    await carol.api.post(`/api/v1/rooms/${r2}/join`);
    await post(carol, r2, 'three');
    await carol.api.post(`/api/v1/rooms/${r2}/leave`);
    await alice.api.del(`/api/v1/rooms/${r1}/messages/${m.id}`);
    await marker(alice, r1, [live]);
    const liveStored = stored(live.events);
    const s = await openEvents(server.url, bob.token, { lastEventId: from });
    await marker(alice, r1, [s]);
    const replayed = stored(s.events);
    assert.deepEqual(replayed.slice(0, liveStored.length), liveStored, 'replay = what live delivered, byte for byte');
    assert.equal(replayed.length, liveStored.length + 1, 'then only the second marker');
    assert.deepEqual(storedIn(s.events, r2), ['message:two', `member_joined:${carol.name}`, 'message:three', `member_left:${carol.name}`]);
    live.close();
    s.close();
  });

  it('no gap and no duplicate when events are committed while the stream replays and goes live', async () => {
    const r = await room(alice, 'private', [bob]);
    const cursor = await cursorNow(bob);
    const N = 400;
    const expected: string[] = [];
    for (let i = 0; i < 100; i++) expected.push(`m${i}`);
    for (const t of expected) await post(alice, r, t);
    // Keep posting from two writers while several streams open and replay from the same cursor.
    let stop = false;
    let n = 100;
    const writer = (async () => {
      while (!stop && n < N) {
        const t = `m${n++}`;
        expected.push(t);
        await post(alice, r, t);
      }
    })();
    const streams = [];
    for (let i = 0; i < 6; i++) streams.push(await openEvents(server.url, bob.token, { lastEventId: cursor }));
    await waitFor(() => n >= 250, 'more posts');
    stop = true;
    await writer;
    await marker(alice, r, streams);
    for (const [i, s] of streams.entries()) {
      assertExactlyOnce(texts(s, r).slice(0, -1), expected, `stream ${i}`);
      const seqs = dataOf(s.events, 'message', r).map((d) => d.message.seq);
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, k) => k + 1), `stream ${i} seqs`);
      s.close();
    }
  });

  it('resuming with the last id of a resumed stream continues exactly where it stopped', async () => {
    const r = await room(alice, 'private', [bob]);
    let cursor = await cursorNow(bob);
    const all: string[] = [];
    const got: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++) {
        const t = `r${round}-${i}`;
        all.push(t);
        await post(alice, r, t);
      }
      const s = await openEvents(server.url, bob.token, { lastEventId: cursor });
      await waitText(s, r, `r${round}-2`);
      got.push(...texts(s, r));
      cursor = s.lastEventId;
      await closeStream(s);
    }
    assertExactlyOnce(got, all, 'across four resumes');
  });
});

describe('the GET /rooms cursor', () => {
  it('a stream opened with ?last_event_id=<cursor> delivers exactly the events after the snapshot', async () => {
    const r = await room(alice, 'private', [bob]);
    await post(alice, r, 'before the snapshot');
    const cursor = await cursorNow(bob);
    const m = await post(alice, r, 'after 1');
    await alice.api.patch(`/api/v1/rooms/${r}/messages/${m.id}`, { text: 'after 1 edited' });
    await post(bob, r, 'after 2');
    const s = await openEvents(server.url, bob.token, { query: cursor });
    await marker(alice, r, [s]);
    assert.deepEqual(storedIn(s.events, r).slice(0, -1), ['message:after 1', 'message_updated:after 1 edited', 'message:after 2']);
    assert.equal(dataOf(s.events, 'reset').length, 0);
    s.close();
  });

  it('the same cursor as a Last-Event-ID header works too, and an unchanged log replays nothing', async () => {
    const r = await room(alice, 'private', [bob]);
    const cursor = await cursorNow(bob);
    const s = await openEvents(server.url, bob.token, { lastEventId: cursor });
    const [before] = await marker(alice, r, [s]);
    assert.deepEqual(before!.map((e) => e.event), ['ready']);
    s.close();
  });

  it('ready.cursor is a position too: resuming from it gets exactly what came after', async () => {
    const r = await room(alice, 'private', [bob]);
    const s = await openEvents(server.url, bob.token);
    const cursor = readyOf(s).cursor;
    s.close();
    await post(alice, r, 'after ready');
    const s2 = await openEvents(server.url, bob.token, { lastEventId: cursor });
    await marker(alice, r, [s2]);
    assert.deepEqual(texts(s2, r), ['after ready', texts(s2, r)[1]]);
    s2.close();
  });
});

describe('reset', () => {
  /** The log id part of a cursor (cursors are `<pos>-<logId>` today; this test needs to build foreign ones). */
  const logIdOf = (c: string) => c.slice(c.indexOf('-') + 1);

  const badCursors = async (): Promise<[string, string][]> => {
    const c = await cursorNow(bob);
    return [
      ['garbage', 'garbage'],
      ['empty-looking', ' '],
      ['negative', `-1-${logIdOf(c)}`],
      ['unknown log', `1-ffffffffffff`],
      ['ahead of the log', `999999999-${logIdOf(c)}`],
      ['non-ASCII', 'ünïcödé-😀'],
    ];
  };

  for (const via of ['header', 'query'] as const) {
    it(`a cursor the server cannot serve (${via}) gets reset {reason} right after ready, with the current position as id`, async () => {
      for (const [what, bad] of await badCursors()) {
        const r = await room(alice, 'private', [bob]);
        const s = await openEvents(server.url, bob.token, via === 'header' ? { lastEventId: bad } : { query: bad });
        await s.waitFor((ev) => ev.length >= 2, `${what}: an event after ready`);
        assert.equal(s.events[0]!.event, 'ready', what);
        const reset = s.events[1]!;
        assert.equal(reset.event, 'reset', `${what}: reset right after ready`);
        assert.equal(reset.hasId, true, `${what}: reset has an id`);
        const body = JSON.parse(reset.data);
        assert.equal(typeof body.reason, 'string', what);
        assert.ok(body.reason.length > 0, what);
        assert.equal(reset.id, readyOf(s).cursor, `${what}: the reset id is the stream's position`);
        // Live continues after the reset, and nothing was replayed.
        await post(alice, r, 'after reset');
        const [before] = await marker(alice, r, [s]);
        assert.deepEqual(before!.map((e) => e.event), ['ready', 'reset', 'message'], what);
        // A browser reconnects with the reset id: no reset again, and nothing is repeated.
        const again = await openEvents(server.url, bob.token, { lastEventId: reset.id });
        await marker(alice, r, [again]);
        assert.equal(dataOf(again.events, 'reset').length, 0, `${what}: the reset id is a good cursor`);
        assert.deepEqual(texts(again, r).slice(0, 2), ['after reset', texts(again, r)[1]], what);
        s.close();
        again.close();
      }
    });
  }

  it('a browser EventSource that got reset resends the reset id on its next reconnect', async () => {
    const c = eventSource(server.url, bob.token, '/api/v1/events?last_event_id=garbage');
    try {
      await waitFor(() => c.events.some((e) => e.type === 'reset'), 'reset');
      const reset = c.events.find((e) => e.type === 'reset')!;
      assert.ok(reset.lastEventId.length > 0);
      assert.equal(reset.lastEventId, c.events[0]!.data.cursor);
    } finally {
      c.close();
    }
  });
});

describe('reset for long cursors', () => {
  it('a malformed cursor longer than 200 characters in ?last_event_id= gets reset, not a 400 that stops EventSource', async () => {
    const s = await openEvents(server.url, bob.token, { query: 'x'.repeat(300) });
    await s.waitFor((ev) => ev.length >= 2, 'ready and reset');
    assert.equal(s.events[1]!.event, 'reset');
    s.close();
  });

  it('a malformed cursor longer than 200 characters in the Last-Event-ID header gets reset', async () => {
    const s = await openEvents(server.url, bob.token, { lastEventId: 'x'.repeat(300) });
    await s.waitFor((ev) => ev.length >= 2, 'ready and reset');
    assert.equal(s.events[1]!.event, 'reset');
    s.close();
  });
});

describe('eventsource@4 reconnect', () => {
  it('a dropped connection reconnects with Last-Event-ID and gets what it missed exactly once', async () => {
    const r = await room(alice, 'private', [bob]);
    const c = eventSource(server.url, bob.token);
    try {
      await waitFor(() => c.opens === 1 && c.events.some((e) => e.type === 'ready'), 'open');
      await post(alice, r, 'one');
      await waitFor(() => esTexts(c, r).includes('one'), 'one');
      // Stop bob's stream from the server side by restarting the server (SIGTERM): the client reconnects.
      await server.stop();
      await server.restart();
      for (const t of ['two', 'three']) await post(alice, r, t);
      await waitFor(() => esTexts(c, r).includes('three'), 'three after reconnect', 15_000);
      await post(alice, r, 'four');
      await waitFor(() => esTexts(c, r).includes('four'), 'four');
      assertExactlyOnce(esTexts(c, r), ['one', 'two', 'three', 'four'], 'eventsource');
      assert.ok(c.opens >= 2, 'it reconnected');
      assert.ok(c.requests.slice(1).every((id) => id.length > 0), `reconnects carry Last-Event-ID: ${JSON.stringify(c.requests)}`);
      assert.equal(c.events.filter((e) => e.type === 'reset').length, 0);
    } finally {
      c.close();
    }
  });
});

describe('a stream that drops before its first stored event', () => {
  it('still resumes: the id-only block after ready gives the client a Last-Event-ID, so nothing in between is missed', async () => {
    const r = await room(alice, 'private', [bob]);
    const first = await openEvents(server.url, bob.token);
    const ready = readyOf(first);
    // The id-only block follows `ready`: wait for it (a signal), then it must be the ready cursor.
    await waitFor(() => first.lastEventId !== '', 'the id-only block after ready');
    assert.equal(first.lastEventId, ready.cursor, 'the parser (like a browser) took the ready cursor as its last event id');
    await closeStream(first);
    await post(alice, r, 'while away');
    const again = await openEvents(server.url, bob.token, { lastEventId: first.lastEventId });
    await waitText(again, r, 'while away');
    assert.deepEqual(texts(again, r), ['while away']);
    again.close();
  });
});
