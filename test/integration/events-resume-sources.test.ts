/**
 * The event stream, resume from memory or from the store (issue 17 target 3): a stream that resumes inside the
 * node's recent tail is replayed from memory (core/replay.ts), one that resumes after a restart (empty tail)
 * from the store. Both must send the same stored events, id for id and byte for byte, on both stores —
 * including for a user whose rooms changed after the cursor (left one, was added to another: the store's member
 * spans decide), events of no room (`user_updated`), DMs and private rooms.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { dm, newUser, post, room, type TestUser } from '../helpers/api.ts';
import { closeStream, marker, openEvents, readyOf } from '../helpers/sse.ts';
import { describeEachStore, type StoreServer } from '../helpers/stores.ts';
import { uniq } from '../helpers/wait.ts';

type Stored = [id: string, event: string, data: string];

describeEachStore('resume: memory and store replay agree', (server: StoreServer) => {
  /** Resume `u` at `cursor`; returns its stored events (id, type, data) up to a marker posted in `markRoom`. */
  async function resume(u: TestUser, cursor: string, poster: TestUser, markRoom: string): Promise<Stored[]> {
    const s = await openEvents(server.url, u.token, { lastEventId: cursor });
    const [before] = await marker(poster, markRoom, [s]);
    await closeStream(s);
    return before!.filter((e) => e.hasId && e.event !== 'reset').map((e): Stored => [e.id, e.event, e.data]);
  }
  /** The events as `type:detail`, without the markers of earlier resumes. */
  const summary = (events: Stored[]): string[] => events.map(([, type, data]) => {
    const d = JSON.parse(data);
    return type === 'message' ? `message:${d.message.text}` : type === 'member_joined' || type === 'member_left' ? `${type}:${d.room}:${d.user.username}` : type;
  }).filter((x) => !x.startsWith('message:marker'));

  it('a user whose rooms changed after the cursor, and one whose did not, get the same events from memory as from the store', async () => {
    const alice = await newUser(server.url, 'ra');
    const bob = await newUser(server.url, 'rb');
    const carol = await newUser(server.url, 'rc');
    const stay = await room(alice, 'private', [bob, carol]);
    const left = await room(alice, 'private', [bob, carol]);
    const added = await room(alice, 'private', [carol]);
    const direct = await dm(alice, bob);
    const first = await openEvents(server.url, bob.token);
    const cursor = readyOf(first).cursor as string;
    await closeStream(first);

    // After the cursor: bob leaves one room and is added to another; carol's rooms do not change.
    await post(alice, stay, 'stay 1');
    await post(alice, left, 'left 1');
    assert.equal((await bob.api.post(`/api/v1/rooms/${left}/leave`)).status, 204);
    await post(alice, left, 'left 2 (bob gone)');
    await post(alice, added, 'added 1 (before bob)');
    assert.equal((await alice.api.post(`/api/v1/rooms/${added}/members`, { username: bob.name })).status, 200);
    await post(alice, added, 'added 2');
    const profile = await alice.api.patch('/api/v1/users/me', { display_name: uniq('Alice') });
    assert.equal(profile.status, 200, JSON.stringify(profile.body));
    await post(alice, direct, 'dm 1');

    const bobMemory = await resume(bob, cursor, alice, stay);
    const carolMemory = await resume(carol, cursor, alice, stay);
    assert.deepEqual(summary(bobMemory), [
      'message:stay 1', 'message:left 1', `member_left:${left}:${bob.name}`,
      `member_joined:${added}:${bob.name}`, 'message:added 2', 'user_updated', 'message:dm 1',
    ]);
    assert.deepEqual(summary(carolMemory), [
      'message:stay 1', 'message:left 1', `member_left:${left}:${bob.name}`, 'message:left 2 (bob gone)',
      'message:added 1 (before bob)', `member_joined:${added}:${bob.name}`, 'message:added 2', 'user_updated',
    ]);

    // After a restart the node's tail is empty: the same cursors are replayed from the store.
    await server.restart();
    const bobStore = await resume(bob, cursor, alice, stay);
    const carolStore = await resume(carol, cursor, alice, stay);
    // The later resumes also get the markers posted by the earlier ones (after these).
    assert.deepEqual(bobStore.slice(0, bobMemory.length), bobMemory, 'bob: memory and store replay, id for id and byte for byte');
    assert.deepEqual(carolStore.slice(0, carolMemory.length), carolMemory, 'carol: memory and store replay, id for id and byte for byte');
  });
});
