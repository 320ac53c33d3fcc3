/** Accounts and sessions: register, login, guest, logout, me; cookies, CSRF, case-insensitive names. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, newUser, PASSWORD } from '../helpers/api.ts';
import { assertError, sessionCookie } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { uniq } from '../helpers/wait.ts';

let anon: Api;
const server = useServer({}, {
  setup: async () => {
    anon = new Api(server.url);
  },
});

/** A client that authenticates with the session cookie only (like a browser). */
function cookieClient(token: string, csrf: boolean): Api {
  const api = new Api(server.url);
  const base = api.req.bind(api);
  api.req = (method, path, body, headers = {}) =>
    base(method, path, body, { ...headers, cookie: `natter_session=${token}`, ...(csrf ? { 'x-requested-with': 'natter' } : {}) });
  return api;
}

describe('register', () => {
  it('creates an account: 201 with user and token, and the user is a member of general', async () => {
    const username = uniq('Reg');
    const r = await anon.post('/api/v1/auth/register', { username, password: PASSWORD });
    assert.equal(r.status, 201);
    assert.equal(r.body.user.username, username);
    assert.equal(r.body.user.guest, false);
    assert.equal(typeof r.body.user.id, 'string');
    assert.match(r.body.user.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(typeof r.body.token, 'string');
    assert.ok(r.body.token.length >= 32);
    const me = new Api(server.url, r.body.token);
    const general = await me.get('/api/v1/rooms/general');
    assert.equal(general.status, 200);
    assert.equal(general.body.room.member, true);
  });

  it('sets the natter_session cookie HttpOnly, SameSite=Lax, Path=/ (not Secure over plain HTTP)', async () => {
    const r = await anon.post('/api/v1/auth/register', { username: uniq('ck'), password: PASSWORD });
    const c = sessionCookie(r.headers);
    assert.ok(c, 'Set-Cookie natter_session present');
    assert.equal(c.value, r.body.token);
    const lower = c.attrs.map((a) => a.toLowerCase());
    assert.ok(lower.includes('httponly'), c.raw);
    assert.ok(lower.includes('samesite=lax'), c.raw);
    assert.ok(lower.includes('path=/'), c.raw);
    assert.ok(!lower.includes('secure'), c.raw);
  });

  it('rejects a taken username case-insensitively: 409 username_taken', async () => {
    const username = uniq('Dup');
    assert.equal((await anon.post('/api/v1/auth/register', { username, password: PASSWORD })).status, 201);
    assertError(await anon.post('/api/v1/auth/register', { username, password: PASSWORD }), 409, 'username_taken');
    assertError(await anon.post('/api/v1/auth/register', { username: username.toUpperCase(), password: PASSWORD }), 409, 'username_taken');
    assertError(await anon.post('/api/v1/auth/guest', { username: username.toLowerCase() }), 409, 'username_taken');
  });

  it('enforces the username rules: 1-32 of [A-Za-z0-9_.-]', async () => {
    // A fresh database per file, so a one-letter name is free; the others are random.
    for (const username of ['Q', `A.b-c_d${uniq('')}`, uniq('m').padEnd(32, 'x')]) {
      const r = await anon.post('/api/v1/auth/register', { username, password: PASSWORD });
      assert.equal(r.status, 201, `${username}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.user.username, username);
    }
    for (const username of ['', 'x'.repeat(33), 'has space', 'émile', 'a/b', 'a@b', 'tab\tname', 'a+b']) {
      assertError(await anon.post('/api/v1/auth/register', { username, password: PASSWORD }), 400, 'invalid_request');
      assertError(await anon.post('/api/v1/auth/guest', { username }), 400, 'invalid_request');
    }
  });

  it('enforces the password length: 8-1024 characters', async () => {
    assertError(await anon.post('/api/v1/auth/register', { username: uniq('pw'), password: '1234567' }), 400, 'invalid_request');
    assertError(await anon.post('/api/v1/auth/register', { username: uniq('pw'), password: 'p'.repeat(1025) }), 400, 'invalid_request');
    assert.equal((await anon.post('/api/v1/auth/register', { username: uniq('pw'), password: '12345678' })).status, 201);
    assert.equal((await anon.post('/api/v1/auth/register', { username: uniq('pw'), password: 'p'.repeat(1024) })).status, 201);
  });

  it('names the bad field in a schema error', async () => {
    const r = await anon.post('/api/v1/auth/register', { username: uniq('f') });
    assertError(r, 400, 'invalid_request');
    assert.match(r.body.error.message, /password/);
  });
});

describe('login', () => {
  it('signs in with the right password (any letter case of the username): 200 user + token + cookie', async () => {
    const user = await newUser(server.url, 'Li');
    for (const username of [user.name, user.name.toUpperCase()]) {
      const r = await anon.post('/api/v1/auth/login', { username, password: PASSWORD });
      assert.equal(r.status, 200);
      assert.equal(r.body.user.id, user.id);
      assert.equal(r.body.user.username, user.name);
      assert.equal(sessionCookie(r.headers)?.value, r.body.token);
      assert.equal((await new Api(server.url, r.body.token).get('/api/v1/me')).body.user.id, user.id);
    }
  });

  it('gives the same 401 invalid_credentials for a wrong password, an unknown user and a guest', async () => {
    const user = await newUser(server.url, 'lw');
    const g = await anon.post('/api/v1/auth/guest', { username: uniq('lg') });
    const cases = [
      { username: user.name, password: 'wrong password' },
      { username: uniq('nobody'), password: PASSWORD },
      { username: g.body.user.username, password: PASSWORD },
      { username: 'not a valid name!', password: PASSWORD },
    ];
    const messages = new Set<string>();
    for (const c of cases) {
      const r = await anon.post('/api/v1/auth/login', c);
      assertError(r, 401, 'invalid_credentials');
      messages.add(r.body.error.message);
    }
    assert.equal(messages.size, 1, 'no user enumeration through the message');
  });

  it('each login is a separate session', async () => {
    const { api, name } = await newUser(server.url, 'ls');
    const second = await anon.post('/api/v1/auth/login', { username: name, password: PASSWORD });
    assert.notEqual(second.body.token, api.token);
    assert.equal((await api.post('/api/v1/auth/logout')).status, 204);
    assert.equal((await new Api(server.url, second.body.token).get('/api/v1/me')).status, 200);
  });
});

describe('guest', () => {
  it('creates a guest account (guest: true), member of general', async () => {
    const username = uniq('Gst');
    const r = await anon.post('/api/v1/auth/guest', { username });
    assert.equal(r.status, 201);
    assert.equal(r.body.user.username, username);
    assert.equal(r.body.user.guest, true);
    assert.ok(sessionCookie(r.headers));
    const api = new Api(server.url, r.body.token);
    assert.equal((await api.get('/api/v1/me')).body.user.guest, true);
    assert.equal((await api.get('/api/v1/rooms/general')).body.room.member, true);
    assertError(await anon.post('/api/v1/auth/register', { username, password: PASSWORD }), 409, 'username_taken');
  });
});

describe('me and authentication', () => {
  it('GET /me returns the user for a bearer token and for the cookie', async () => {
    const { api, id, token } = await newUser(server.url, 'me');
    const r = await api.get('/api/v1/me');
    assert.equal(r.status, 200);
    // v1.1: your own user adds its private email fields (API v1.1 Objects).
    assert.deepEqual(Object.keys(r.body.user).sort(), ['active', 'avatar_url', 'created_at', 'display_name', 'email', 'email_notifications', 'email_verified', 'guest', 'id', 'kind', 'role', 'username']);
    assert.equal(r.body.user.id, id);
    assert.equal((await cookieClient(token, false).get('/api/v1/me')).body.user.id, id);
  });

  it('401 unauthenticated without a session, with a bad token, or a malformed header', async () => {
    assertError(await anon.get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await new Api(server.url, 'not-a-token').get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await anon.req('GET', '/api/v1/me', undefined, { authorization: 'Basic abc' }), 401, 'unauthenticated');
    assertError(await anon.req('GET', '/api/v1/rooms', undefined, { cookie: 'natter_session=nope' }), 401, 'unauthenticated');
    for (const [method, path] of [['GET', '/api/v1/rooms'], ['POST', '/api/v1/rooms'], ['GET', '/api/v1/rooms/general/messages'],
      ['POST', '/api/v1/rooms/general/messages'], ['POST', '/api/v1/dm/someone'], ['POST', '/api/v1/auth/logout']] as const) {
      assertError(await anon.req(method, path, method === 'POST' ? {} : undefined), 401, 'unauthenticated');
    }
  });
});

describe('CSRF rule', () => {
  it('a cookie-authenticated state change without X-Requested-With: natter is 403 csrf, and nothing changes', async () => {
    const { token } = await newUser(server.url, 'cs');
    const bare = cookieClient(token, false);
    const room = uniq('csrf');
    assertError(await bare.post('/api/v1/rooms', { name: room, visibility: 'public' }), 403, 'csrf');
    assertError(await bare.post('/api/v1/rooms/general/messages', { text: 'hi' }), 403, 'csrf');
    assertError(await bare.post('/api/v1/auth/logout'), 403, 'csrf');
    assertError(await bare.req('POST', '/api/v1/rooms', { name: room }, { 'x-requested-with': 'XMLHttpRequest' }), 403, 'csrf');
    assertError(await bare.patch('/api/v1/rooms/general', { topic: 'x' }), 403, 'csrf');
    assertError(await bare.put('/api/v1/rooms/general/messages/1/reactions/ok'), 403, 'csrf');
    assertError(await bare.del('/api/v1/rooms/general/messages/1'), 403, 'csrf');
    assertError(await bare.post('/api/v1/rooms/general/leave'), 403, 'csrf');
    assert.equal((await bare.get('/api/v1/rooms/general')).body.room.member, true, 'the refused leave did not happen');
    assert.equal((await bare.get(`/api/v1/rooms/${room}`)).status, 404, 'room was not created');
    assert.equal((await bare.get('/api/v1/me')).status, 200, 'GET needs no header; the session still works');
  });

  it('with the header, cookie-authenticated changes work', async () => {
    const { token } = await newUser(server.url, 'cs');
    const ok = cookieClient(token, true);
    const room = uniq('csrf');
    assert.equal((await ok.post('/api/v1/rooms', { name: room, visibility: 'public' })).status, 201);
    assert.equal((await ok.post(`/api/v1/rooms/${room}/messages`, { text: 'hi' })).status, 201);
  });

  it('bearer-token clients need no header', async () => {
    const { api } = await newUser(server.url, 'cs');
    const room = uniq('csrf');
    assert.equal((await api.post('/api/v1/rooms', { name: room, visibility: 'public' })).status, 201);
    assert.equal((await api.post(`/api/v1/rooms/${room}/messages`, { text: 'hi' })).status, 201);
    assert.equal((await api.post('/api/v1/auth/logout')).status, 204);
  });
});

describe('logout', () => {
  it('204, and the bearer token stops working at once', async () => {
    const { api } = await newUser(server.url, 'lo');
    assert.equal((await api.get('/api/v1/me')).status, 200);
    const r = await api.post('/api/v1/auth/logout');
    assert.equal(r.status, 204);
    assert.equal(r.body, null);
    assertError(await api.get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await api.post('/api/v1/rooms/general/messages', { text: 'after logout' }), 401, 'unauthenticated');
    assertError(await api.post('/api/v1/auth/logout'), 401, 'unauthenticated');
  });

  it('by cookie: clears the cookie and the token stops working for cookie and bearer alike', async () => {
    const { token } = await newUser(server.url, 'lo');
    const browser = cookieClient(token, true);
    const r = await browser.post('/api/v1/auth/logout');
    assert.equal(r.status, 204);
    const cleared = sessionCookie(r.headers);
    assert.ok(cleared, 'logout sends a Set-Cookie that clears natter_session');
    assert.ok(cleared.value === '' || cleared.attrs.some((a) => /^expires=.*1970|^max-age=0$/i.test(a)), cleared.raw);
    assertError(await browser.get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await new Api(server.url, token).get('/api/v1/me'), 401, 'unauthenticated');
  });
});
