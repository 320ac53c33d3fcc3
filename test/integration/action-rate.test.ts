/** NATTER_ACTION_RATE: one per-user budget shared by reactions, edits, deletes, read markers, member changes and room changes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newUser, post, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { uniq } from '../helpers/wait.ts';

let alice: TestUser;
let bob: TestUser;
const server = useServer({ NATTER_ACTION_RATE: '6/60s' }, {
  setup: async () => {
    alice = await newUser(server.url, 'ar');
    bob = await newUser(server.url, 'ar');
  },
});

describe('NATTER_ACTION_RATE', () => {
  it('one budget across routes: the 7th action of a user is 429 rate_limited with Retry-After; others, posts and typing go on', async () => {
    const name = uniq('ar');
    const a = alice.api;
    assert.equal((await a.post('/api/v1/rooms', { name, visibility: 'public' })).status, 201); // 1: create
    const m = await post(alice, name, 'hello'); // posting has its own limit
    assert.equal((await a.put(`/api/v1/rooms/${name}/messages/${m.id}/reactions/ok`)).status, 204); // 2: react
    assert.equal((await a.del(`/api/v1/rooms/${name}/messages/${m.id}/reactions/ok`)).status, 204); // 3: unreact
    assert.equal((await a.patch(`/api/v1/rooms/${name}/messages/${m.id}`, { text: 'edited' })).status, 200); // 4: edit
    assert.equal((await a.post(`/api/v1/rooms/${name}/read`, { seq: 1 })).status, 204); // 5: read marker
    assert.equal((await a.patch(`/api/v1/rooms/${name}`, { topic: 't' })).status, 200); // 6: room PATCH
    for (const [method, path, body] of [
      ['POST', `/api/v1/rooms/${name}/members`, { username: bob.name }],
      ['DELETE', `/api/v1/rooms/${name}/messages/${m.id}`, undefined],
      ['PUT', `/api/v1/rooms/${name}/messages/${m.id}/reactions/ok`, undefined],
      ['POST', `/api/v1/rooms/${name}/leave`, undefined],
      ['POST', '/api/v1/rooms', { name: uniq('ar'), visibility: 'public' }],
    ] as const) {
      const r = await a.req(method, path, body);
      assertError(r, 429, 'rate_limited');
      const retry = Number(r.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    }
    for (let i = 0; i < 3; i++) assert.equal((await a.post(`/api/v1/rooms/${name}/typing`)).status, 204, 'typing is never refused');
    await post(alice, name, 'still posting');
    assert.equal((await a.get(`/api/v1/rooms/${name}/messages`)).status, 200);
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/join`)).status, 200, 'another user has their own budget');
    assert.equal((await bob.api.post(`/api/v1/rooms/${name}/leave`)).status, 204);
  });
});
