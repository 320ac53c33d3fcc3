/** GET /rooms/:room/members paged (API v1.1 §7): `limit` and `cursor` → `{members, next}` by username; v1 without them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, PASSWORD, room, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { uniq } from '../helpers/wait.ts';

let owner: TestUser;
let roomName: string;
/** Every member's username in case-insensitive order: the paged order. */
let byName: string[];

/** Register `prefix` + a unique tail, keeping the prefix's case. */
async function register(base: string, prefix: string): Promise<TestUser> {
  const api = new Api(base);
  const r = await api.post('/api/v1/auth/register', { username: prefix + uniq('').slice(0, 16), password: PASSWORD });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  api.token = r.body.token;
  return { api, id: r.body.user.id, name: r.body.user.username, token: r.body.token };
}

const server = useServer({}, {
  setup: async (s) => {
    // the owner sorts last by name, so v1 (owners first) and the paged order differ
    owner = await register(s.url, 'zoe');
    const others: TestUser[] = [];
    for (const p of ['Amy', 'bob', 'Cat', 'd.n', 'd_n', 'Eve']) others.push(await register(s.url, p));
    roomName = await room(owner, 'private', others);
    byName = [owner, ...others].map((u) => u.name).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  },
});

const members = (query = ''): Promise<any> => owner.api.get(`/api/v1/rooms/${roomName}/members${query}`);

describe('GET /rooms/:room/members?limit=&cursor=', () => {
  it('7 members with limit 3: pages of 3, 3 and 1 by username (case-insensitive), next null at the end; v1 without limit', async () => {
    const p1 = await members('?limit=3');
    assert.equal(p1.status, 200, JSON.stringify(p1.body));
    assert.deepEqual(Object.keys(p1.body).sort(), ['members', 'next']);
    assert.equal(typeof p1.body.next, 'string');
    const p2 = await members(`?limit=3&cursor=${encodeURIComponent(p1.body.next)}`);
    assert.equal(p2.status, 200, JSON.stringify(p2.body));
    assert.equal(typeof p2.body.next, 'string');
    const p3 = await members(`?limit=3&cursor=${encodeURIComponent(p2.body.next)}`);
    assert.equal(p3.status, 200, JSON.stringify(p3.body));
    assert.equal(p3.body.next, null);
    assert.deepEqual([p1, p2, p3].map((p) => p.body.members.length), [3, 3, 1]);
    const names = [p1, p2, p3].flatMap((p) => p.body.members.map((m: any) => m.user.username));
    assert.deepEqual(names, byName);
    const zoe = p3.body.members[0];
    assert.deepEqual({ ...zoe, online: typeof zoe.online }, { user: { id: owner.id, username: owner.name }, role: 'owner', online: 'boolean' });

    // without limit or cursor: the v1 answer, owners first, no next
    const v1 = await members();
    assert.equal(v1.status, 200);
    assert.deepEqual(Object.keys(v1.body), ['members']);
    assert.deepEqual(v1.body.members.map((m: any) => [m.user.username, m.role]),
      [[owner.name, 'owner'], ...byName.filter((n) => n !== owner.name).map((n) => [n, 'member'])]);
  });

  it('limit 7 or more: one page, next null (never an empty last page)', async () => {
    for (const limit of [7, 200]) {
      const r = await members(`?limit=${limit}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.members.length, 7);
      assert.equal(r.body.next, null);
    }
  });

  it('cursor without limit pages with the default size (50)', async () => {
    const p1 = await members('?limit=1');
    const rest = await members(`?cursor=${encodeURIComponent(p1.body.next)}`);
    assert.equal(rest.status, 200);
    assert.deepEqual(rest.body.members.map((m: any) => m.user.username), byName.slice(1));
    assert.equal(rest.body.next, null);
  });

  it('a malformed cursor, limit 0, limit 201 or a non-integer limit: 400 invalid_request; non-members of a private room 404', async () => {
    const bad = ['?limit=3&cursor=!!!', '?limit=3&cursor=Zm9v_', '?limit=3&cursor=QUJD', `?cursor=${'a'.repeat(65)}`, '?limit=3&cursor=',
      '?limit=0', '?limit=201', '?limit=2.5', '?limit=x'];
    for (const q of bad) assertError(await members(q), 400, 'invalid_request');
    const stranger = await register(server.url, 'str');
    for (const q of ['', '?limit=3']) assertError(await stranger.api.get(`/api/v1/rooms/${roomName}/members${q}`), 404, 'not_found');
  });
});
