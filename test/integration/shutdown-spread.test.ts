/**
 * Gentle reconnects (issue 16 item 4): a node stopping with SIGTERM closes its streams spread over
 * NATTER_SHUTDOWN_SPREAD_MS instead of all in one millisecond, and still exits 0.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { newUser } from '../helpers/api.ts';
import { startServer } from '../helpers/server.ts';
import { openEvents } from '../helpers/sse.ts';

describe('shutdown spreads the closing of streams', () => {
  it('40 streams close over the spread window, and the process exits 0', async () => {
    const server = await startServer({ NATTER_SHUTDOWN_SPREAD_MS: '1000', NATTER_STREAMS_PER_USER: '0' });
    const u = await newUser(server.url);
    const streams = await Promise.all(Array.from({ length: 40 }, () => openEvents(server.url, u.token)));
    const closedAt: number[] = [];
    for (const s of streams) s.socket.once('close', () => closedAt.push(Date.now()));
    const code = await server.stop();
    assert.equal(code, 0);
    assert.equal(closedAt.length, 40, 'every stream closed');
    const spread = Math.max(...closedAt) - Math.min(...closedAt);
    assert.ok(spread >= 600, `closed over ${spread} ms (not all at once)`);
    assert.ok(spread <= 3000, `closed over ${spread} ms (within the window, give or take)`);
  });

  it('a stream request during the spread gets 200 and a retry hint, not a 503 (EventSource would give up)', async () => {
    const server = await startServer({ NATTER_SHUTDOWN_SPREAD_MS: '3000', NATTER_STREAMS_PER_USER: '0', NATTER_RETRY_MS: '2000' });
    const u = await newUser(server.url);
    const streams = await Promise.all(Array.from({ length: 20 }, () => openEvents(server.url, u.token)));
    const firstClosed = new Promise<void>((resolve) => { for (const s of streams) s.socket.once('close', () => resolve()); });
    const stopped = server.stop();
    await firstClosed; // the spread has begun; the node still listens
    const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      http.get(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${u.token}`, accept: 'text/event-stream' }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
      }).on('error', reject);
    });
    assert.equal(answer.status, 200);
    assert.match(answer.type, /^text\/event-stream/);
    const retry = Number(/^retry: (\d+)\n\n$/.exec(answer.body)?.[1]);
    assert.ok(retry >= 1000 && retry <= 3000, `a jittered retry hint and nothing else: ${JSON.stringify(answer.body)}`);
    const other = await fetch(`${server.url}/api/v1/rooms`, { headers: { authorization: `Bearer ${u.token}` } }).catch(() => null);
    if (other) assert.equal(other.status, 503, 'other requests are still refused');
    assert.equal(await stopped, 0);
  });
});
