/**
 * Web Push in cluster mode (API v1.1 §4: "the VAPID key … the same on every node"): two nodes started together
 * on a fresh PostgreSQL database race to make the key; both serve the one that won. A subscription made on one
 * node is listed and deleted on the other. A page's visibility post reaches its stream on the other node.
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Api, newUser } from '../helpers/api.ts';
import { useTwoNodes } from '../helpers/cluster.ts';
import { openEvents, readyOf } from '../helpers/sse.ts';

describe('push across two nodes (PostgreSQL + Redis)', () => {
  const nodes = useTwoNodes({}, { together: true });
  it('one VAPID key for both nodes, and subscriptions visible from either', async () => {
    const u = await newUser(nodes.a.url, 'pk');
    const onB = new Api(nodes.b.url, u.token);
    const [ka, kb] = [await u.api.get('/api/v1/push/key'), await onB.get('/api/v1/push/key')];
    assert.equal(ka.status, 200);
    assert.equal(ka.body.public_key, kb.body.public_key);
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const sub = { endpoint: 'https://push.example.net/x/1', keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
    const made = await u.api.post('/api/v1/push/subscriptions', sub);
    assert.equal(made.status, 201);
    assert.deepEqual((await onB.get('/api/v1/push/subscriptions')).body.subscriptions.map((s: any) => s.id), [made.body.subscription.id]);
    assert.equal((await onB.del(`/api/v1/push/subscriptions/${made.body.subscription.id}`)).status, 204);
    assert.deepEqual((await u.api.get('/api/v1/push/subscriptions')).body.subscriptions, []);
  });

  it('a page posts its visibility to either node: the stream on B is found from A; an unknown one is 404', async () => {
    const u = await newUser(nodes.a.url, 'pv');
    const onB = await openEvents(nodes.b.url, u.token);
    const id = readyOf(onB).stream_id;
    assert.equal((await u.api.post('/api/v1/events/visibility', { stream_id: id, visible: false })).status, 204, 'posted on A');
    assert.equal((await new Api(nodes.b.url, u.token).post('/api/v1/events/visibility', { stream_id: id, visible: true })).status, 204, 'posted on B');
    assert.equal((await u.api.post('/api/v1/events/visibility', { stream_id: 'nowhere', visible: true })).status, 404);
    const other = await newUser(nodes.a.url, 'pw');
    assert.equal((await other.api.post('/api/v1/events/visibility', { stream_id: id, visible: true })).status, 404, 'not theirs');
    onB.close();
  });
});
