/**
 * Gentle reconnects (issue 16 item 4): a node stopping with SIGTERM closes its streams spread over
 * NATTER_SHUTDOWN_SPREAD_MS instead of all in one millisecond, and still exits 0.
 */
import assert from 'node:assert/strict';
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
});
