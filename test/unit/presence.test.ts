/**
 * Presence (src/core/presence.ts) in process: online/offline as peers in shared
 * rooms see it (real Hub, recording sinks), the grace period, and other nodes'
 * announcements and syncs (a recording PresencePeers). Time is node:test's mock
 * clock: the grace period and refresh periods pass by `mock.timers.tick`, never by sleeping.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Hub } from '../../src/core/hub.ts';
import { Presence, type PresencePeers, type PresenceSet } from '../../src/core/presence.ts';
import type { UserRef } from '../../src/core/types.ts';
import { LOG_ID, liveStream, nextTick, RecordingMetrics, type TestStream } from '../helpers/core-fakes.ts';

const alice: UserRef = { id: 'alice', username: 'alice' };
const carol: UserRef = { id: 'carol', username: 'carol' };
const dave: UserRef = { id: 'dave', username: 'dave' };
const GRACE = 5000;
const REFRESH = 1000;

class RecordingPeers implements PresencePeers {
  readonly announced: { user: string; online: boolean; roomIds: number[] }[] = [];
  readonly syncs: { ask: boolean; users: PresenceSet }[] = [];
  presence(user: UserRef, online: boolean, roomIds: number[]): void {
    this.announced.push({ user: user.id, online, roomIds });
  }
  presenceSync(ask: boolean, users: PresenceSet): void {
    this.syncs.push({ ask, users });
  }
}

const presences: Presence[] = [];
function setup(withPeers = true): { hub: Hub; presence: Presence; peers: RecordingPeers; bob: TestStream } {
  const hub = new Hub(LOG_ID, new RecordingMetrics());
  const peers = new RecordingPeers();
  const presence = new Presence({ hub, graceMs: GRACE, peers: withPeers ? peers : null, refreshMs: REFRESH });
  presences.push(presence);
  const bob = liveStream(hub, 'bob', [1, 2]); // bob watches rooms 1 and 2
  return { hub, presence, peers, bob };
}

/** What bob's stream was told, as `user:online|offline`. */
async function seen(bob: TestStream): Promise<string[]> {
  await nextTick();
  return bob.sink.events('presence').map((e) => {
    const d = JSON.parse(e.data) as { user: UserRef; online: boolean };
    return `${d.user.id}:${d.online ? 'online' : 'offline'}`;
  });
}

describe('Presence', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] }));
  afterEach(() => {
    for (const p of presences.splice(0)) p.close();
    mock.timers.reset();
  });

  it('a user comes online with their first live stream, and peers in shared rooms are told once', async () => {
    const { presence, peers, bob } = setup();
    presence.up(alice, [1, 3]);
    assert.equal(presence.isOnline('alice'), true);
    presence.up(alice, [1, 3]); // a second tab
    assert.deepEqual(await seen(bob), ['alice:online']);
    assert.deepEqual(peers.announced, [{ user: 'alice', online: true, roomIds: [1, 3] }]);
  });

  it('a user goes offline graceMs after their last stream closes, and not while another is open', async () => {
    const { presence, peers, bob } = setup();
    presence.up(alice, [1]);
    presence.up(alice, [1]);
    presence.down(alice, [1]);
    mock.timers.tick(10 * GRACE);
    assert.deepEqual(await seen(bob), ['alice:online'], 'one stream is still open');
    presence.down(alice, [1]);
    mock.timers.tick(GRACE - 1);
    assert.equal(presence.isOnline('alice'), true);
    assert.deepEqual(await seen(bob), ['alice:online'], 'still within the grace period');
    mock.timers.tick(1);
    assert.equal(presence.isOnline('alice'), false);
    assert.deepEqual(await seen(bob), ['alice:online', 'alice:offline']);
    assert.deepEqual(peers.announced.map((a) => a.online), [true, false]);
  });

  it('a reconnect within the grace period is not seen by anyone', async () => {
    const { presence, peers, bob } = setup();
    presence.up(alice, [1]);
    presence.down(alice, [1]);
    mock.timers.tick(GRACE - 1);
    presence.up(alice, [1]);
    mock.timers.tick(10 * GRACE);
    assert.equal(presence.isOnline('alice'), true);
    assert.deepEqual(await seen(bob), ['alice:online']);
    assert.deepEqual(peers.announced.map((a) => a.online), [true]);
  });

  it('after a reconnect, the next drop gets a whole grace period of its own', async () => {
    const { presence, bob } = setup();
    presence.up(alice, [1]);
    presence.down(alice, [1]);
    mock.timers.tick(GRACE - 1);
    presence.up(alice, [1]);
    presence.down(alice, [1]);
    mock.timers.tick(GRACE - 1);
    assert.equal(presence.isOnline('alice'), true, 'the first drop’s timer was cancelled');
    mock.timers.tick(1);
    assert.equal(presence.isOnline('alice'), false);
    assert.deepEqual(await seen(bob), ['alice:online', 'alice:offline']);
  });

  it('another node’s announcement makes a user online here, and its goodbye offline', async () => {
    const { presence, bob } = setup();
    presence.fromRemote('nodeB', carol, true, [2]);
    presence.fromRemote('nodeB', carol, true, [2]); // repeated
    presence.fromRemote('nodeC', carol, true, [2]); // also on a third node
    assert.equal(presence.isOnline('carol'), true);
    presence.fromRemote('nodeB', carol, false, [2]);
    assert.equal(presence.isOnline('carol'), true, 'still online on nodeC');
    presence.fromRemote('nodeC', carol, false, [2]);
    assert.equal(presence.isOnline('carol'), false);
    assert.deepEqual(await seen(bob), ['carol:online', 'carol:offline']);
  });

  it('a user online on one node and then another is shown online once, and offline only when gone from both', async () => {
    const { presence, peers, bob } = setup();
    presence.up(alice, [1]);
    presence.fromRemote('nodeB', alice, true, [1]);
    presence.fromRemote('nodeB', alice, false, [1]);
    presence.fromRemote('nodeB', carol, true, [1]);
    presence.up(carol, [1]);
    assert.deepEqual(peers.announced.map((a) => `${a.user}:${a.online}`), ['alice:true', 'carol:true'], 'nodes are told of every local stream');
    presence.down(carol, [1]);
    for (let t = 0; t < GRACE; t += REFRESH) {
      mock.timers.tick(REFRESH);
      presence.fromSync('nodeB', [{ user: carol, roomIds: [1] }], false); // nodeB still has her
    }
    assert.equal(presence.isOnline('carol'), true, 'still on nodeB');
    assert.deepEqual(await seen(bob), ['alice:online', 'carol:online']);
  });

  it('a presence_sync from a node that omits a user turns them offline here, unless another node has them', async () => {
    const { presence, bob } = setup();
    presence.fromRemote('nodeB', carol, true, [1]);
    presence.fromRemote('nodeB', dave, true, [1]);
    presence.fromRemote('nodeC', dave, true, [1]);
    presence.fromSync('nodeB', [], false);
    assert.equal(presence.isOnline('carol'), false);
    assert.equal(presence.isOnline('dave'), true);
    presence.fromSync('nodeC', [{ user: alice, roomIds: [2] }], false);
    assert.deepEqual(await seen(bob), ['carol:online', 'dave:online', 'carol:offline', 'dave:offline', 'alice:online']);
  });

  it('a remote user whose node stops refreshing expires after three refresh periods; a refreshed one stays', async () => {
    const { presence, bob } = setup();
    presence.fromRemote('nodeB', carol, true, [1]); // nodeB then dies without a goodbye
    presence.fromRemote('nodeC', dave, true, [1]);
    const period = () => {
      mock.timers.tick(REFRESH);
      presence.fromSync('nodeC', [{ user: dave, roomIds: [1] }], false); // nodeC keeps refreshing
    };
    for (let t = 1; t <= 3; t++) period();
    assert.equal(presence.isOnline('carol'), true, 'three periods without news: not yet expired');
    period();
    assert.equal(presence.isOnline('carol'), false, 'expired at the first check past three periods');
    for (let t = 1; t <= 10; t++) period();
    assert.equal(presence.isOnline('dave'), true);
    assert.deepEqual(await seen(bob), ['carol:online', 'dave:online', 'carol:offline']);
  });

  it('every refresh period this node publishes its online set; asked, it answers at once', () => {
    const { presence, peers } = setup();
    presence.up(alice, [1, 3]);
    presence.fromRemote('nodeB', carol, true, [1]);
    presence.fromSync('nodeB', [{ user: carol, roomIds: [1] }], true);
    assert.deepEqual(peers.syncs, [{ ask: false, users: [{ user: alice, roomIds: [1, 3] }] }], 'the answer: this node’s own users only');
    presence.fromSync('nodeB', [{ user: carol, roomIds: [1] }], false);
    assert.equal(peers.syncs.length, 1, 'a plain sync is not answered');
    mock.timers.tick(REFRESH);
    assert.deepEqual(peers.syncs.at(-1), { ask: false, users: [{ user: alice, roomIds: [1, 3] }] });
  });

  it('a single node (no peers) announces nothing and runs no refresh timer', async () => {
    const { presence, peers, bob } = setup(false);
    presence.up(alice, [1]);
    mock.timers.tick(100 * REFRESH);
    assert.deepEqual(peers.syncs, []);
    assert.deepEqual(peers.announced, []);
    assert.deepEqual(await seen(bob), ['alice:online']);
  });

  it('a reconnect within the grace period is not seen on other nodes either', async () => {
    // Node A (alice's streams) tells node B through its peers; bob watches on B.
    const hubB = new Hub(LOG_ID, new RecordingMetrics());
    const b = new Presence({ hub: hubB, graceMs: GRACE, peers: null, refreshMs: REFRESH });
    const toB: PresencePeers = {
      presence: (user, online, roomIds) => b.fromRemote('nodeA', user, online, roomIds),
      presenceSync: (ask, users) => b.fromSync('nodeA', users, ask),
    };
    const a = new Presence({ hub: new Hub(LOG_ID, new RecordingMetrics()), graceMs: GRACE, peers: toB, refreshMs: REFRESH });
    presences.push(a, b);
    const bob = liveStream(hubB, 'bob', [1]);
    a.up(alice, [1]);
    a.down(alice, [1]); // a page reload: the stream drops …
    mock.timers.tick(REFRESH); // … a refresh period passes …
    a.up(alice, [1]); // … and it is back, well within the grace period
    assert.equal(b.isOnline('alice'), true);
    assert.deepEqual(await seen(bob), ['alice:online']);
  });
});
