/**
 * Web Push keys and subscriptions (API v1.1 §4, the first part of issue 13) against real server processes on
 * SQLite and PostgreSQL: the VAPID public key (stable across restarts), subscribing (201, then 200 with the same
 * id for the same endpoint, keys updated and now the new user's), listing, deleting, invalid subscriptions,
 * the cap of 20, and logout deleting the session's subscriptions. NATTER_PUSH=0 on its own server.
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { Api, newUser, PASSWORD, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { uniq } from '../helpers/wait.ts';

/** A subscription as a browser's PushSubscription.toJSON() gives it. */
function browserSubscription(endpoint = `https://push.example.net/send/${uniq('ep')}`) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { endpoint, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
}

describeEachStore('push key and subscriptions', (server: StoreServer) => {
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    alice = await newUser(server.url, 'pa');
    bob = await newUser(server.url, 'pb');
  });

  it('the VAPID public key: a base64url uncompressed P-256 point, the same after a restart; /server says push', async () => {
    const r = await alice.api.get('/api/v1/push/key');
    assert.equal(r.status, 200);
    const key = Buffer.from(r.body.public_key, 'base64url');
    assert.equal(key.length, 65);
    assert.equal(key[0], 4);
    assert.equal((await alice.api.get('/api/v1/server')).body.push, true);
    await server.restart();
    assert.equal((await alice.api.get('/api/v1/push/key')).body.public_key, r.body.public_key, 'made once, kept in the database');
    assertError(await new Api(server.url).get('/api/v1/push/key'), 401, 'unauthenticated');
  });

  it('subscribe: 201, then 200 with the same id for the same endpoint (keys updated, now the new user\'s); list; delete', async () => {
    const sub = browserSubscription();
    const a = await alice.api.post('/api/v1/push/subscriptions', sub);
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.deepEqual(Object.keys(a.body.subscription).sort(), ['created_at', 'endpoint', 'id']);
    assert.equal(a.body.subscription.endpoint, sub.endpoint);
    const same = await alice.api.post('/api/v1/push/subscriptions', { ...sub, keys: browserSubscription().keys });
    assert.equal(same.status, 200);
    assert.equal(same.body.subscription.id, a.body.subscription.id);
    const moved = await bob.api.post('/api/v1/push/subscriptions', sub);
    assert.equal(moved.status, 200);
    assert.equal(moved.body.subscription.id, a.body.subscription.id);
    assert.deepEqual((await alice.api.get('/api/v1/push/subscriptions')).body.subscriptions, []);
    assert.deepEqual((await bob.api.get('/api/v1/push/subscriptions')).body.subscriptions.map((s: any) => s.id), [a.body.subscription.id]);
    assertError(await alice.api.del(`/api/v1/push/subscriptions/${a.body.subscription.id}`), 404, 'not_found');
    assert.equal((await bob.api.del(`/api/v1/push/subscriptions/${a.body.subscription.id}`)).status, 204);
    assert.deepEqual((await bob.api.get('/api/v1/push/subscriptions')).body.subscriptions, []);
  });

  it('400 invalid_subscription for what a browser would never send', async () => {
    const good = browserSubscription();
    const bad: [string, unknown][] = [
      ['no endpoint', { keys: good.keys }],
      ['http endpoint', { ...good, endpoint: 'http://push.example.net/x' }],
      ['not a URL', { ...good, endpoint: 'push me' }],
      ['endpoint too long', { ...good, endpoint: `https://push.example.net/${'x'.repeat(2048)}` }],
      ['no keys', { endpoint: good.endpoint }],
      ['p256dh not a point', { ...good, keys: { ...good.keys, p256dh: randomBytes(65).toString('base64url').replace(/^./, 'A') } }],
      ['p256dh too short', { ...good, keys: { ...good.keys, p256dh: randomBytes(33).toString('base64url') } }],
      ['auth too short', { ...good, keys: { ...good.keys, auth: randomBytes(8).toString('base64url') } }],
      ['auth not base64url', { ...good, keys: { ...good.keys, auth: 'not base64!' } }],
      ['not an object', ['x']],
    ];
    for (const [what, body] of bad) {
      const r = await alice.api.post('/api/v1/push/subscriptions', body);
      assert.equal(r.body?.error?.code, 'invalid_subscription', `${what}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.status, 400);
    }
  });

  it('at most 20 per user: the oldest is dropped', async () => {
    const u = await newUser(server.url, 'pc');
    const ids: string[] = [];
    for (let i = 0; i < 21; i++) ids.push((await u.api.post('/api/v1/push/subscriptions', browserSubscription())).body.subscription.id);
    assert.deepEqual((await u.api.get('/api/v1/push/subscriptions')).body.subscriptions.map((s: any) => s.id), ids.slice(1));
  });

  it('a subscription belongs to its session: logging out deletes it, the user\'s other sessions keep theirs', async () => {
    const u = await newUser(server.url, 'pd');
    const other = new Api(server.url);
    other.token = (await other.post('/api/v1/auth/login', { username: u.name, password: PASSWORD })).body.token;
    const mine = (await u.api.post('/api/v1/push/subscriptions', browserSubscription())).body.subscription;
    const theirs = (await other.post('/api/v1/push/subscriptions', browserSubscription())).body.subscription;
    assert.equal((await other.post('/api/v1/auth/logout')).status, 204);
    assert.deepEqual((await u.api.get('/api/v1/push/subscriptions')).body.subscriptions.map((s: any) => s.id), [mine.id]);
    assert.notEqual(mine.id, theirs.id);
  });
});

describe('push off (NATTER_PUSH=0)', () => {
  const server = useServer({ NATTER_PUSH: '0' });
  it('GET /push/key is 404 and /server says push false; subscribing is 404', async () => {
    const u = await newUser(server.url, 'po');
    assertError(await u.api.get('/api/v1/push/key'), 404, 'not_found');
    assert.equal((await u.api.get('/api/v1/server')).body.push, false);
    assertError(await u.api.post('/api/v1/push/subscriptions', browserSubscription()), 404, 'not_found');
  });
});
