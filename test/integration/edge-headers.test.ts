/** Edge headers and small limits (issue 10 item 8): no-store on the API, the metrics token, Secure cookies, bounded read markers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, newUser, PASSWORD, post, room } from '../helpers/api.ts';
import { createDatabase, type TestDatabase } from '../helpers/cluster.ts';
import { assertError, sessionCookie } from '../helpers/rest.ts';
import { spawnNatter, stopChild, useServer, type NatterProcess } from '../helpers/server.ts';
import { closeStream, openEvents } from '../helpers/sse.ts';
import { uniq } from '../helpers/wait.ts';

describe('defaults', () => {
  const server = useServer();

  it('every /api/v1 JSON response carries Cache-Control: no-store; the event stream keeps no-cache', async () => {
    const u = await newUser(server.url, 'eh');
    const name = await room(u, 'public');
    const anon = new Api(server.url);
    const responses = [
      await u.api.get('/api/v1/me'),
      await u.api.get(`/api/v1/rooms/${name}/messages`),
      await u.api.post('/api/v1/rooms', { name: uniq('eh'), visibility: 'public' }),
      await u.api.post(`/api/v1/rooms/${name}/typing`),
      await u.api.get('/api/v1/rooms/nope-nope'),
      await u.api.get('/api/v1/no-such-route'),
      await anon.get('/api/v1/me'),
      await anon.post('/api/v1/auth/login', { username: 'nobody-here', password: PASSWORD }),
    ];
    for (const r of responses) assert.equal(r.headers.get('cache-control'), 'no-store', `${r.status} ${JSON.stringify(r.body)}`);
    const s = await openEvents(server.url, u.token);
    try {
      assert.equal(s.headers['cache-control'], 'no-cache');
    } finally {
      await closeStream(s);
    }
  });

  it('/metrics is open without NATTER_METRICS_TOKEN; the cookie is not Secure over plain http', async () => {
    assert.equal((await fetch(`${server.url}/metrics`)).status, 200);
    const r = await new Api(server.url).post('/api/v1/auth/register', { username: uniq('eh'), password: PASSWORD });
    assert.equal(r.status, 201);
    assert.ok(!sessionCookie(r.headers)!.attrs.some((a) => /^secure$/i.test(a)));
  });

  it('a read marker beyond 2^53-1 (1e308) is 400 invalid_request; 2^53-1 itself is fine (capped at last_seq)', async () => {
    const u = await newUser(server.url, 'eh');
    const name = await room(u, 'public');
    await post(u, name, 'one');
    await checkReadBounds(server.url, u.token, name);
  });
});

describe('NATTER_METRICS_TOKEN and NATTER_COOKIE_SECURE', () => {
  const server = useServer({ NATTER_METRICS_TOKEN: 's3cret-token', NATTER_COOKIE_SECURE: '1' });

  it('/metrics needs Authorization: Bearer <token>, else 401 JSON', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret-token' }, { authorization: 'Bearer s3cret-tokenX' }] as Record<string, string>[]) {
      const r = await fetch(`${server.url}/metrics`, { headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(((await r.json()) as any).error.code, 'unauthenticated');
    }
    const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer s3cret-token' } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /# TYPE /);
  });

  it('NATTER_COOKIE_SECURE=1 marks the session cookie Secure over plain http', async () => {
    const r = await new Api(server.url).post('/api/v1/auth/register', { username: uniq('eh'), password: PASSWORD });
    assert.equal(r.status, 201);
    assert.ok(sessionCookie(r.headers)!.attrs.some((a) => /^secure$/i.test(a)), sessionCookie(r.headers)!.raw);
  });
});

describe('read marker bounds on PostgreSQL', () => {
  let db: TestDatabase;
  let proc: NatterProcess;
  before(async () => {
    db = await createDatabase();
    proc = await spawnNatter({ PORT: '0', DATABASE_URL: db.url });
  });
  after(async () => {
    if (proc) await stopChild(proc.child, 'SIGTERM');
    await db?.drop();
  });

  it('1e308 is 400, 2^53-1 is fine', async () => {
    const u = await newUser(proc.url, 'eh');
    const name = await room(u, 'public');
    await post(u, name, 'one');
    await checkReadBounds(proc.url, u.token, name);
  });
});

async function checkReadBounds(base: string, token: string, name: string): Promise<void> {
  const api = new Api(base, token);
  for (const body of ['{"seq":1e308}', '{"seq":9007199254740992}', '{"seq":1e20}']) {
    assertError(await api.req('POST', `/api/v1/rooms/${name}/read`, body, { 'content-type': 'application/json' }), 400, 'invalid_request');
  }
  assert.equal((await api.post(`/api/v1/rooms/${name}/read`, { seq: Number.MAX_SAFE_INTEGER })).status, 204);
  const r = await api.get(`/api/v1/rooms/${name}`);
  assert.equal(r.body.room.unread, 0);
  // History bounds too: before/after past 2^53-1 are 400, not a 500 from PostgreSQL's bigint.
  for (const q of ['before=1e308', 'after=9007199254740992', 'before=100000000000000000000']) {
    assertError(await api.get(`/api/v1/rooms/${name}/messages?${q}`), 400, 'invalid_request');
  }
  assert.equal((await api.get(`/api/v1/rooms/${name}/messages?before=${Number.MAX_SAFE_INTEGER}`)).status, 200);
}
