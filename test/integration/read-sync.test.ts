/**
 * Read markers follow the user across devices: moving the marker sends a `read`
 * event (an addition to v1, not stored, no id) to that user's streams only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newUser } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { dataOf, openEvents } from '../helpers/sse.ts';
import { uniq } from '../helpers/wait.ts';

describe('read markers across devices', () => {
  const server = useServer();

  it('POST /read on one device clears the unread count on the user\'s other streams, and nobody else hears of it', async () => {
    const alice = await newUser(server.url, 'ra');
    const bob = await newUser(server.url, 'rb');
    const room = uniq('rd');
    assert.equal((await alice.api.post('/api/v1/rooms', { name: room })).status, 201);
    assert.equal((await bob.api.post(`/api/v1/rooms/${room}/join`)).status, 200);
    const phone = await openEvents(server.url, bob.token);
    const aliceStream = await openEvents(server.url, alice.token);
    await alice.api.post(`/api/v1/rooms/${room}/messages`, { text: 'one' });
    const two = (await alice.api.post(`/api/v1/rooms/${room}/messages`, { text: 'two' })).body.message;
    await phone.waitFor((ev) => dataOf(ev, 'message').some((d) => d.message.text === 'two'), 'phone got both');
    assert.equal((await bob.api.get(`/api/v1/rooms/${room}`)).body.room.unread, 2);

    assert.equal((await bob.api.post(`/api/v1/rooms/${room}/read`, { seq: two.seq })).status, 204);
    await phone.waitFor((ev) => ev.some((e) => e.event === 'read'), 'the read event');
    const read = phone.events.find((e) => e.event === 'read')!;
    assert.deepEqual(JSON.parse(read.data), { room, seq: two.seq });
    assert.equal(read.hasId, false, 'not stored: no id');
    assert.equal((await bob.api.get(`/api/v1/rooms/${room}`)).body.room.unread, 0);

    // Alice never hears about Bob's marker: a later message arrives with no read event before it.
    await alice.api.post(`/api/v1/rooms/${room}/messages`, { text: 'marker' });
    await aliceStream.waitFor((ev) => dataOf(ev, 'message').some((d) => d.message.text === 'marker'), 'alice marker');
    assert.equal(aliceStream.events.some((e) => e.event === 'read'), false);
    phone.close();
    aliceStream.close();
  });
});
