/** Reactions under issue 10: at most 20 distinct emoji per message; Object.prototype names are ordinary emoji. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newUser, post, room, type TestUser } from '../helpers/api.ts';
import { assertError } from '../helpers/rest.ts';
import { useServer } from '../helpers/server.ts';
import { closeStream, dataOf, openEvents } from '../helpers/sse.ts';

let alice: TestUser;
let bob: TestUser;
const server = useServer({}, {
  setup: async () => {
    alice = await newUser(server.url, 'rl');
    bob = await newUser(server.url, 'rl');
  },
});

const path = (name: string, id: string, e: string): string => `/api/v1/rooms/${name}/messages/${id}/reactions/${encodeURIComponent(e)}`;

async function reactionsOf(u: TestUser, name: string): Promise<Record<string, string[]>> {
  const r = await u.api.get(`/api/v1/rooms/${name}/messages`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.messages[0].reactions;
}

describe('reaction cap', () => {
  it('20 distinct emoji fit, a 21st is 409 limit_reached; existing ones still take users; removing one makes room', async () => {
    const name = await room(alice, 'public', [bob]);
    const m = await post(alice, name, 'react');
    for (let i = 0; i < 20; i++) assert.equal((await alice.api.put(path(name, m.id, `e${i}`))).status, 204);
    assertError(await bob.api.put(path(name, m.id, 'e20')), 409, 'limit_reached');
    assert.equal((await bob.api.put(path(name, m.id, 'e3'))).status, 204, 'an emoji already present is not new');
    assert.equal(Object.keys(await reactionsOf(bob, name)).length, 20);
    assert.equal((await alice.api.del(path(name, m.id, 'e0'))).status, 204);
    assert.equal((await bob.api.put(path(name, m.id, 'e20'))).status, 204);
    assertError(await bob.api.put(path(name, m.id, 'e21')), 409, 'limit_reached');
  });

  it('concurrent new emoji never pass 20', async () => {
    const name = await room(alice, 'public', [bob]);
    const m = await post(alice, name, 'race');
    const res = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? alice : bob).api.put(path(name, m.id, `c${i}`))));
    assert.equal(res.filter((r) => r.status === 204).length, 20);
    assert.equal(res.filter((r) => r.status === 409).length, 10);
    assert.equal(Object.keys(await reactionsOf(alice, name)).length, 20);
  });
});

describe('Object.prototype names as emoji', () => {
  it('__proto__, constructor, toString and hasOwnProperty are ordinary emoji, in the message JSON and on the stream', async () => {
    const name = await room(alice, 'public', [bob]);
    const m = await post(alice, name, 'proto');
    const s = await openEvents(server.url, bob.token);
    try {
      const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
      for (const e of names) assert.equal((await alice.api.put(path(name, m.id, e))).status, 204, e);
      assert.equal((await bob.api.put(path(name, m.id, '__proto__'))).status, 204);
      const got = await reactionsOf(bob, name);
      assert.deepEqual(Object.keys(got).sort(), [...names].sort());
      assert.deepEqual(Object.getOwnPropertyDescriptor(got, '__proto__')?.value, [alice.name, bob.name]);
      assert.deepEqual(got.constructor, [alice.name]);
      await s.waitFor((ev) => dataOf(ev, 'message_updated', name).some((d) => Object.hasOwn(d.message.reactions, '__proto__')
        && Object.getOwnPropertyDescriptor(d.message.reactions, '__proto__')!.value.length === 2), 'updated with two __proto__');
      const updates = dataOf(s.events, 'message_updated', name);
      const final = updates[updates.length - 1].message.reactions;
      assert.deepEqual(Object.keys(final).sort(), [...names].sort());
      assert.equal((await alice.api.del(path(name, m.id, 'constructor'))).status, 204);
      assert.deepEqual(Object.keys(await reactionsOf(bob, name)).sort(), ['__proto__', 'hasOwnProperty', 'toString']);
    } finally {
      await closeStream(s);
    }
  });
});
