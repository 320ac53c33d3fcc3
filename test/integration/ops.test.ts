/** Operations: /healthz, /readyz, /metrics, the OpenAPI document; graceful stop. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, newUser } from '../helpers/api.ts';
import { sampleOf } from '../helpers/metrics.ts';
import { useServer } from '../helpers/server.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

let anon: Api;
const server = useServer({}, {
  setup: async () => {
    anon = new Api(server.url);
  },
});

describe('operations', () => {
  it('GET /healthz is 200 {"status":"ok"} without authentication', async () => {
    const r = await anon.get('/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok' });
  });

  it('GET /api/v1/server says what this server enables, without authentication (v1.1)', async () => {
    const r = await anon.get('/api/v1/server');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.deepEqual(Object.keys(r.body).sort(), ['email', 'guests', 'max_upload', 'oidc', 'previews', 'push', 'registration', 'uploads', 'version']);
    assert.equal(r.body.version, '1.1');
    assert.equal(r.body.registration, 'open');
    assert.equal(r.body.guests, true);
  });

  it('GET /readyz is 200 while the store is reachable', async () => {
    const r = await anon.get('/readyz');
    assert.equal(r.status, 200);
    assert.equal(typeof r.body, 'object');
  });

  it('GET /metrics is Prometheus text with messages posted, the HTTP histogram and process metrics', async () => {
    const { api } = await newUser(server.url, 'met');
    const room = uniq('met');
    assert.equal((await api.post('/api/v1/rooms', { name: room, visibility: 'public' })).status, 201);
    const before = sampleOf((await anon.get('/metrics')).body, 'natter_messages_posted_total') ?? 0;
    for (let i = 0; i < 3; i++) assert.equal((await api.post(`/api/v1/rooms/${room}/messages`, { text: `m${i}` })).status, 201);
    assert.equal((await api.post(`/api/v1/rooms/${room}/messages`, { text: 'm0', client_id: 'x' })).status, 201);
    assert.equal((await api.post(`/api/v1/rooms/${room}/messages`, { text: 'm0', client_id: 'x' })).status, 200);

    const r = await anon.req('GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    const text: string = r.body;
    assert.match(text, /# TYPE natter_messages_posted_total counter/);
    assert.equal(sampleOf(text, 'natter_messages_posted_total'), before + 4, 'a retried post is not counted twice');
    assert.match(text, /# TYPE natter_http_request_duration_seconds histogram/);
    const posted = sampleOf(text, 'natter_http_request_duration_seconds_count', { route: '/api/v1/rooms/:room/messages' });
    assert.ok(posted !== undefined && posted >= 5, 'histogram labelled by route');
    assert.match(text, /natter_http_request_duration_seconds_bucket\{[^}]*status="201"/);
    assert.match(text, /natter_http_request_duration_seconds_bucket\{[^}]*method="POST"/);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds']) {
      assert.ok(sampleOf(text, name) !== undefined, `process metric ${name}`);
    }
    for (const name of ['natter_streams_open', 'natter_events_delivered_total', 'natter_store_errors_total', 'natter_broker_errors_total']) {
      assert.match(text, new RegExp(`# TYPE ${name} `), name);
    }
  });

  it('request logs carry request ids and never passwords, tokens or cookies', async () => {
    const password = `pw-${uniq('secret')}`;
    const username = uniq('log');
    const reg = await anon.post('/api/v1/auth/register', { username, password });
    assert.equal(reg.status, 201);
    const login = await anon.post('/api/v1/auth/login', { username, password });
    assert.equal((await anon.post('/api/v1/auth/login', { username, password: `${password}-wrong` })).status, 401);
    const token: string = login.body.token;
    assert.equal((await new Api(server.url, token).get('/api/v1/me')).status, 200);
    assert.equal((await anon.req('GET', '/api/v1/me', undefined, { cookie: `natter_session=${reg.body.token}` })).status, 200);
    const marker = `/healthz?marker=${uniq('m')}`;
    assert.equal((await anon.get(marker)).status, 200);
    const out = await waitFor(() => (server.output().includes(marker) ? server.output() : ''), 'the request log line');
    assert.match(out, /"reqId":/);
    for (const secret of [password, token, reg.body.token]) assert.ok(!out.includes(secret), 'a secret was logged');
  });

  it('GET /docs/json is an OpenAPI 3 document listing the API routes; /docs serves a UI', async () => {
    const r = await anon.get('/docs/json');
    assert.equal(r.status, 200);
    assert.match(r.body.openapi, /^3\./);
    const paths = r.body.paths;
    const expect: [string, string][] = [
      ['/api/v1/auth/register', 'post'], ['/api/v1/auth/login', 'post'], ['/api/v1/auth/guest', 'post'], ['/api/v1/auth/logout', 'post'],
      ['/api/v1/me', 'get'], ['/api/v1/rooms', 'get'], ['/api/v1/rooms', 'post'], ['/api/v1/rooms/{room}', 'get'], ['/api/v1/rooms/{room}', 'patch'],
      ['/api/v1/rooms/{room}/join', 'post'], ['/api/v1/rooms/{room}/leave', 'post'], ['/api/v1/rooms/{room}/members', 'get'],
      ['/api/v1/rooms/{room}/members', 'post'], ['/api/v1/rooms/{room}/members/{username}', 'delete'], ['/api/v1/dm/{username}', 'post'],
      ['/api/v1/rooms/{room}/messages', 'post'], ['/api/v1/rooms/{room}/messages', 'get'], ['/api/v1/rooms/{room}/messages/{id}', 'patch'],
      ['/api/v1/rooms/{room}/messages/{id}', 'delete'], ['/api/v1/rooms/{room}/messages/{id}/reactions/{emoji}', 'put'],
      ['/api/v1/rooms/{room}/messages/{id}/reactions/{emoji}', 'delete'], ['/api/v1/rooms/{room}/typing', 'post'],
      ['/api/v1/rooms/{room}/read', 'post'], ['/api/v1/events', 'get'], ['/healthz', 'get'], ['/readyz', 'get'],
      // v1.1 §6
      ['/api/v1/bots', 'post'], ['/api/v1/bots', 'get'], ['/api/v1/bots/{username}/token', 'post'], ['/api/v1/bots/{username}', 'delete'],
      ['/api/v1/rooms/{room}/hooks', 'post'], ['/api/v1/rooms/{room}/hooks', 'get'], ['/api/v1/rooms/{room}/hooks/{id}', 'get'],
      ['/api/v1/rooms/{room}/hooks/{id}', 'patch'], ['/api/v1/rooms/{room}/hooks/{id}', 'delete'], ['/api/v1/hooks/{secret}', 'post'],
    ];
    for (const [path, method] of expect) assert.ok(paths[path]?.[method], `${method.toUpperCase()} ${path} in /docs/json`);
    const post = paths['/api/v1/rooms/{room}/messages'].post;
    assert.ok(post.requestBody?.content?.['application/json']?.schema, 'request body schema from the same TypeBox schema');
    const ui = await anon.req('GET', '/docs/');
    assert.equal(ui.status, 200);
    assert.match(ui.headers.get('content-type') ?? '', /text\/html/);
  });
});
