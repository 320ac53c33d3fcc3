/**
 * Limits and stream caps are shared across nodes (API v1.1 §7): two Natter processes on one
 * PostgreSQL database and a dedicated redis-server. Each budget is spent half on one node and half
 * on the other, and the next request is refused on either. With Redis down the limits fail open:
 * nothing is refused for want of Redis (each node still caps its own streams).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, newUser, PASSWORD } from '../helpers/api.ts';
import { createDatabase, startNode, startRedis, type NodeProcess, type RedisServer, type TestDatabase } from '../helpers/cluster.ts';
import { assertError } from '../helpers/rest.ts';
import { openEvents } from '../helpers/sse.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

describe('limits shared across two nodes (Redis)', () => {
  let db: TestDatabase;
  let redis: RedisServer;
  let a: NodeProcess;
  let b: NodeProcess;

  before(async () => {
    db = await createDatabase();
    redis = await startRedis();
    const env = {
      NATTER_AUTH_RATE: '3/60s',
      NATTER_LOGIN_FAILURES: '2/60s',
      NATTER_ACTION_RATE: '3/60s',
      NATTER_STREAMS_PER_USER: '2',
      NATTER_TRUST_PROXY: '1',
    };
    // One node first: it migrates; then the second.
    a = await startNode(db.url, redis.url, env);
    b = await startNode(db.url, redis.url, env);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await db?.drop();
  });

  /** A client from its own address (trusted X-Forwarded-For), so the auth budget tests do not share one. */
  const from = (base: string, ip: string, token?: string) => {
    const api = new Api(base, token);
    return (method: string, path: string, body?: unknown) => api.req(method, path, body, { 'x-forwarded-for': ip });
  };

  it('NATTER_AUTH_RATE: one budget per address for both nodes together', async () => {
    const onA = from(a.url, '198.51.100.1');
    const onB = from(b.url, '198.51.100.1');
    assert.equal((await onA('POST', '/api/v1/auth/register', { username: uniq('sl'), password: PASSWORD })).status, 201);
    assert.equal((await onB('POST', '/api/v1/auth/login', { username: uniq('nobody'), password: 'wrong' })).status, 401);
    assert.equal((await onA('POST', '/api/v1/auth/guest', { username: uniq('g') })).status, 201);
    const limited = await onB('POST', '/api/v1/auth/register', { username: uniq('sl'), password: PASSWORD });
    assertError(limited, 429, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assertError(await onA('POST', '/api/v1/auth/login', { username: uniq('nobody'), password: 'wrong' }), 429, 'rate_limited');
    assert.equal((await from(b.url, '198.51.100.2')('POST', '/api/v1/auth/guest', { username: uniq('g') })).status, 201, 'another address has its own budget');
  });

  it('login failures per username count on every node', async () => {
    const u = await newUser(a.url);
    assertError(await from(a.url, '203.0.113.1')('POST', '/api/v1/auth/login', { username: u.name, password: 'wrong' }), 401, 'invalid_credentials');
    assertError(await from(b.url, '203.0.113.2')('POST', '/api/v1/auth/login', { username: u.name, password: 'wrong' }), 401, 'invalid_credentials');
    assertError(await from(a.url, '203.0.113.3')('POST', '/api/v1/auth/login', { username: u.name, password: PASSWORD }), 429, 'rate_limited');
  });

  it('NATTER_ACTION_RATE: one budget per user for both nodes together', async () => {
    const u = await newUser(a.url);
    const id = (await u.api.post('/api/v1/rooms/general/messages', { text: 'react here' })).body.message.id;
    const onA = new Api(a.url, u.token);
    const onB = new Api(b.url, u.token);
    const react = (api: Api, e: string) => api.put(`/api/v1/rooms/general/messages/${id}/reactions/${encodeURIComponent(e)}`);
    assert.equal((await react(onA, '👍')).status, 204);
    assert.equal((await react(onB, '🎉')).status, 204);
    assert.equal((await react(onA, '🚀')).status, 204);
    assertError(await react(onB, '👀'), 429, 'rate_limited');
  });

  it('NATTER_STREAMS_PER_USER counts the streams on every node; a closed one frees its slot at once', async () => {
    const u = await newUser(a.url);
    const s1 = await openEvents(a.url, u.token);
    const s2 = await openEvents(b.url, u.token);
    for (const base of [a.url, b.url]) {
      const third = await openEvents(base, u.token, { ready: false });
      assert.equal(third.status, 429, `a third stream on ${base === a.url ? 'A' : 'B'} is refused`);
      third.close();
    }
    s1.close();
    await waitFor(async () => {
      const s = await openEvents(b.url, u.token, { ready: false });
      s.close();
      return s.status === 200;
    }, 'a stream is admitted again once one closed');
    s2.close();
  });

  it('with Redis down, limits fail open: sign-ins, actions and streams are not refused for want of Redis', async () => {
    await redis.stop();
    try {
      const onA = from(a.url, '192.0.2.77');
      const r = await onA('POST', '/api/v1/auth/register', { username: uniq('down'), password: PASSWORD });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const s = await openEvents(b.url, r.body.token);
      const api = new Api(b.url, r.body.token);
      const id = (await api.post('/api/v1/rooms/general/messages', { text: 'while redis is down' })).body.message.id;
      assert.equal((await api.put(`/api/v1/rooms/general/messages/${id}/reactions/${encodeURIComponent('👍')}`)).status, 204);
      s.close();
    } finally {
      await redis.start();
    }
  });
});
