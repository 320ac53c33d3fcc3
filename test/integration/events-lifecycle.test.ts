/**
 * The event stream, lifecycle: logout ends that session's streams, resume across
 * a `kill -9` and restart, SIGTERM ends streams cleanly and exits 0, and the
 * stream metrics move as they should.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Api, newUser, PASSWORD, post, room, type TestUser } from '../helpers/api.ts';
import { esTexts, eventSource } from '../helpers/eventsource.ts';
import { metric } from '../helpers/metrics.ts';
import { startServer, stopServer, useServer } from '../helpers/server.ts';
import { assertExactlyOnce, closeStream, dataOf, marker, openEvents, openRaw, texts, waitText, type RawStream } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';

/** Whether the socket ended cleanly (FIN) rather than by error or reset. */
function endedCleanly(s: RawStream): () => boolean {
  let clean = false;
  s.socket.on('end', () => (clean = true));
  return () => clean;
}

describe('logout', () => {
  const server = useServer({ NATTER_HEARTBEAT_MS: '60000' }, { failIfDied: true });

  it('ends every open stream of that session within a second; the same user\'s other sessions keep theirs', async () => {
    const u = await newUser(server.url, 'lo');
    const login = await new Api(server.url).post('/api/v1/auth/login', { username: u.name, password: PASSWORD });
    assert.equal(login.status, 200);
    const other = new Api(server.url, login.body.token);
    const r = await room(u, 'private');
    const logoutsBefore = await metric(server.url, 'natter_stream_closes_total', { reason: 'logout' });
    const a1 = await openEvents(server.url, u.token);
    const a2 = await openEvents(server.url, u.token);
    const b = await openEvents(server.url, login.body.token);
    const clean = endedCleanly(a1);
    assert.equal((await u.api.post('/api/v1/auth/logout')).status, 204);
    await waitFor(() => a1.closed && a2.closed, 'both streams of the session closed', 1000);
    assert.ok(clean(), 'ended cleanly, not reset');
    assert.equal(b.closed, false);
    const m = await other.post(`/api/v1/rooms/${r}/messages`, { text: 'other session still live' });
    assert.equal(m.status, 201);
    await waitText(b, r, 'other session still live');
    assert.equal(await metric(server.url, 'natter_stream_closes_total', { reason: 'logout' }), logoutsBefore + 2, 'closes counted as reason="logout"');
    const again = await fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${u.token}` } });
    assert.equal(again.status, 401, 'the logged-out token cannot open a new stream');
    b.close();
  });

  it('a cookie session\'s stream ends on logout by cookie', async () => {
    const u = await newUser(server.url, 'lc');
    const s = await openRaw(server.url, '/api/v1/events', { cookie: `natter_session=${u.token}` });
    await s.waitFor((ev) => ev.some((e) => e.event === 'ready'), 'ready');
    const r = await fetch(`${server.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: `natter_session=${u.token}`, 'x-requested-with': 'natter' } });
    assert.equal(r.status, 204);
    await waitFor(() => s.closed, 'stream closed', 1000);
  });

  it('a stream still replaying when its session logs out is ended too', async () => {
    const u = await newUser(server.url, 'lr');
    const r = await room(u, 'private');
    const cursor = (await u.api.get('/api/v1/rooms')).body.cursor;
    for (let i = 0; i < 200; i++) await post(u, r, `backlog ${i}`);
    // The open may lose the race with the logout (401): that is an answer too. The handler is attached at once so
    // a rejection during the logout request is not an unhandled one.
    const opening = openEvents(server.url, u.token, { lastEventId: cursor }).catch(() => null);
    assert.equal((await u.api.post('/api/v1/auth/logout')).status, 204);
    const s = await opening;
    if (s) await waitFor(() => s.closed, 'stream closed', 1000);
  });
});

describe('logout racing stream opens', () => {
  const server = useServer({ NATTER_HEARTBEAT_MS: '60000' }, { failIfDied: true });

  it('no stream of a session survives its logout, even one whose request was in flight at the time', async () => {
    for (let round = 0; round < 5; round++) {
      const u = await newUser(server.url, 'lx');
      const opening = Array.from({ length: 6 }, () => openRaw(server.url, '/api/v1/events', { authorization: `Bearer ${u.token}` }).catch(() => null));
      const out = await u.api.post('/api/v1/auth/logout');
      assert.equal(out.status, 204);
      const streams = (await Promise.all(opening)).filter((s): s is RawStream => s !== null && s.status === 200);
      for (const [i, s] of streams.entries()) {
        await waitFor(() => s.closed, `round ${round}: stream ${i} of ${streams.length} (opened around the logout) closed`, 1000);
      }
    }
  });
});

describe('kill -9 and restart', () => {
  const server = useServer({ NATTER_HEARTBEAT_MS: '60000', NATTER_RETRY_MS: '50' }, { failIfDied: true });
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    alice = await newUser(server.url, 'ka');
    bob = await newUser(server.url, 'kb');
  });

  it('a stream resumes after the server process is killed (SIGKILL) and restarted: every event exactly once, then live', async () => {
    const r = await room(alice, 'private', [bob]);
    const s = await openEvents(server.url, bob.token);
    const c = eventSource(server.url, bob.token);
    await waitFor(() => c.events.some((e) => e.type === 'ready'), 'eventsource ready');
    for (const t of ['one', 'two', 'three']) await post(alice, r, t);
    await waitText(s, r, 'three');
    s.pause(); // what it has not read yet is lost with the connection
    const cursor = s.lastEventId;
    // Committed just before the kill: acknowledged, so they must survive it.
    await post(alice, r, 'four');
    await post(alice, r, 'five');
    await server.kill();
    await server.restart();
    await post(alice, r, 'six');
    const again = await openEvents(server.url, bob.token, { lastEventId: cursor });
    await post(alice, r, 'seven');
    await marker(alice, r, [again]);
    assert.equal(dataOf(again.events, 'reset').length, 0, 'the old cursor is still good after a restart');
    assertExactlyOnce(texts(again, r).slice(0, -1), ['four', 'five', 'six', 'seven'], 'raw stream after kill -9');
    // The real client reconnected by itself with Last-Event-ID.
    await waitFor(() => esTexts(c, r).includes('seven'), 'eventsource got seven', 15_000);
    assertExactlyOnce(esTexts(c, r).filter((t) => !t.startsWith('marker')), ['one', 'two', 'three', 'four', 'five', 'six', 'seven'], 'eventsource across kill -9');
    assert.ok(c.opens >= 2);
    assert.equal(c.events.filter((e) => e.type === 'reset').length, 0);
    again.close();
    c.close();
  });

  it('posts in flight at the kill: every acknowledged one is replayed, none twice, and seq has no gap', async () => {
    const r = await room(alice, 'private', [bob]);
    const cursor = (await bob.api.get('/api/v1/rooms')).body.cursor;
    const live = await openEvents(server.url, bob.token);
    const acked: string[] = [];
    const inFlight = Array.from({ length: 40 }, (_, i) => alice.api.post(`/api/v1/rooms/${r}/messages`, { text: `f${i}` })
      .then((res) => { if (res.status === 201) acked.push(`f${i}`); }, () => undefined));
    await waitFor(() => acked.length >= 5, 'some posts acknowledged');
    await server.kill();
    const ackedAtKill = [...acked];
    await Promise.all(inFlight);
    await server.restart();
    const s = await openEvents(server.url, bob.token, { lastEventId: cursor });
    await marker(alice, r, [s]);
    const got = texts(s, r).slice(0, -1);
    const missing = ackedAtKill.filter((t) => !got.includes(t));
    assert.deepEqual(missing, [], 'every post acknowledged before the kill survives it');
    assert.equal(new Set(got).size, got.length, 'none twice');
    const seqs = dataOf(s.events, 'message', r).map((d) => d.message.seq);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'seq 1..n with no gap');
    // What the live stream saw before the kill is a prefix of what was stored.
    const liveGot = texts(live, r);
    assert.deepEqual(got.slice(0, liveGot.length), liveGot, 'nothing delivered live was lost');
    s.close();
  });

  it('a cursor from the GET /rooms snapshot before the kill is still served after it', async () => {
    const r = await room(alice, 'private', [bob]);
    const cursor = (await bob.api.get('/api/v1/rooms')).body.cursor;
    await post(alice, r, 'before kill');
    await server.kill();
    await server.restart();
    await post(alice, r, 'after restart');
    const s = await openEvents(server.url, bob.token, { query: cursor });
    await marker(alice, r, [s]);
    assert.deepEqual(texts(s, r).slice(0, -1), ['before kill', 'after restart']);
    s.close();
  });
});

describe('SIGTERM', () => {
  it('ends every stream cleanly (whole frames, then FIN) and the process exits 0; clients resume after a restart', async () => {
    const server = await startServer({ NATTER_HEARTBEAT_MS: '60000', NATTER_RETRY_MS: '50' });
    const base = server.url;
    const a = await newUser(base, 'ta');
    const b = await newUser(base, 'tb');
    const r = await room(a, 'private', [b]);
    const streams = [await openEvents(base, b.token), await openEvents(base, b.token), await openEvents(base, a.token)];
    const cleans = streams.map(endedCleanly);
    // One stream mid-replay when the signal comes.
    const cursor = (await b.api.get('/api/v1/rooms')).body.cursor;
    for (let i = 0; i < 50; i++) await post(a, r, `m${i}`);
    for (const s of streams) await waitText(s, r, 'm49');
    const c = eventSource(base, b.token);
    await waitFor(() => c.events.some((e) => e.type === 'ready'), 'eventsource ready');
    // The client needs an id to resume from: ready has none.
    await post(a, r, 'seen by eventsource');
    await waitFor(() => esTexts(c, r).includes('seen by eventsource'), 'eventsource got a stored event');
    for (const s of streams) await waitText(s, r, 'seen by eventsource');
    const t0 = Date.now();
    const code = await server.stop();
    const stopMs = Date.now() - t0;
    assert.equal(code, 0, `exit code 0 after SIGTERM:\n${server.output().slice(-2000)}`);
    for (const [i, s] of streams.entries()) {
      await waitFor(() => s.closed, `stream ${i} closed`);
      assert.ok(cleans[i]!(), `stream ${i} ended with FIN`);
      assert.ok(s.raw().endsWith('\n\n'), `stream ${i} ends on a frame boundary`);
    }
    await server.restart();
    try {
      await post(a, r, 'after restart');
      const again = await openEvents(base, b.token, { lastEventId: streams[0]!.lastEventId });
      await marker(a, r, [again]);
      assert.deepEqual(texts(again, r).slice(0, -1), ['after restart']);
      assert.ok(stopMs < 5000, `SIGTERM with only reading clients took ${stopMs} ms`);
      const fromOld = await openEvents(base, b.token, { lastEventId: cursor });
      await waitText(fromOld, r, 'after restart');
      assert.deepEqual(texts(fromOld, r).slice(49, 52), ['m49', 'seen by eventsource', 'after restart']);
      assert.equal(texts(fromOld, r).length, 53, 'm0..m49, seen by eventsource, after restart, the marker');
      await waitFor(() => esTexts(c, r).includes('after restart') || c.es.readyState === c.es.CLOSED, 'eventsource reconnected', 15_000).catch((e: Error) => { throw new Error(`${e.message}; readyState ${c.es.readyState}, opens ${c.opens}, requests ${JSON.stringify(c.requests)}, outcomes ${JSON.stringify(c.outcomes)}, events ${c.events.map((x) => x.type).join(',')}`); });
      assert.notEqual(c.es.readyState, c.es.CLOSED, `the eventsource client gave up; its requests ended: ${c.outcomes.join(', ')}`);
      assert.equal(esTexts(c, r).filter((t) => t === 'after restart').length, 1);
      again.close();
      fromOld.close();
    } finally {
      c.close();
      await waitFor(async () => (await metric(base, 'natter_streams_open')) === 0, 'every stream closed').catch(() => undefined);
      await stopServer(server);
    }
  });

  it('exits promptly when a client disconnects just before SIGTERM (seen: 70 s; racy, so four rounds)', async () => {
    for (let round = 0; round < 4; round++) {
      const server = await startServer({ NATTER_HEARTBEAT_MS: '200' });
      const base = server.url;
      const u = await newUser(base, 'tz');
      const r = await room(u, 'private');
      const c = eventSource(base, u.token);
      await waitFor(() => c.events.some((e) => e.type === 'ready'), 'ready');
      await post(u, r, 'x');
      await waitFor(() => esTexts(c, r).includes('x'), 'message');
      c.close();
      let exited = false;
      const t0 = Date.now();
      const stopping = server.stop().then((code) => ((exited = true), code));
      await waitFor(() => exited, 'the process exits', 10_000).catch(async () => {
        await server.kill();
        assert.fail(`round ${round}: no exit ${Date.now() - t0} ms after SIGTERM (killed it; left alone it exits after ~70 s)`);
      });
      assert.equal(await stopping, 0);
    }
  });

  it('exits 0 even when a client has stopped reading (in-flight writes cannot block shutdown forever)', async () => {
    const server = await startServer({ NATTER_HEARTBEAT_MS: '60000', NATTER_STREAM_BUFFER: String(64 * 1024 * 1024) });
    const base = server.url;
    const a = await newUser(base, 'tp');
    const b = await newUser(base, 'tq');
    const r = await room(a, 'private', [b]);
    const s = await openEvents(base, b.token);
    s.pause();
    const text = '😀'.repeat(4000);
    for (let i = 0; i < 500; i++) await post(a, r, text);
    let exited = false;
    const stopping = server.stop().then((code) => ((exited = true), code));
    try {
      await waitFor(() => exited, 'the process exits', 15_000);
      assert.equal(await stopping, 0);
    } finally {
      s.close();
      await stopping;
    }
  });
});

describe('metrics', () => {
  const server = useServer({ NATTER_HEARTBEAT_MS: '60000' }, { failIfDied: true });

  it('natter_streams_open follows streams opening and closing; client closes count as reason="client"', async () => {
    const u = await newUser(server.url, 'mo');
    const open0 = await metric(server.url, 'natter_streams_open');
    const client0 = await metric(server.url, 'natter_stream_closes_total', { reason: 'client' });
    const s1 = await openEvents(server.url, u.token);
    const s2 = await openEvents(server.url, u.token);
    assert.equal(await metric(server.url, 'natter_streams_open'), open0 + 2);
    await closeStream(s1);
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === open0 + 1, 'gauge down by one');
    assert.equal(await metric(server.url, 'natter_stream_closes_total', { reason: 'client' }), client0 + 1);
    await closeStream(s2);
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === open0, 'gauge back');
  });

  it('natter_events_delivered_total counts live deliveries per stream', async () => {
    const a = await newUser(server.url, 'md');
    const b = await newUser(server.url, 'me');
    const r = await room(a, 'private', [b]);
    const sa = await openEvents(server.url, a.token);
    const sb = await openEvents(server.url, b.token);
    const before = await metric(server.url, 'natter_events_delivered_total');
    await post(a, r, 'counted');
    await waitText(sa, r, 'counted');
    await waitText(sb, r, 'counted');
    const after = await metric(server.url, 'natter_events_delivered_total');
    assert.ok(after - before >= 2, `delivered grew by ${after - before}, expected at least 2 (one message to two streams)`);
    sa.close();
    sb.close();
  });

  it('natter_events_replayed_total counts the stored events a resume replayed', async () => {
    const a = await newUser(server.url, 'mr');
    const b = await newUser(server.url, 'ms');
    const r = await room(a, 'private', [b]);
    const cursor = (await b.api.get('/api/v1/rooms')).body.cursor;
    for (const t of ['x', 'y', 'z']) await post(a, r, t);
    const before = await metric(server.url, 'natter_events_replayed_total');
    const s = await openEvents(server.url, b.token, { lastEventId: cursor });
    await waitText(s, r, 'z');
    await waitFor(async () => (await metric(server.url, 'natter_events_replayed_total')) === before + 3, 'replayed + 3');
    const s2 = await openEvents(server.url, b.token);
    await marker(a, r, [s2]);
    assert.equal(await metric(server.url, 'natter_events_replayed_total'), before + 3, 'a stream without a cursor replays nothing');
    s.close();
    s2.close();
  });

  it('the metric names of API.md are exposed with help and type lines', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const expected: [string, string][] = [['natter_streams_open', 'gauge'], ['natter_events_delivered_total', 'counter'], ['natter_stream_closes_total', 'counter'], ['natter_events_replayed_total', 'counter']];
    for (const [name, type] of expected) {
      const stem = name.replace(/_total$/, '');
      assert.match(text, new RegExp(`# TYPE (${name}|${stem}) ${type}`), `${name} is a ${type}`);
    }
  });
});
