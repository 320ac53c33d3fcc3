/**
 * Persistence: stop the server (SIGTERM, exit 0) or kill it (SIGKILL), start it again on the same
 * database file, and everything acknowledged before is still there: users, sessions, rooms, members,
 * messages (edits, deletions), reactions, read markers. The tests run in order on one server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, newUser, PASSWORD, type TestUser } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { uniq } from '../helpers/wait.ts';

const server = useServer();
let alice: TestUser;
let bob: TestUser;
let guestToken: string;
let loggedOutToken: string;
const pub = uniq('pub');
const priv = uniq('priv');
let dm: string;

/** Everything a user would notice, as seen by alice and bob. */
async function snapshot(): Promise<unknown> {
  const a = new Api(server.url, alice.token);
  const b = new Api(server.url, bob.token);
  const get = async (api: Api, path: string) => {
    const r = await api.get(path);
    assert.equal(r.status, 200, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const rooms = (body: any) => body.rooms;
  return {
    me: [await get(a, '/api/v1/me'), await get(b, '/api/v1/me')],
    rooms: [rooms(await get(a, '/api/v1/rooms')), rooms(await get(b, '/api/v1/rooms'))],
    history: await Promise.all([pub, priv, dm, 'general'].map((r) => get(a, `/api/v1/rooms/${r}/messages?limit=200`))),
    members: await Promise.all([pub, priv, dm].map((r) => get(b, `/api/v1/rooms/${r}/members`).then((x) => x.members.map((m: any) => [m.user, m.role])))),
  };
}

describe('persistence across restarts', () => {
  let before: any;

  it('sets up users, sessions, rooms, messages, reactions and read markers', async () => {
    alice = await newUser(server.url, 'pa');
    bob = await newUser(server.url, 'pb');
    const g = await new Api(server.url).post('/api/v1/auth/guest', { username: uniq('pg') });
    guestToken = g.body.token;
    const gone = await new Api(server.url).post('/api/v1/auth/login', { username: alice.name, password: PASSWORD });
    loggedOutToken = gone.body.token;
    assert.equal((await new Api(server.url, loggedOutToken).post('/api/v1/auth/logout')).status, 204);

    const a = alice.api;
    const b = bob.api;
    assert.equal((await a.post('/api/v1/rooms', { name: pub, topic: 'public stuff', visibility: 'public' })).status, 201);
    assert.equal((await a.post('/api/v1/rooms', { name: priv, topic: 'secret stuff', visibility: 'private' })).status, 201);
    assert.equal((await b.post(`/api/v1/rooms/${pub}/join`)).status, 200);
    assert.equal((await a.post(`/api/v1/rooms/${priv}/members`, { username: bob.name })).status, 200);
    dm = (await b.post(`/api/v1/dm/${alice.name}`)).body.room.name;

    const m1 = (await a.post(`/api/v1/rooms/${pub}/messages`, { text: 'first', client_id: 'c1' })).body.message;
    const m2 = (await b.post(`/api/v1/rooms/${pub}/messages`, { text: 'second' })).body.message;
    const m3 = (await b.post(`/api/v1/rooms/${pub}/messages`, { text: 'to be deleted' })).body.message;
    await b.post(`/api/v1/rooms/${pub}/messages`, { text: 'unread one' });
    assert.equal((await b.patch(`/api/v1/rooms/${pub}/messages/${m2.id}`, { text: 'second, edited' })).status, 200);
    assert.equal((await b.del(`/api/v1/rooms/${pub}/messages/${m3.id}`)).status, 204);
    assert.equal((await b.put(`/api/v1/rooms/${pub}/messages/${m1.id}/reactions/${encodeURIComponent('🎉')}`)).status, 204);
    assert.equal((await a.put(`/api/v1/rooms/${pub}/messages/${m1.id}/reactions/ok`)).status, 204);
    assert.equal((await a.post(`/api/v1/rooms/${pub}/read`, { seq: 3 })).status, 204);
    await a.post(`/api/v1/rooms/${priv}/messages`, { text: 'private words' });
    await b.post(`/api/v1/rooms/${dm}/messages`, { text: 'just us' });
    await a.post('/api/v1/rooms/general/messages', { text: 'hello everyone' });

    before = await snapshot();
    const pubRoom = (before as any).rooms[0].find((r: any) => r.name === pub);
    assert.equal(pubRoom.unread, 1);
    assert.equal(pubRoom.last_seq, 4);
  });

  it('SIGTERM stops the process with exit code 0', async () => {
    assert.equal(await server.stop(), 0);
  });

  it('after a restart on the same database everything is still there, and sessions still work', async () => {
    await server.restart();
    assert.deepEqual(await snapshot(), before);
    const g = await new Api(server.url, guestToken).get('/api/v1/me');
    assert.equal(g.status, 200);
    assert.equal(g.body.user.guest, true);
    assert.equal((await new Api(server.url, loggedOutToken).get('/api/v1/me')).status, 401, 'a logged-out token stays dead');
    const login = await new Api(server.url).post('/api/v1/auth/login', { username: bob.name, password: PASSWORD });
    assert.equal(login.status, 200);
    assert.equal(login.body.user.id, bob.id);
    const rooms = (await new Api(server.url, alice.token).get('/api/v1/rooms')).body.rooms;
    assert.equal(rooms.filter((r: any) => r.name === 'general').length, 1, 'general is not created twice');
  });

  it('after a restart, seq continues, client_id retries still dedupe, DMs and names stay unique', async () => {
    const a = new Api(server.url, alice.token);
    const retry = await a.post(`/api/v1/rooms/${pub}/messages`, { text: 'first', client_id: 'c1' });
    assert.equal(retry.status, 200);
    assert.equal(retry.body.message.seq, 1);
    const next = await a.post(`/api/v1/rooms/${pub}/messages`, { text: 'after restart' });
    assert.equal(next.status, 201);
    assert.equal(next.body.message.seq, 5);
    assert.equal((await a.post(`/api/v1/dm/${bob.name}`)).body.room.name, dm);
    assert.equal((await new Api(server.url).post('/api/v1/auth/register', { username: alice.name.toUpperCase(), password: PASSWORD })).status, 409);
    assert.equal((await a.post('/api/v1/rooms', { name: pub, visibility: 'public' })).status, 409);
  });

  it('after kill -9, every acknowledged write is still there', async () => {
    const a = new Api(server.url, alice.token);
    const b = new Api(server.url, bob.token);
    const acked = [];
    for (let i = 0; i < 20; i++) acked.push((await b.post(`/api/v1/rooms/${pub}/messages`, { text: `acked ${i}` })).body.message);
    const last = acked[acked.length - 1];
    assert.equal((await a.put(`/api/v1/rooms/${pub}/messages/${last.id}/reactions/fire`)).status, 204);
    const fresh = await newUser(server.url, 'pk');
    const expected = await snapshot();
    await server.kill();
    await server.restart();
    assert.deepEqual(await snapshot(), expected);
    assert.equal((await new Api(server.url, fresh.token).get('/api/v1/me')).body.user.id, fresh.id);
    const h = (await a.get(`/api/v1/rooms/${pub}/messages?after=5`)).body.messages;
    assert.deepEqual(h.map((m: any) => m.text), acked.map((m) => m.text));
    assert.deepEqual(h[h.length - 1].reactions, { fire: [alice.name] });
  });

  it('SIGTERM while posts are in flight: exit 0, and every acknowledged post is kept after the restart', async () => {
    const b = new Api(server.url, bob.token);
    const texts = Array.from({ length: 60 }, (_, i) => `inflight ${i}`);
    const sending = texts.map((text) => b.post(`/api/v1/rooms/${pub}/messages`, { text }).then((r) => r, () => null));
    // Stop as soon as the first of them has been answered, with the rest still on their way.
    await Promise.race(sending);
    const code = await server.stop();
    const results = await Promise.all(sending);
    assert.equal(code, 0);
    const acked = results.filter((r) => r !== null && r.status === 201).map((r) => r!.body.message.text);
    assert.ok(acked.length >= 1);
    for (const r of results) {
      if (r === null || r.status === 201) continue;
      assert.equal(r.status, 503, `in-flight answer ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'unavailable', 'a refused request gets the contract error shape');
    }
    await server.restart();
    const kept = new Set((await b.get(`/api/v1/rooms/${pub}/messages?limit=200`)).body.messages.map((m: any) => m.text));
    for (const t of acked) assert.ok(kept.has(t), `acknowledged "${t}" was lost`);
  });
});
