/** Concurrent posting: many clients, one room, seq stays exactly 1..N with no gaps and no duplicates. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, newUser, PASSWORD } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { uniq } from '../helpers/wait.ts';

const CLIENTS = 20;
const MESSAGES = 500;

const server = useServer();

/** The whole history of a room, paged with `after` in pages of 200. */
async function allMessages(api: Api, room: string): Promise<any[]> {
  const out: any[] = [];
  for (;;) {
    const after = out.length ? out[out.length - 1].seq : 0;
    const r = await api.get(`/api/v1/rooms/${room}/messages?after=${after}&limit=200`);
    assert.equal(r.status, 200);
    if (r.body.messages.length === 0) return out;
    out.push(...r.body.messages);
  }
}

describe('concurrent posting', () => {
  it(`${CLIENTS} clients post ${MESSAGES} messages in parallel into one room: seq is exactly 1..${MESSAGES}`, async () => {
    const room = uniq('conc');
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => newUser(server.url, 'c')));
    assert.equal((await clients[0]!.api.post('/api/v1/rooms', { name: room, visibility: 'public' })).status, 201);
    await Promise.all(clients.slice(1).map(async (c) => assert.equal((await c.api.post(`/api/v1/rooms/${room}/join`)).status, 200)));

    // Every client has its share in flight at once (not one after another).
    const results = await Promise.all(Array.from({ length: MESSAGES }, (_, i) => {
      const c = clients[i % CLIENTS]!;
      return c.api.post(`/api/v1/rooms/${room}/messages`, { text: `msg ${i}`, client_id: `k${i}` });
    }));
    for (const r of results) assert.equal(r.status, 201, JSON.stringify(r.body));
    const returned = results.map((r) => r.body.message.seq).sort((a, b) => a - b);
    assert.deepEqual(returned, Array.from({ length: MESSAGES }, (_, i) => i + 1), 'the seqs handed back are 1..N, each once');

    const history = await allMessages(clients[0]!.api, room);
    assert.equal(history.length, MESSAGES);
    assert.deepEqual(history.map((m) => m.seq), Array.from({ length: MESSAGES }, (_, i) => i + 1), 'history is gapless and ascending');
    assert.equal(new Set(history.map((m) => m.id)).size, MESSAGES, 'no duplicate ids');
    assert.deepEqual(history.map((m) => m.text).sort(), Array.from({ length: MESSAGES }, (_, i) => `msg ${i}`).sort(), 'every message exactly once');
    for (const m of history) {
      const i = Number(m.text.slice(4));
      assert.equal(m.author.username, clients[i % CLIENTS]!.name);
      assert.equal(m.client_id, `k${i}`);
    }
    assert.equal((await clients[1]!.api.get(`/api/v1/rooms/${room}`)).body.room.last_seq, MESSAGES);
  });

  it('concurrent retries of one client_id create exactly one message', async () => {
    const room = uniq('retry');
    const { api } = await newUser(server.url, 'r');
    assert.equal((await api.post('/api/v1/rooms', { name: room, visibility: 'public' })).status, 201);
    const results = await Promise.all(Array.from({ length: 20 }, () => api.post(`/api/v1/rooms/${room}/messages`, { text: 'once', client_id: 'same' })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(19).fill(200), 201].sort());
    assert.equal(new Set(results.map((r) => r.body.message.id)).size, 1);
    assert.equal((await allMessages(api, room)).length, 1);
  });

  it('concurrent registrations of one name in different letter cases: exactly one wins, the rest get 409', async () => {
    const base = uniq('race');
    const names = Array.from({ length: 8 }, (_, i) => (i % 2 ? base.toUpperCase() : base));
    const anon = new Api(server.url);
    const results = await Promise.all(names.map((username) => anon.post('/api/v1/auth/register', { username, password: PASSWORD })));
    assert.equal(results.filter((r) => r.status === 201).length, 1);
    for (const r of results.filter((x) => x.status !== 201)) assert.equal(r.body.error.code, 'username_taken');
  });
});
