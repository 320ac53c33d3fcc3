/**
 * The event stream, limits: heartbeat, the per-stream unsent-bytes budget (a
 * client that does not read is disconnected, others are not disturbed, and it
 * resumes exactly once), and the per-user / per-IP stream caps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newUser, post, room, type TestUser } from '../helpers/api.ts';
import { esTexts, eventSource } from '../helpers/eventsource.ts';
import { metric } from '../helpers/metrics.ts';
import { startServer, stopServer, useServer } from '../helpers/server.ts';
import { assertExactlyOnce, closeStream, openEvents, texts, waitText, type RawStream } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';

/** A message of 4000 code points, ~16 KB of UTF-8: 4-byte emoji are sent raw, not escaped. */
const big = (i: number): string => `${i} ${'😀'.repeat(3990)}`;

/** Fetch /api/v1/events and expect a JSON error instead of a stream. */
async function refused(base: string, token: string): Promise<Response> {
  const ac = new AbortController();
  const r = await fetch(`${base}/api/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
  if (r.status === 200) ac.abort();
  return r;
}

async function assert429(base: string, token: string, what: string): Promise<void> {
  const r = await refused(base, token);
  assert.equal(r.status, 429, `${what}: 429 beyond the cap`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `${what}: JSON, not a stream`);
  assert.match(r.headers.get('retry-after') ?? '', /^\d+$/, `${what}: Retry-After`);
  const body = await r.json();
  assert.equal(body.error.code, 'rate_limited', what);
  assert.equal(typeof body.error.message, 'string');
}

describe('heartbeat', () => {
  const server = useServer({ NATTER_HEARTBEAT_MS: '200' }, { failIfDied: true });

  /** Arrival times of the stream's chunks that hold a ping, and of the others. */
  const timeline = (s: RawStream) => {
    const pings: number[] = [];
    const other: number[] = [Date.now()];
    s.socket.on('data', (b: Buffer) => (b.includes(': ping') ? pings : other).push(Date.now()));
    return { pings, other };
  };

  it('sends the comment ": ping" after NATTER_HEARTBEAT_MS of silence, and no event for it', async () => {
    const u = await newUser(server.url);
    const s = await openEvents(server.url, u.token);
    const t = timeline(s);
    await s.waitFor(() => s.comments.includes('ping'), 'a ping');
    assert.ok(s.raw().includes('\n: ping\n\n') || s.raw().includes('\n:ping\n\n'), 'a comment line and a blank line');
    assert.ok(t.pings[0]! - t.other[0]! >= 150, `not before the interval: ${t.pings[0]! - t.other[0]!} ms after ready`);
    await waitFor(() => s.comments.filter((c) => c === 'ping').length >= 3, 'pings keep coming while idle');
    assert.deepEqual([...new Set(s.events.map((e) => e.event))], ['ready'], 'pings dispatch no event');
    s.close();
  });

  it('the timer resets on every write: no ping while events keep flowing', async () => {
    const u = await newUser(server.url);
    const r = await room(u, 'private');
    const s = await openEvents(server.url, u.token);
    await s.waitFor(() => s.comments.includes('ping'), 'a first ping');
    await post(u, r, 'first of the burst');
    await waitText(s, r, 'first of the burst');
    const pingsBefore = s.comments.length;
    const start = Date.now();
    let i = 0;
    while (Date.now() - start < 800) {
      await post(u, r, `burst ${i++}`);
    }
    await waitText(s, r, `burst ${i - 1}`);
    assert.equal(s.comments.length, pingsBefore, `no ping during a ${Date.now() - start} ms burst of ${i} events`);
    await s.waitFor(() => s.comments.length > pingsBefore, 'a ping after the burst');
    s.close();
  });

  it('an eventsource@4 client ignores pings and stays on one connection', async () => {
    const u = await newUser(server.url);
    const r = await room(u, 'private');
    const c = eventSource(server.url, u.token);
    try {
      await waitFor(() => c.events.some((e) => e.type === 'ready'), 'ready');
      const s = await openEvents(server.url, u.token);
      await s.waitFor(() => s.comments.length >= 3, 'three pings on a parallel raw stream');
      await post(u, r, 'after pings');
      await waitFor(() => esTexts(c, r).includes('after pings'), 'message');
      assert.equal(c.opens, 1);
      assert.deepEqual(c.events.map((e) => e.type), ['ready', 'message']);
      s.close();
    } finally {
      c.close();
    }
  });
});

describe('a client that does not read', () => {
  const server = useServer({ NATTER_HEARTBEAT_MS: '60000', NATTER_STREAM_BUFFER: '65536' }, { failIfDied: true });

  it('is disconnected as slow while other clients get everything; it then resumes with its cursor and gets the rest exactly once', async () => {
    const poster = await newUser(server.url, 'po');
    const slow = await newUser(server.url, 'sl');
    const fast = await newUser(server.url, 'fa');
    const r = await room(poster, 'private', [slow, fast]);
    const slowClosesBefore = await metric(server.url, 'natter_stream_closes_total', { reason: 'slow' });
    const s = await openEvents(server.url, slow.token);
    const f = await openEvents(server.url, fast.token);
    const c = eventSource(server.url, fast.token);
    await waitFor(() => c.events.some((e) => e.type === 'ready'), 'eventsource ready');
    s.pause();
    const all: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const text = big(i);
      all.push(text);
      await post(poster, r, text);
      if (i % 25 === 24 && (await metric(server.url, 'natter_stream_closes_total', { reason: 'slow' })) > slowClosesBefore) break;
    }
    assert.ok(await metric(server.url, 'natter_stream_closes_total', { reason: 'slow' }) > slowClosesBefore, `the slow stream was closed after ${all.length} messages`);
    // The others got everything, in order, once.
    await waitText(f, r, all.at(-1)!, 30_000);
    assertExactlyOnce(texts(f, r), all, 'fast raw reader');
    await waitFor(() => esTexts(c, r).length === all.length, 'eventsource got all', 30_000);
    assertExactlyOnce(esTexts(c, r), all, 'eventsource');
    assert.equal(f.closed, false, 'the fast reader is still connected');
    assert.equal(c.opens, 1, 'the eventsource client was never disconnected');
    // The slow one reads what reached it, sees the end of the stream, and resumes.
    s.resume();
    await waitFor(() => s.closed, 'the slow stream ends');
    const got = texts(s, r);
    assert.ok(got.length < all.length, 'it had not received everything');
    const again = await openEvents(server.url, slow.token, { lastEventId: s.lastEventId });
    await waitFor(() => texts(again, r).includes(all.at(-1)!) || again.closed, 'the rest, or the stream closing', 30_000);
    assert.equal(again.closed, false, `the resumed stream was closed after ${texts(again, r).length} of the ${all.length - got.length} it had missed`);
    assertExactlyOnce([...got, ...texts(again, r)], all, 'slow reader before + after resume');
    again.close();
    f.close();
    c.close();
  });

  it('a resume whose backlog is larger than the budget is delivered whole, exactly once (replay waits for the client)', async () => {
    const poster = await newUser(server.url, 'pb');
    const reader = await newUser(server.url, 'rb');
    const r = await room(poster, 'private', [reader]);
    const first = await openEvents(server.url, reader.token);
    await post(poster, r, 'seen');
    await waitText(first, r, 'seen');
    const cursor = first.lastEventId;
    await closeStream(first);
    // 40 messages of ~16 KB: ~640 KB to replay against a 64 KiB budget.
    const missed = Array.from({ length: 40 }, (_, i) => big(i));
    for (const t of missed) await post(poster, r, t);
    const s = await openEvents(server.url, reader.token, { lastEventId: cursor });
    await waitFor(() => texts(s, r).length === missed.length || s.closed, 'the backlog, or the stream closing', 30_000);
    assert.equal(s.closed, false, `the resumed stream was closed after ${texts(s, r).length} of ${missed.length} replayed messages`);
    assertExactlyOnce(texts(s, r), missed, 'replayed backlog');
    s.close();
  });
});

describe('a stream closed as slow while it goes live', () => {
  // Budget 9 MiB: one replay page of 500 × 16 KB (8 MB) fits, but more than 9 MiB queued during the replay does not.
  const server = useServer({ NATTER_HEARTBEAT_MS: '60000', NATTER_STREAM_BUFFER: String(9 * 1024 * 1024), NATTER_PRESENCE_GRACE_MS: '200' }, { failIfDied: true });

  it('is really closed: its user goes offline, and the open-streams gauge counts it out', async () => {
    const poster = await newUser(server.url, 'gp');
    const subject = await newUser(server.url, 'gs');
    const watcher = await newUser(server.url, 'gw');
    const r = await room(poster, 'private', [subject, watcher]);
    const w = await openEvents(server.url, watcher.token);
    const cursor = (await subject.api.get('/api/v1/rooms')).body.cursor;
    // One full replay page (8 MB): more than the kernel takes while the client does not read, so the replay waits.
    for (let i = 0; i < 500; i++) await post(poster, r, big(i));
    const open0 = await metric(server.url, 'natter_streams_open');
    const s = await openEvents(server.url, subject.token, { lastEventId: cursor });
    s.pause();
    // While it waits, more than the budget is committed: it queues for the switch to live.
    for (let i = 500; i < 1150; i++) await post(poster, r, big(i));
    s.resume();
    await waitFor(() => s.closed || texts(s, r).length === 1150, 'closed as slow, or everything delivered', 60_000);
    if (!s.closed) {
      s.close(); // delivered everything: no bug to see here
      return;
    }
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === open0, 'gauge back to before the stream', 5000)
      .catch(async () => assert.fail(`natter_streams_open is ${await metric(server.url, 'natter_streams_open')}, expected ${open0}; watcher closed: ${w.closed}; slow closes: ${await metric(server.url, 'natter_stream_closes_total', { reason: 'slow' })}`));
    // The user has no stream left: after the 200 ms grace they are offline, for the watcher and in the member list.
    await waitFor(async () => {
      const m = await watcher.api.get(`/api/v1/rooms/${r}/members`);
      return m.body.members.find((x: any) => x.user.id === subject.id).online === false;
    }, 'the subject shown offline in the member list', 5000);
    w.close();
  });
});

describe('caps', () => {
  const server = useServer({ NATTER_HEARTBEAT_MS: '60000', NATTER_STREAMS_PER_USER: '2', NATTER_STREAMS_PER_IP: '3' }, { failIfDied: true });

  it('beyond NATTER_STREAMS_PER_USER: 429 JSON with Retry-After, not a stream; a closed stream frees its slot', async () => {
    const u = await newUser(server.url, 'cu');
    const capBefore = await metric(server.url, 'natter_stream_closes_total', { reason: 'cap' });
    const a = await openEvents(server.url, u.token);
    const b = await openEvents(server.url, u.token);
    await assert429(server.url, u.token, 'third stream of a user');
    assert.equal(await metric(server.url, 'natter_stream_closes_total', { reason: 'cap' }), capBefore + 1, 'counted as reason="cap"');
    // The open streams are not disturbed.
    const r = await room(u, 'private');
    await post(u, r, 'still here');
    await waitText(a, r, 'still here');
    await waitText(b, r, 'still here');
    await closeStream(a);
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === 1, 'the server saw the close');
    const c = await openEvents(server.url, u.token);
    c.close();
    b.close();
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === 0, 'all closed');
  });

  it('beyond NATTER_STREAMS_PER_IP: 429 JSON for any user from that address', async () => {
    const users: TestUser[] = [];
    for (let i = 0; i < 4; i++) users.push(await newUser(server.url, `ci${i}`));
    const open = [await openEvents(server.url, users[0]!.token), await openEvents(server.url, users[1]!.token), await openEvents(server.url, users[2]!.token)];
    await assert429(server.url, users[3]!.token, 'fourth stream from one address');
    open[0]!.close();
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === 2, 'the server saw the close');
    const s = await openEvents(server.url, users[3]!.token);
    for (const x of [...open, s]) x.close();
    await waitFor(async () => (await metric(server.url, 'natter_streams_open')) === 0, 'all closed');
  });

  it('a browser EventSource refused with 429 stops instead of retrying', async () => {
    const u = await newUser(server.url, 'ce');
    const a = await openEvents(server.url, u.token);
    const b = await openEvents(server.url, u.token);
    const c = eventSource(server.url, u.token);
    try {
      await waitFor(() => c.es.readyState === c.es.CLOSED, 'eventsource closed');
      assert.equal(c.requests.length, 1);
      assert.equal(c.opens, 0);
    } finally {
      c.close();
      a.close();
      b.close();
    }
  });

  it('0 disables the caps', async () => {
    const other = await startServer({ NATTER_STREAMS_PER_USER: '0', NATTER_STREAMS_PER_IP: '0' });
    try {
      const u = await newUser(other.url);
      const streams = [];
      for (let i = 0; i < 12; i++) streams.push(await openEvents(other.url, u.token));
      for (const s of streams) s.close();
    } finally {
      await stopServer(other);
    }
  });
});
