/**
 * Stream ids and page visibility (API v1.1 §4) on one real server: `ready` carries a `stream_id`, new on every
 * connection; POST /events/visibility is 204 for your own open stream and 404 for someone else's, an unknown
 * one, or one that closed; a stream may open hidden with `?visible=0`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { openEvents, readyOf } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';

describe('stream ids and page visibility', () => {
  const server = useServer();

  it('ready carries a stream_id, new per connection; only its owner may report its visibility, while it is open', async () => {
    const alice = await newUser(server.url, 'va');
    const bob = await newUser(server.url, 'vb');
    const s1 = await openEvents(server.url, alice.token);
    const s2 = await openEvents(server.url, alice.token);
    const id1 = readyOf(s1).stream_id;
    const id2 = readyOf(s2).stream_id;
    assert.match(id1, /^[A-Za-z0-9_-]{16}$/);
    assert.notEqual(id1, id2);
    const post = (u: typeof alice, body: unknown) => u.api.post('/api/v1/events/visibility', body);
    assert.equal((await post(alice, { stream_id: id1, visible: false })).status, 204);
    assert.equal((await post(alice, { stream_id: id1, visible: true })).status, 204);
    assertError(await post(bob, { stream_id: id1, visible: false }), 404, 'not_found');
    assertError(await post(alice, { stream_id: 'no-such-stream', visible: false }), 404, 'not_found');
    assertError(await post(alice, { stream_id: id1 }), 400, 'invalid_request');
    assertError(await post(alice, { stream_id: id1, visible: 'no' }), 400, 'invalid_request');
    s1.close();
    await waitFor(async () => (await post(alice, { stream_id: id1, visible: true })).status === 404, 'a closed stream is not found');
    assert.equal((await post(alice, { stream_id: id2, visible: false })).status, 204, 'the other stream is still open');
    s2.close();
  });

  it('a stream opened with ?visible=0 opens normally (hidden) and can become visible', async () => {
    const u = await newUser(server.url, 'vc');
    const res = await fetch(`${server.url}/api/v1/events?visible=0`, { headers: { authorization: `Bearer ${u.token}` } });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: ready')) text += new TextDecoder().decode((await reader.read()).value);
    const id = JSON.parse(/event: ready\ndata: (.*)\n/.exec(text)![1]!).stream_id;
    assert.equal((await u.api.post('/api/v1/events/visibility', { stream_id: id, visible: true })).status, 204);
    await reader.cancel();
  });
});
