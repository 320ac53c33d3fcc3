/**
 * Sessions (API v1.1 §7): listed, ended one by one or all but the current, with their streams; idle and
 * absolute lifetimes; the per-username login failure throttle. Real server processes, real sockets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, newUser, PASSWORD, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { openEvents } from '../helpers/sse.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

/** Sign `u` in again (a second device); returns a client with that session's token. */
async function signInAgain(u: TestUser, userAgent: string): Promise<Api> {
  const r = await new Api(u.api.base).req('POST', '/api/v1/auth/login', { username: u.name, password: PASSWORD }, { 'user-agent': userAgent });
  assert.equal(r.status, 200);
  return new Api(u.api.base, r.body.token);
}

describe('GET/DELETE /api/v1/auth/sessions', () => {
  const server = useServer();

  it('lists your sessions newest first, with user agent and the current one marked; nobody else\'s', async () => {
    const u = await newUser(server.url);
    const other = await newUser(server.url);
    const phone = await signInAgain(u, 'Phone/1');
    const laptop = await signInAgain(u, 'Laptop/2');
    const r = await laptop.get('/api/v1/auth/sessions');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const list = r.body.sessions as any[];
    assert.equal(list.length, 3);
    assert.deepEqual(list.map((s) => s.user_agent), ['Laptop/2', 'Phone/1', list[2].user_agent]);
    assert.deepEqual(list.map((s) => s.current), [true, false, false]);
    for (const s of list) {
      assert.equal(typeof s.id, 'string');
      assert.ok(!Number.isNaN(Date.parse(s.created_at)) && !Number.isNaN(Date.parse(s.last_used_at)));
    }
    assert.equal((await phone.get('/api/v1/auth/sessions')).body.sessions.find((s: any) => s.current).user_agent, 'Phone/1');
    assert.equal((await other.api.get('/api/v1/auth/sessions')).body.sessions.length, 1);
  });

  it('DELETE /sessions/:id ends that session and its open stream at once; someone else\'s id is 404', async () => {
    const u = await newUser(server.url);
    const other = await newUser(server.url);
    const phone = await signInAgain(u, 'Phone/1');
    const stream = await openEvents(server.url, phone.token!);
    const phoneId = (await phone.get('/api/v1/auth/sessions')).body.sessions.find((s: any) => s.current).id;
    assertError(await other.api.del(`/api/v1/auth/sessions/${phoneId}`), 404, 'not_found');
    assertError(await u.api.del('/api/v1/auth/sessions/999999999'), 404, 'not_found');
    assertError(await u.api.del('/api/v1/auth/sessions/not-an-id'), 404, 'not_found');
    assert.equal((await phone.get('/api/v1/me')).status, 200, 'a refused DELETE ended nothing');
    assert.equal((await u.api.del(`/api/v1/auth/sessions/${phoneId}`)).status, 204);
    await waitFor(() => stream.closed, 'the ended session\'s stream closes');
    assertError(await phone.get('/api/v1/me'), 401, 'unauthenticated');
    assert.equal((await u.api.get('/api/v1/me')).status, 200, 'the caller\'s own session lives on');
    assertError(await u.api.del(`/api/v1/auth/sessions/${phoneId}`), 404, 'not_found');
  });

  it('DELETE /sessions ends every other session and stream, keeps the current one', async () => {
    const u = await newUser(server.url);
    const a = await signInAgain(u, 'A');
    const b = await signInAgain(u, 'B');
    const streams = await Promise.all([openEvents(server.url, a.token!), openEvents(server.url, b.token!)]);
    const mine = await openEvents(server.url, u.token);
    assert.equal((await u.api.del('/api/v1/auth/sessions')).status, 204);
    await waitFor(() => streams.every((s) => s.closed), 'the other sessions\' streams close');
    assertError(await a.get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await b.get('/api/v1/me'), 401, 'unauthenticated');
    assert.equal((await u.api.get('/api/v1/me')).status, 200);
    assert.equal(mine.closed, false, 'the current session\'s stream stays open');
    assert.deepEqual((await u.api.get('/api/v1/auth/sessions')).body.sessions.map((s: any) => s.current), [true]);
    mine.close();
  });
});

describe('session lifetimes', () => {
  // Idle 1.2 s: the server records use at most every 300 ms (a quarter of it). Absolute 4 s.
  const server = useServer({ NATTER_SESSION_IDLE_MS: '1200', NATTER_SESSION_MAX_MS: '4000' });

  it('an unused session ends after the idle lifetime (401); one in use lives on past it', async () => {
    // Timed from before the session is made (register, then a second sign-in, take a few hundred ms of argon2).
    const started = Date.now();
    const u = await newUser(server.url);
    // Its second session watches the first without using it (any request with the first would renew it).
    const watcher = await signInAgain(u, 'Watcher');
    const listed = async () => ((await watcher.get('/api/v1/auth/sessions')).body.sessions as any[]).map((s) => s.user_agent);
    assert.equal((await listed()).length, 2);
    await waitFor(async () => (await listed()).length === 1, 'the unused session drops out of the list', 4000);
    assert.ok(Date.now() - started >= 1000, `ended after ${Date.now() - started} ms, before its idle lifetime`);
    assertError(await u.api.get('/api/v1/me'), 401, 'unauthenticated');
    assert.equal((await watcher.get('/api/v1/me')).status, 200, 'the session in use lives on past the idle lifetime');
  });

  it('a session ends at its absolute lifetime however much it is used, and its open stream ends with it', async () => {
    const u = await newUser(server.url);
    const started = Date.now();
    const stream = await openEvents(server.url, u.token);
    await waitFor(async () => (await u.api.get('/api/v1/me')).status === 401, 'the session reaches its absolute lifetime', 8000);
    assert.ok(Date.now() - started >= 3500, `ended after ${Date.now() - started} ms, not before its 4 s lifetime`);
    await waitFor(() => stream.closed, 'its stream is ended by the sweep', 3000);
  });
});

describe('login failure throttle per username (NATTER_LOGIN_FAILURES)', () => {
  const server = useServer({ NATTER_LOGIN_FAILURES: '3/60s' });

  it('after 3 failures for a username its logins are 429 from any address, even with the right password; other names are not affected', async () => {
    const u = await newUser(server.url);
    const bystander = await newUser(server.url);
    const anon = new Api(server.url);
    for (let i = 0; i < 3; i++) assertError(await anon.post('/api/v1/auth/login', { username: u.name, password: `wrong ${i}` }), 401, 'invalid_credentials');
    const limited = await anon.post('/api/v1/auth/login', { username: u.name.toUpperCase(), password: PASSWORD });
    assertError(limited, 429, 'rate_limited');
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After: ${limited.headers.get('retry-after')}`);
    assert.equal((await u.api.get('/api/v1/me')).status, 200, 'existing sessions are not touched');
    assert.equal((await anon.post('/api/v1/auth/login', { username: bystander.name, password: PASSWORD })).status, 200);
  });

  it('a successful login clears the failures', async () => {
    const u = await newUser(server.url);
    const anon = new Api(server.url);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) assertError(await anon.post('/api/v1/auth/login', { username: u.name, password: 'nope' }), 401, 'invalid_credentials');
      assert.equal((await anon.post('/api/v1/auth/login', { username: u.name, password: PASSWORD })).status, 200);
    }
  });

  it('unknown usernames are throttled the same way (no hint that the account exists)', async () => {
    const anon = new Api(server.url);
    const name = uniq('ghost');
    for (let i = 0; i < 3; i++) assertError(await anon.post('/api/v1/auth/login', { username: name, password: 'x' }), 401, 'invalid_credentials');
    assertError(await anon.post('/api/v1/auth/login', { username: name, password: 'x' }), 429, 'rate_limited');
  });
});

describe('GET /api/v1/users (people lookup)', () => {
  const server = useServer();

  it('finds people by username prefix, case-insensitively, in username order, with presence; bad q is 400', async () => {
    const stem = uniq('pp').toLowerCase();
    const reg = async (name: string) => {
      const r = await new Api(server.url).post('/api/v1/auth/register', { username: name, password: PASSWORD });
      assert.equal(r.status, 201);
      return { ...r.body.user, token: r.body.token as string };
    };
    const b = await reg(`${stem}B`);
    const a = await reg(`${stem}a`);
    const me = new Api(server.url, a.token);
    const stream = await openEvents(server.url, b.token);
    const r = await me.get(`/api/v1/users?q=${stem.toUpperCase()}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.users.map((x: any) => [x.user.username, x.online]), [[`${stem}a`, false], [`${stem}B`, true]]);
    assert.deepEqual(Object.keys(r.body.users[0].user).sort(), ['active', 'avatar_url', 'created_at', 'display_name', 'guest', 'id', 'kind', 'role', 'username']);
    assert.equal((await me.get(`/api/v1/users?q=${stem}&limit=1`)).body.users.length, 1);
    assert.ok((await me.get('/api/v1/users')).body.users.length >= 2);
    assertError(await me.get('/api/v1/users?q=a%20b'), 400, 'invalid_request');
    assertError(await me.get('/api/v1/users?limit=0'), 400, 'invalid_request');
    assertError(await me.get('/api/v1/users?limit=51'), 400, 'invalid_request');
    assertError(await new Api(server.url).get('/api/v1/users'), 401, 'unauthenticated');
    stream.close();
  });
});
