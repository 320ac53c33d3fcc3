/**
 * Outgoing webhooks in cluster mode (API v1.1 §6, issue 15): real node processes on one PostgreSQL database and
 * Redis, delivering to a local receiver on 127.0.0.1.
 * - Two nodes both delivering, events posted on both: each event once, in log order (one node at a time per hook).
 * - The delivering node SIGKILLed mid-backlog: the other node goes on from the stored cursor once the lease
 *   expires; nothing is skipped, and only the event that was in flight may arrive twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, newUser, post, room, type TestUser } from '../helpers/api.ts';
import { useNodeAThenB, useTwoNodes } from '../helpers/cluster.ts';
import { uniq } from '../helpers/wait.ts';
import { startReceiver, verifies, type Receiver } from '../helpers/webhook-receiver.ts';

const ENV = { NATTER_FETCH_ALLOW: '127.0.0.1', NATTER_HOOK_LEASE_MS: '2000', NATTER_HOOK_RETRY_MS: '100' };

let receiver: Receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());

async function outgoing(creator: TestUser, roomName: string): Promise<{ id: string; secret: string; path: string }> {
  const path = `/h/${uniq('c')}`;
  const r = await creator.api.post(`/api/v1/rooms/${roomName}/hooks`, { kind: 'outgoing', url: receiver.url + path, events: ['message'] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.hook.id, secret: r.body.hook.secret, path };
}

/** Message ids acknowledged on `path`, first occurrences, in arrival order. */
const delivered = (path: string): string[] => [...new Set(receiver.acked(path))].map((id) => receiver.all(path).find((d) => d.id === id)!.event.data.message.id);

describe('webhooks on two nodes: one delivery per event, in order', () => {
  const nodes = useTwoNodes(ENV);

  it('events posted on both nodes reach the receiver once each, in log order', async () => {
    const owner = await newUser(nodes.a.url, 'wa');
    const name = await room(owner, 'public');
    const hook = await outgoing(owner, name);
    const onB = { ...owner, api: new Api(nodes.b.url, owner.token) };
    const posted: string[] = [];
    for (let i = 0; i < 40; i++) posted.push((await post(i % 2 ? onB : owner, name, `both ${i}`)).id);
    await receiver.waitFor(() => delivered(hook.path).length === posted.length, 'every event delivered', 30_000);
    assert.deepEqual(delivered(hook.path), posted);
    assert.equal(receiver.all(hook.path).length, posted.length, 'no event sent twice while both nodes live');
    assert.ok(receiver.all(hook.path).every((d) => verifies(d, hook.secret)));
  });
});

describe('webhooks: the delivering node killed mid-backlog', () => {
  const nodes = useNodeAThenB(ENV);

  it('the other node continues from the stored cursor: nothing skipped, only the event in flight twice', async () => {
    const owner = await newUser(nodes.a.url, 'wk');
    const name = await room(owner, 'public');
    const hook = await outgoing(owner, name);
    // A slow receiver, so the backlog takes seconds and node A is mid-way when it dies.
    receiver.answer(async (d) => {
      if (d.path === hook.path) await new Promise((r) => setTimeout(r, 25));
      return 200;
    });
    const posted: string[] = [];
    for (let i = 0; i < 150; i++) posted.push((await post(owner, name, `kill ${i}`)).id);
    await nodes.startB(); // A holds the lease: B waits
    await receiver.waitFor(() => delivered(hook.path).length >= 20, 'node A delivering');
    assert.ok(delivered(hook.path).length < posted.length, 'A is mid-backlog');
    const beforeKill = receiver.all(hook.path).length;
    await nodes.a.kill();
    await receiver.waitFor(() => delivered(hook.path).length === posted.length, 'node B delivered the rest', 30_000);
    receiver.answer(() => 200);
    assert.deepEqual(delivered(hook.path), posted, 'every event, in log order');
    const all = receiver.all(hook.path).map((d) => d.id);
    const twice = all.filter((id, i) => all.indexOf(id) !== i);
    assert.ok(twice.length <= 1, `at most the event in flight twice (got ${twice.length})`);
    assert.ok(all.length > beforeKill, 'node B delivered after the kill');
    assert.ok(receiver.all(hook.path).every((d) => verifies(d, hook.secret)));
  });
});
