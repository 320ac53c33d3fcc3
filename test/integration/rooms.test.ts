/** Rooms, membership and direct messages: visibility, ownership, name rules, DMs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, newUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { uniq } from '../helpers/wait.ts';

let owner: Api;
let ownerName: string;
let other: Api;
let otherName: string;
const server = useServer({}, {
  setup: async () => {
    ({ api: owner, name: ownerName } = await newUser(server.url, 'own'));
    ({ api: other, name: otherName } = await newUser(server.url, 'oth'));
  },
});

async function createRoom(api: Api, visibility: 'public' | 'private', topic?: string): Promise<string> {
  const name = uniq('r');
  const r = await api.post('/api/v1/rooms', { name, visibility, ...(topic === undefined ? {} : { topic }) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return name;
}

const ROOM_KEYS = ['created_at', 'kind', 'last_seq', 'member', 'mentions', 'name', 'notifications', 'topic', 'unread', 'visibility'];

describe('listing and creating rooms', () => {
  it('general exists from the first start, public, and every user is a member', async () => {
    const r = await other.get('/api/v1/rooms/general');
    assert.equal(r.status, 200);
    assert.equal(r.body.room.name, 'general');
    assert.equal(r.body.room.visibility, 'public');
    assert.equal(r.body.room.kind, 'room');
    assert.equal(r.body.room.member, true);
  });

  it('POST /rooms creates a room: 201 with the full room object, and you are its owner', async () => {
    const name = uniq('new');
    const r = await owner.post('/api/v1/rooms', { name, topic: 'Plans', visibility: 'public' });
    assert.equal(r.status, 201);
    assert.deepEqual(Object.keys(r.body.room).sort(), ROOM_KEYS);
    assert.equal(r.body.room.name, name);
    assert.equal(r.body.room.topic, 'Plans');
    assert.equal(r.body.room.visibility, 'public');
    assert.equal(r.body.room.kind, 'room');
    assert.equal(r.body.room.member, true);
    assert.equal(r.body.room.unread, 0);
    assert.equal(r.body.room.last_seq, 0);
    assert.match(r.body.room.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const members = await owner.get(`/api/v1/rooms/${name}/members`);
    assert.deepEqual(members.body.members.map((m: any) => [m.user.username, m.role]), [[ownerName, 'owner']]);
  });

  it('409 room_exists for a taken name', async () => {
    const name = await createRoom(owner, 'public');
    assertError(await other.post('/api/v1/rooms', { name, visibility: 'private' }), 409, 'room_exists');
    assertError(await other.post('/api/v1/rooms', { name: 'general', visibility: 'public' }), 409, 'room_exists');
  });

  it('room names: 1-64 of [a-z0-9_-] starting with a letter or digit; dm- is reserved', async () => {
    const okNames = ['q', `0${uniq('d')}`, `a_b-c${uniq('')}`, uniq('l').padEnd(64, 'x')];
    for (const name of okNames) assert.equal((await owner.post('/api/v1/rooms', { name, visibility: 'public' })).status, 201, name);
    const bad = ['', 'Upper', '-lead', '_lead', 'x'.repeat(65), 'has space', 'dot.name', 'émoji', 'a/b', `dm-${uniq('')}`, 'dm-1-2'];
    for (const name of bad) assertError(await owner.post('/api/v1/rooms', { name, visibility: 'public' }), 400, 'invalid_request');
  });

  it('rejects a bad visibility or an over-long topic with 400 invalid_request', async () => {
    assertError(await owner.post('/api/v1/rooms', { name: uniq('v'), visibility: 'secret' }), 400, 'invalid_request');
    assertError(await owner.post('/api/v1/rooms', { name: uniq('v'), visibility: 'public', topic: 't'.repeat(257) }), 400, 'invalid_request');
    assertError(await owner.post('/api/v1/rooms', { visibility: 'public' }), 400, 'invalid_request');
  });

  it('GET /rooms lists public rooms and the private rooms you belong to, with a cursor', async () => {
    const pub = await createRoom(owner, 'public');
    const priv = await createRoom(owner, 'private');
    const mine = await owner.get('/api/v1/rooms');
    assert.equal(mine.status, 200);
    assert.equal(typeof mine.body.cursor, 'string');
    const names = mine.body.rooms.map((r: any) => r.name);
    for (const n of ['general', pub, priv]) assert.ok(names.includes(n), n);
    const theirs = (await other.get('/api/v1/rooms')).body.rooms;
    const p = theirs.find((r: any) => r.name === pub);
    assert.ok(p, 'public room visible to non-members');
    assert.equal(p.member, false);
    assert.ok(!theirs.some((r: any) => r.name === priv), 'private room hidden from non-members');
  });

  it('GET /rooms/:room is 404 not_found for an unknown room', async () => {
    assertError(await owner.get(`/api/v1/rooms/${uniq('none')}`), 404, 'not_found');
    assertError(await owner.get('/api/v1/rooms/NOT_A_NAME'), 404, 'not_found');
  });
});

describe('private rooms are invisible to non-members', () => {
  it('GET room, messages, members and join are all 404, and so are posting and the owner-only routes', async () => {
    const priv = await createRoom(owner, 'private');
    assert.equal((await owner.post(`/api/v1/rooms/${priv}/messages`, { text: 'secret' })).status, 201);
    for (const [method, path, body] of [
      ['GET', `/api/v1/rooms/${priv}`], ['GET', `/api/v1/rooms/${priv}/messages`], ['GET', `/api/v1/rooms/${priv}/members`],
      ['POST', `/api/v1/rooms/${priv}/join`], ['POST', `/api/v1/rooms/${priv}/messages`, { text: 'hi' }],
      ['PATCH', `/api/v1/rooms/${priv}`, { topic: 'x' }], ['POST', `/api/v1/rooms/${priv}/members`, { username: otherName }],
      ['POST', `/api/v1/rooms/${priv}/leave`], ['POST', `/api/v1/rooms/${priv}/read`, { seq: 1 }], ['POST', `/api/v1/rooms/${priv}/typing`],
    ] as const) {
      assertError(await other.req(method, path, body), 404, 'not_found');
    }
  });

  it('the owner adds a member, who can then see and use it; removing them hides it again', async () => {
    const priv = await createRoom(owner, 'private');
    const add = await owner.post(`/api/v1/rooms/${priv}/members`, { username: otherName.toUpperCase() });
    assert.equal(add.status, 200);
    assert.equal(add.body.room.name, priv);
    const seen = await other.get(`/api/v1/rooms/${priv}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.room.member, true);
    assert.ok((await other.get('/api/v1/rooms')).body.rooms.some((r: any) => r.name === priv));
    assert.equal((await other.post(`/api/v1/rooms/${priv}/messages`, { text: 'thanks' })).status, 201);
    assert.equal((await other.post(`/api/v1/rooms/${priv}/join`)).status, 200, 'join is a no-op for a member');
    const members = (await owner.get(`/api/v1/rooms/${priv}/members`)).body.members;
    assert.deepEqual(members.map((m: any) => [m.user.username, m.role]).sort(), [[otherName, 'member'], [ownerName, 'owner']].sort());
    for (const m of members) assert.equal(typeof m.online, 'boolean');

    const del = await owner.del(`/api/v1/rooms/${priv}/members/${otherName}`);
    assert.equal(del.status, 204);
    assertError(await other.get(`/api/v1/rooms/${priv}`), 404, 'not_found');
    assertError(await other.get(`/api/v1/rooms/${priv}/messages`), 404, 'not_found');
  });
});

describe('owner-only actions', () => {
  it('PATCH by the owner changes topic and visibility: 200 with the room', async () => {
    const name = await createRoom(owner, 'public', 'old');
    const r = await owner.patch(`/api/v1/rooms/${name}`, { topic: 'new topic' });
    assert.equal(r.status, 200);
    assert.equal(r.body.room.topic, 'new topic');
    assert.equal(r.body.room.visibility, 'public');
    const v = await owner.patch(`/api/v1/rooms/${name}`, { visibility: 'private' });
    assert.equal(v.status, 200);
    assert.equal(v.body.room.visibility, 'private');
    assert.equal(v.body.room.topic, 'new topic');
    assertError(await other.get(`/api/v1/rooms/${name}`), 404, 'not_found');
    assertError(await owner.patch(`/api/v1/rooms/${name}`, { visibility: 'hidden' }), 400, 'invalid_request');
    assertError(await owner.patch(`/api/v1/rooms/${name}`, { topic: 'line\nbreak' }), 400, 'invalid_request');
  });

  it('PATCH, member add and member remove by a non-owner are 403 forbidden (members and non-members of a public room)', async () => {
    const name = await createRoom(owner, 'public');
    const { api: third, name: thirdName } = await newUser(server.url, 'thr');
    for (const who of [other, third]) {
      assertError(await who.patch(`/api/v1/rooms/${name}`, { topic: 'hijack' }), 403, 'forbidden');
      assertError(await who.post(`/api/v1/rooms/${name}/members`, { username: thirdName }), 403, 'forbidden');
      assertError(await who.del(`/api/v1/rooms/${name}/members/${ownerName}`), 403, 'forbidden');
      assert.equal((await who.post(`/api/v1/rooms/${name}/join`)).status, 200);
    }
    assert.equal((await owner.get(`/api/v1/rooms/${name}`)).body.room.topic, '');
    assertError(await other.del(`/api/v1/rooms/${name}/members/${thirdName}`), 403, 'forbidden');
    assert.ok((await owner.get(`/api/v1/rooms/${name}/members`)).body.members.some((m: any) => m.user.username === thirdName));
    // `general` has no owner: nobody but an admin may change it (here `owner`, the first account, is the admin: v1.1 §5).
    assertError(await other.patch('/api/v1/rooms/general', { topic: 'x' }), 403, 'forbidden');
  });

  it('adding or removing an unknown user is 404; a bad body is 400', async () => {
    const name = await createRoom(owner, 'private');
    assertError(await owner.post(`/api/v1/rooms/${name}/members`, { username: uniq('ghost') }), 404, 'not_found');
    assertError(await owner.del(`/api/v1/rooms/${name}/members/${uniq('ghost')}`), 404, 'not_found');
    assertError(await owner.post(`/api/v1/rooms/${name}/members`, {}), 400, 'invalid_request');
  });
});

describe('join and leave', () => {
  it('join a public room: 200 with member: true; leave: 204 and member: false; posting then needs a join', async () => {
    const name = await createRoom(owner, 'public');
    const before = await other.get(`/api/v1/rooms/${name}`);
    assert.equal(before.body.room.member, false);
    assertError(await other.post(`/api/v1/rooms/${name}/messages`, { text: 'not yet' }), 403, 'forbidden');
    const j = await other.post(`/api/v1/rooms/${name}/join`);
    assert.equal(j.status, 200);
    assert.equal(j.body.room.name, name);
    assert.equal(j.body.room.member, true);
    assert.equal((await other.post(`/api/v1/rooms/${name}/messages`, { text: 'now' })).status, 201);
    const l = await other.post(`/api/v1/rooms/${name}/leave`);
    assert.equal(l.status, 204);
    assert.equal((await other.get(`/api/v1/rooms/${name}`)).body.room.member, false);
    assertError(await other.post(`/api/v1/rooms/${name}/messages`, { text: 'gone' }), 403, 'forbidden');
  });

  it('join or leave an unknown room is 404', async () => {
    assertError(await other.post(`/api/v1/rooms/${uniq('none')}/join`), 404, 'not_found');
    assertError(await other.post(`/api/v1/rooms/${uniq('none')}/leave`), 404, 'not_found');
  });

  it('GET members lists users with role and online for a public room, even to non-members', async () => {
    const name = await createRoom(owner, 'public');
    const { api: third } = await newUser(server.url, 'mem');
    const r = await third.get(`/api/v1/rooms/${name}/members`);
    assert.equal(r.status, 200);
    assert.equal(r.body.members.length, 1);
    assert.deepEqual(Object.keys(r.body.members[0]).sort(), ['online', 'role', 'user']);
    assert.deepEqual(Object.keys(r.body.members[0].user).sort(), ['id', 'username']);
    assertError(await third.get(`/api/v1/rooms/${uniq('none')}/members`), 404, 'not_found');
  });
});

describe('direct messages', () => {
  for (const firstCaller of ['a', 'b'] as const) {
    it(`POST /dm/:username returns the same private room whichever of the two asks first (${firstCaller} first)`, async () => {
      const a = await newUser(server.url, 'dma');
      const b = await newUser(server.url, 'dmb');
      const [first, second] = firstCaller === 'a' ? [a, b] : [b, a];
      const r1 = await first.api.post(`/api/v1/dm/${second.name}`);
      assert.equal(r1.status, 200);
      const r2 = await second.api.post(`/api/v1/dm/${first.name.toUpperCase()}`);
      assert.equal(r2.status, 200);
      assert.equal(r1.body.room.name, r2.body.room.name);
      assert.match(r1.body.room.name, /^dm-/);
      for (const [r, peer] of [[r1, second], [r2, first]] as const) {
        assert.equal(r.body.room.kind, 'dm');
        assert.equal(r.body.room.visibility, 'private');
        assert.equal(r.body.room.member, true);
        assert.deepEqual(r.body.room.peer, { id: peer.id, username: peer.name });
      }
      const again = await first.api.post(`/api/v1/dm/${second.name}`);
      assert.equal(again.body.room.name, r1.body.room.name);
      const dm = r1.body.room.name;
      assert.equal((await first.api.post(`/api/v1/rooms/${dm}/messages`, { text: 'psst' })).status, 201);
      const hist = await second.api.get(`/api/v1/rooms/${dm}/messages`);
      assert.deepEqual(hist.body.messages.map((m: any) => m.text), ['psst']);
      assert.ok((await second.api.get('/api/v1/rooms')).body.rooms.some((x: any) => x.name === dm && x.peer?.id === first.id));
      assertError(await owner.get(`/api/v1/rooms/${dm}`), 404, 'not_found');
      assertError(await owner.post(`/api/v1/rooms/${dm}/join`), 404, 'not_found');
      assertError(await owner.get(`/api/v1/rooms/${dm}/messages`), 404, 'not_found');
    });
  }

  it('a DM with an unknown user is 404', async () => {
    assertError(await owner.post(`/api/v1/dm/${uniq('ghost')}`), 404, 'not_found');
  });
});
