/** The error edge and the limits: body size, media type, JSON and UTF-8, unknown routes, rate limits, no stacks. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { toChatError } from '../../src/http/errors.ts';
import { Api, newUser, PASSWORD } from '../helpers/api.ts';
import { assertError, assertNoStack, rawRequest, rawSocketRequest } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { uniq } from '../helpers/wait.ts';

const MAX_BODY = 20_000;

describe('bodies, media types and routes', () => {
  const server = useServer({ NATTER_MAX_BODY: String(MAX_BODY) });
  let api: Api;
  let token: string;
  let room: string;
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${token}` });

  before(async () => {
    ({ api, token } = await newUser(server.url, 'lim'));
    room = uniq('lim');
    assert.equal((await api.post('/api/v1/rooms', { name: room, visibility: 'public' })).status, 201);
  });

  it('a body under NATTER_MAX_BODY is accepted (4000 emoji = 16 kB of UTF-8)', async () => {
    const r = await api.post(`/api/v1/rooms/${room}/messages`, { text: '🎉'.repeat(4000) });
    assert.equal(r.status, 201);
  });

  it('413 payload_too_large for a body over NATTER_MAX_BODY with a Content-Length', async () => {
    const body = JSON.stringify({ text: 'a'.repeat(MAX_BODY) });
    const r = await rawRequest(server.url, 'POST', `/api/v1/rooms/${room}/messages`, {
      headers: { ...auth(), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    assertError(r, 413, 'payload_too_large');
  });

  it('413 payload_too_large for a chunked body (no Content-Length) that grows past the limit', async () => {
    const chunk = 'a'.repeat(1000);
    const chunks = ['{"text":"', ...Array.from({ length: 200 }, () => chunk), '"}'];
    const r = await rawRequest(server.url, 'POST', `/api/v1/rooms/${room}/messages`, {
      headers: { ...auth(), 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks,
    });
    assertError(r, 413, 'payload_too_large');
    const h = await api.get(`/api/v1/rooms/${room}/messages?limit=200`);
    assert.ok(h.body.messages.every((m: any) => !m.text.startsWith('aaaa')), 'nothing was stored');
  });

  it('413 comes before the body is buffered whole: a huge Content-Length is refused at once', async () => {
    const head = [`POST /api/v1/rooms/${room}/messages HTTP/1.1`, `host: 127.0.0.1:${server.port}`, `authorization: Bearer ${token}`,
      'content-type: application/json', `content-length: ${100 * 1024 * 1024}`].join('\r\n');
    assertError(await rawSocketRequest(server.url, head, '{"text":"'), 413, 'payload_too_large');
  });

  it('413 comes before the body is buffered whole: a chunked body is refused once it passes the limit, before it ends', async () => {
    const head = [`POST /api/v1/rooms/${room}/messages HTTP/1.1`, `host: 127.0.0.1:${server.port}`, `authorization: Bearer ${token}`,
      'content-type: application/json', 'transfer-encoding: chunked'].join('\r\n');
    const piece = 'a'.repeat(4096);
    const chunks = Array.from({ length: 8 }, () => `${piece.length.toString(16)}\r\n${piece}\r\n`).join('');
    // No terminating 0-chunk: the request never ends, so only an early answer can resolve this.
    assertError(await rawSocketRequest(server.url, head, `9\r\n{"text":"\r\n${chunks}`), 413, 'payload_too_large');
  });

  it('413 also on the unauthenticated routes (register)', async () => {
    const body = JSON.stringify({ username: uniq('big'), password: 'p'.repeat(MAX_BODY) });
    assertError(await rawRequest(server.url, 'POST', '/api/v1/auth/register', { headers: { 'content-type': 'application/json' }, body }), 413, 'payload_too_large');
  });

  it('a chunked body under the limit is accepted', async () => {
    const r = await rawRequest(server.url, 'POST', `/api/v1/rooms/${room}/messages`, {
      headers: { ...auth(), 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: ['{"te', 'xt":"chu', 'nked"}'],
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.message.text, 'chunked');
  });

  it('415 unsupported_media_type for text/plain and form bodies', async () => {
    const body = JSON.stringify({ text: 'hi' });
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      assertError(await api.req('POST', `/api/v1/rooms/${room}/messages`, body, { 'content-type': type }), 415, 'unsupported_media_type');
    }
    assertError(await api.req('POST', '/api/v1/auth/register', 'username=a&password=b', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
  });

  it('application/json with a charset parameter is fine', async () => {
    const r = await api.req('POST', `/api/v1/rooms/${room}/messages`, JSON.stringify({ text: 'charset' }), { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(r.status, 201);
  });

  it('400 invalid_request for malformed JSON', async () => {
    for (const body of ['{', '{"text": "x",}', 'nope', '{"text": "unterminated']) {
      assertError(await api.req('POST', `/api/v1/rooms/${room}/messages`, body), 400, 'invalid_request');
    }
    assertError(await api.req('POST', '/api/v1/auth/login', '{"username":'), 400, 'invalid_request');
  });

  it('400 invalid_request for a body that is not valid UTF-8', async () => {
    for (const bad of [[0xff, 0xfe], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const body = Buffer.concat([Buffer.from('{"text":"ab'), Buffer.from(bad), Buffer.from('cd"}')]);
      const r = await rawRequest(server.url, 'POST', `/api/v1/rooms/${room}/messages`, {
        headers: { ...auth(), 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      });
      assertError(r, 400, 'invalid_request');
    }
  });

  it('bad percent-encoding or an over-long path parameter is 400 invalid_request in the contract shape', async () => {
    for (const p of ['/api/v1/rooms/%E0%A4%A', '/api/v1/dm/%FF', `/api/v1/rooms/${'x'.repeat(5000)}`]) {
      assertError(await rawRequest(server.url, 'GET', p, { headers: auth() }), 400, 'invalid_request');
    }
  });

  it('a body with no Content-Type is refused (415), not parsed', async () => {
    const body = JSON.stringify({ text: 'no type' });
    const r = await rawRequest(server.url, 'POST', `/api/v1/rooms/${room}/messages`, { headers: { ...auth(), 'content-length': String(body.length) }, body });
    assertError(r, 415, 'unsupported_media_type');
  });

  it('400 invalid_request for a JSON body that is not an object', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      assertError(await api.req('POST', `/api/v1/rooms/${room}/messages`, body), 400, 'invalid_request');
    }
  });

  it('unknown routes and methods are 404 not_found as JSON', async () => {
    for (const [method, path] of [['GET', '/api/v1/nope'], ['POST', '/api/v1/nope'], ['GET', '/api/v2/rooms'], ['PUT', '/api/v1/rooms'],
      ['DELETE', '/api/v1/rooms/general'], ['GET', '/api/v1/rooms/general/nothing'], ['PATCH', '/api/v1/me'], ['GET', '/api/v1/auth/login']] as const) {
      const r = await api.req(method, path);
      assertError(r, 404, 'not_found');
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    }
  });

  it('odd inputs never produce a 5xx or a stack trace', async () => {
    const paths = [
      '/api/v1/rooms/%E0%A4%A', '/api/v1/rooms/%00', `/api/v1/rooms/${room}/messages/99999999999999999999`,
      `/api/v1/rooms/${room}/messages/1/reactions/%ED%A0%80`, `/api/v1/rooms/${'x'.repeat(5000)}`,
      `/api/v1/rooms/${room}/messages?limit=1e3`, `/api/v1/rooms/${room}/messages?before=99999999999999999999999`,
      `/api/v1/rooms/${room}/messages?limit=5&limit=6`, '/api/v1/dm/%FF',
    ];
    for (const p of paths) {
      for (const method of ['GET', 'PUT', 'POST', 'DELETE']) {
        const r = await rawRequest(server.url, method, p, { headers: auth() });
        assert.ok((r.status >= 400 && r.status < 500) || r.status === 200, `${method} ${p}: ${r.status} ${r.text}`);
        assertNoStack(r.text);
        if (r.status === 200) continue;
        assert.equal(typeof r.json?.error?.code, 'string', `${method} ${p}: contract error shape: ${r.text.slice(0, 200)}`);
        assertError(r, r.status, r.json.error.code);
      }
    }
  });
});

describe('rate limits', () => {
  const server = useServer({ NATTER_POST_RATE: '3/10s', NATTER_GUESTS: '0' });

  it('posting over NATTER_POST_RATE is 429 rate_limited with Retry-After; the limit is per user', async () => {
    const anon = new Api(server.url);
    const a = await anon.post('/api/v1/auth/register', { username: uniq('rp'), password: PASSWORD });
    const b = await anon.post('/api/v1/auth/register', { username: uniq('rp'), password: PASSWORD });
    const alice = new Api(server.url, a.body.token);
    const bob = new Api(server.url, b.body.token);
    for (let i = 0; i < 3; i++) assert.equal((await alice.post('/api/v1/rooms/general/messages', { text: `m${i}` })).status, 201);
    const limited = await alice.post('/api/v1/rooms/general/messages', { text: 'one too many' });
    assertError(limited, 429, 'rate_limited');
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 10, `Retry-After: ${limited.headers.get('retry-after')}`);
    assert.equal((await bob.post('/api/v1/rooms/general/messages', { text: 'bob is fine' })).status, 201);
    const texts = (await alice.get('/api/v1/rooms/general/messages')).body.messages.map((m: any) => m.text);
    assert.ok(!texts.includes('one too many'), 'the limited message was not stored');
  });

  it('with NATTER_GUESTS=0 guest sessions are refused with a JSON error', async () => {
    const r = await new Api(server.url).post('/api/v1/auth/guest', { username: uniq('g') });
    assert.equal(r.status, 403);
    assert.equal(typeof r.body.error.code, 'string');
    assertNoStack(JSON.stringify(r.body));
  });
});

describe('NATTER_AUTH_RATE: one budget per address for login, register and guest together', () => {
  const server = useServer({ NATTER_AUTH_RATE: '3/60s' });

  it('register, a failed login and a guest use up the budget: the next of each is 429 rate_limited with Retry-After', async () => {
    const anon = new Api(server.url);
    assert.equal((await anon.post('/api/v1/auth/register', { username: uniq('rr'), password: PASSWORD })).status, 201);
    assert.equal((await anon.post('/api/v1/auth/login', { username: uniq('nobody'), password: 'wrong password' })).status, 401);
    assert.equal((await anon.post('/api/v1/auth/guest', { username: uniq('g') })).status, 201);
    for (const [path, body] of [
      ['/api/v1/auth/login', { username: uniq('nobody'), password: 'wrong password' }],
      ['/api/v1/auth/register', { username: uniq('rr'), password: PASSWORD }],
      ['/api/v1/auth/guest', { username: uniq('g') }],
    ] as const) {
      const r = await anon.post(path, body);
      assertError(r, 429, 'rate_limited');
      const retry = Number(r.headers.get('retry-after'));
      assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `${path} Retry-After: ${r.headers.get('retry-after')}`);
    }
  });
});

describe('the error edge (in process)', () => {
  it('an unexpected error becomes 500 internal with a fixed message: no stack, no internals', () => {
    for (const err of [new Error('SQLITE_CORRUPT at /srv/natter/src/storage/sqlite/sqlite-store.ts:42'), new TypeError('x is undefined'), 'a string', null]) {
      const ce = toChatError(err);
      assert.equal(ce.status, 500);
      assert.equal(ce.code, 'internal');
      assert.equal(ce.message, 'internal server error');
    }
  });
});
