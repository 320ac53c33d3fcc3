/**
 * The event stream, replay memory: clients that resume with a large backlog and
 * then never read are closed as slow at the replay stall deadline
 * (NATTER_REPLAY_STALL_MS), and the server's memory (its RSS, read from
 * /proc/<pid>/status) comes back once their sockets closed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { cursorNow, newUser, post, room } from '../helpers/api.ts';
import { metric } from '../helpers/metrics.ts';
import { useServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const MB = 1024 * 1024;
/** How far above the baseline RSS may stay after close (seen: 2–19 MB; the old code: +89 MB, streams never closed). */
const SLACK = 40 * MB;
const BACKLOG = 1500;
const CLIENTS = 10;

/** A message of 4000 code points, ~16 KB of UTF-8. */
const big = (i: number): string => `${i} ${'😀'.repeat(3990)}`;

/** The process's resident set size in bytes (VmRSS). */
function rss(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  assert.ok(kb, 'VmRSS in /proc/<pid>/status');
  return Number(kb) * 1024;
}

/** GET /api/v1/events resuming at `cursor`, on a socket that is never read (paused before the first byte). */
function stalledStream(base: string, token: string, cursor: string): { socket: Socket; closed: Promise<void> } {
  const u = new URL(base);
  const socket = connect(Number(u.port), u.hostname);
  socket.pause();
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.write(`GET /api/v1/events HTTP/1.1\r\nhost: ${u.host}\r\naccept: text/event-stream\r\n` +
    `authorization: Bearer ${token}\r\nlast-event-id: ${cursor}\r\n\r\n`);
  return { socket, closed };
}

describe('replays whose clients stop reading', () => {
  const server = useServer({ NATTER_HEARTBEAT_MS: '60000', NATTER_REPLAY_STALL_MS: '1000', NATTER_STREAMS_PER_USER: '0' }, { failIfDied: true });

  it(`${CLIENTS} stalled replays of a ${BACKLOG}-message backlog are closed as slow, and the server's RSS returns`, async () => {
    const poster = await newUser(server.url, 'mp');
    const reader = await newUser(server.url, 'mr');
    const r = await room(poster, 'private', [reader]);
    const cursor = await cursorNow(reader);
    for (let i = 0; i < BACKLOG; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => post(poster, r, big(i + j))));
    const slow0 = await metric(server.url, 'natter_stream_closes_total', { reason: 'slow' });
    const open0 = await metric(server.url, 'natter_streams_open');
    const baseline = rss(server.pid);

    const streams = Array.from({ length: CLIENTS }, () => stalledStream(server.url, reader.token, cursor));
    let during = baseline;
    const sample = (): number => (during = Math.max(during, rss(server.pid)));
    await waitFor(async () => (sample(), (await metric(server.url, 'natter_streams_open')) === open0 + CLIENTS), 'every stream open');
    // The server closes them at the stall deadline; the clients see their sockets close.
    await waitFor(async () => (sample(), (await metric(server.url, 'natter_stream_closes_total', { reason: 'slow' })) === slow0 + CLIENTS),
      `the ${CLIENTS} stalled replays closed as slow`, 30_000).catch((err: Error) => assert.fail(`${err.message} (RSS ${(baseline / MB).toFixed(1)} MB before, ${(during / MB).toFixed(1)} MB while open)`));
    for (const s of streams) s.socket.resume(); // read to the end, so the close is seen
    await Promise.all(streams.map((s) => s.closed));
    assert.equal(await metric(server.url, 'natter_streams_open'), open0);

    // What the replays held is released: RSS comes back within SLACK of before (it may take a GC or two). The old code
    // held +89 MB here and never closed; freed memory is not always handed back to the OS at once, hence the slack.
    let after = rss(server.pid);
    await waitFor(async () => {
      await metric(server.url, 'natter_streams_open'); // a little traffic, so the server allocates and collects
      after = rss(server.pid);
      return after <= baseline + SLACK;
    }, 'RSS back near the baseline', 15_000).catch(() => undefined);
    const report = `RSS baseline ${(baseline / MB).toFixed(1)} MB, during ${(during / MB).toFixed(1)} MB, after close ${(after / MB).toFixed(1)} MB`;
    console.log(report);
    assert.ok(after <= baseline + SLACK, report);
  });
});
