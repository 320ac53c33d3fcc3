/**
 * The client library's live events (packages/client live.ts) against a real server: resume from the last id,
 * `reset` on a cursor the server cannot serve, waiting out a 429 (Retry-After) before reconnecting, and every
 * stored event delivered exactly once, in order, across a server restart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveEvents, NatterClient, type LiveState } from '@natter/client';
import { newUser, post, type TestUser } from '../helpers/api.ts';
import { openEvents } from '../helpers/sse.ts';
import { useServer } from '../helpers/server.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

interface Seen { ids: string[]; texts: string[]; states: LiveState[]; resets: string[]; live: LiveEvents }

/** A LiveEvents for `u` that records the messages of `room` it delivers. */
function follow(base: string, u: TestUser, room: string, lastEventId: string | null = null): Seen {
  const seen: Seen = { ids: [], texts: [], states: [], resets: [], live: undefined as unknown as LiveEvents };
  seen.live = new LiveEvents(new NatterClient({ baseUrl: base, token: u.token }), {
    event(type, data, id) {
      if (type === 'message' && data.message.room === room) {
        seen.ids.push(id!);
        seen.texts.push(data.message.text);
      }
    },
    reset: (reason) => void seen.resets.push(reason),
    state: (s) => void seen.states.push(s),
  }, { lastEventId });
  void seen.live.run();
  return seen;
}

describe('client library: live events', () => {
  const server = useServer({ NATTER_RETRY_MS: '100', NATTER_STREAMS_PER_USER: '1' });

  it('resumes from the last id: the missed events, then live, none twice', async () => {
    const u = await newUser(server.url, 'cl');
    const a = follow(server.url, u, 'general');
    await waitFor(() => a.states.includes('live'), 'live');
    const first = await post(u, 'general', uniq('one'));
    await waitFor(() => a.texts.includes(first.text), 'the first message');
    a.live.stop();
    await waitFor(() => a.states.includes('stopped'), 'stopped');
    const missed = [await post(u, 'general', uniq('missed 1')), await post(u, 'general', uniq('missed 2'))];
    const b = follow(server.url, u, 'general', a.live.lastEventId);
    await waitFor(() => b.texts.length >= 2, 'the missed ones');
    const after = await post(u, 'general', uniq('after'));
    await waitFor(() => b.texts.includes(after.text), 'live after');
    assert.deepEqual(b.texts, [...missed.map((m) => m.text), after.text]);
    b.live.stop();
  });

  it('a cursor the server cannot serve: reset, then live from now', async () => {
    const u = await newUser(server.url, 'cr');
    const s = follow(server.url, u, 'general', '99999999-nosuchlog');
    await waitFor(() => s.resets.length === 1, 'reset');
    assert.equal(s.resets[0], 'cursor unknown');
    const m = await post(u, 'general', uniq('after reset'));
    await waitFor(() => s.texts.includes(m.text), 'live after the reset');
    s.live.stop();
  });

  it("429 (over the user's stream cap): waits Retry-After, then connects", async () => {
    const u = await newUser(server.url, 'cq');
    const holder = await openEvents(server.url, u.token);
    const s = follow(server.url, u, 'general');
    await waitFor(() => s.states.includes('waiting'), 'refused and waiting');
    const refusedAt = Date.now();
    holder.close();
    await waitFor(() => s.states.includes('live'), 'live once the slot is free', 15_000);
    assert.ok(Date.now() - refusedAt >= 4000, `reconnected after ${Date.now() - refusedAt} ms: Retry-After is 5 s`);
    s.live.stop();
  });

  it('exactly once, in order, across a server restart', async () => {
    const u = await newUser(server.url, 'cx');
    const s = follow(server.url, u, 'general');
    await waitFor(() => s.states.includes('live'), 'live');
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push((await post(u, 'general', uniq(`before ${i}`))).text);
    await waitFor(() => s.texts.length === 5, 'five before the restart');
    await server.stop();
    await server.restart();
    for (let i = 0; i < 5; i++) sent.push((await post(u, 'general', uniq(`after ${i}`))).text);
    await waitFor(() => s.texts.length >= 10, 'ten in all', 20_000);
    assert.deepEqual(s.texts, sent);
    assert.equal(new Set(s.ids).size, s.ids.length);
    s.live.stop();
  });
});
