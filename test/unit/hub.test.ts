/**
 * Hub (src/core/hub.ts) in process: routing of stored events by room, membership
 * followed from the events themselves, encode-once, and the transient signals
 * (typing, read, presence). Streams are real Subscribers over recording sinks;
 * `liveStream` does what a finished replay does (addPending → goLive).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hub } from '../../src/core/hub.ts';
import { ev, LOG_ID, liveStream, nextTick, RecordingMetrics, subscriber } from '../helpers/core-fakes.ts';

const alice = { id: 'alice', username: 'alice' };

function newHub(): { hub: Hub; metrics: RecordingMetrics } {
  const metrics = new RecordingMetrics();
  return { hub: new Hub(LOG_ID, metrics), metrics };
}

describe('Hub', () => {
  it('a member gets a room event once, with its cursor as id; a non-member never', async () => {
    const { hub } = newHub();
    const a = liveStream(hub, 'alice', [1, 2]);
    const b = liveStream(hub, 'bob', [2]);
    const e = ev(1, 1);
    hub.deliver([e]);
    hub.deliver([e]); // a repeat (the feed drops these, the stream does too)
    await nextTick();
    assert.deepEqual(a.sink.positions(), [1]);
    assert.equal(a.sink.events()[0]!.id, `1-${LOG_ID}`);
    assert.deepEqual(JSON.parse(a.sink.events()[0]!.data), JSON.parse(e.data));
    assert.deepEqual(b.sink.events(), []);
  });

  it('a user sees their own join, then the room; their own leave, then no more of the room', async () => {
    const { hub } = newHub();
    const a = liveStream(hub, 'alice', []);
    const b = liveStream(hub, 'bob', [3]);
    hub.deliver([ev(1, 3, 'member_joined', 'alice'), ev(2, 3)]);
    hub.deliver([ev(3, 3, 'member_left', 'alice'), ev(4, 3)]);
    await nextTick();
    assert.deepEqual(a.sink.events().map((e) => e.event), ['member_joined', 'message', 'member_left']);
    assert.deepEqual(a.sink.positions(), [1, 2, 3]);
    assert.deepEqual(b.sink.positions(), [1, 2, 3, 4], 'the other member sees the join and the leave');
    assert.deepEqual([...hub.roomsOfStream(a.sub)], []);
  });

  it('a stream that went live from a newer snapshot ignores older membership events still arriving', async () => {
    const { hub } = newHub();
    const bob = { id: 'bob', username: 'bob' };
    // The snapshot at 10 has alice in room 6 only. The log before it: 7 she left room 6,
    // 8 she joined room 5, 9 she joined room 6 again, 10 she left room 5. The feed is behind and delivers those now.
    const a = liveStream(hub, 'alice', [6], 10);
    hub.deliver([ev(7, 6, 'member_left', 'alice'), ev(8, 5, 'member_joined', 'alice')]);
    hub.signalRoom(6, 'typing', { room: 'r6', user: bob }, 'bob');
    hub.signalRoom(5, 'typing', { room: 'r5', user: bob }, 'bob');
    await nextTick();
    assert.deepEqual(a.sink.events('typing').map((e) => JSON.parse(e.data).room), ['r6'], 'still in room 6, not in room 5');
    hub.deliver([ev(9, 6, 'member_joined', 'alice'), ev(10, 5, 'member_left', 'alice'), ev(11, 5), ev(12, 6)]);
    await nextTick();
    assert.deepEqual(a.sink.positions(), [12], 'no old event re-sent, nothing of room 5');
    assert.deepEqual([...hub.roomsOfStream(a.sub)], [6]);
  });

  it('one event is encoded once: every stream is handed the same Buffer', async () => {
    const { hub } = newHub();
    const streams = ['alice', 'bob', 'carol'].map((u) => liveStream(hub, u, [1]));
    const e = ev(1, 1);
    hub.deliver([e]);
    await nextTick();
    const written = streams.map((s) => s.sink.writes[0]);
    assert.ok(written[0] instanceof Buffer);
    for (const w of written) assert.equal(w, written[0], 'the same Buffer object');
    assert.equal(hub.frame(e), written[0], 'and the one replay would use');
  });

  it('typing goes to the live streams of the room, except the typer’s own', async () => {
    const { hub } = newHub();
    const a1 = liveStream(hub, 'alice', [1]);
    const a2 = liveStream(hub, 'alice', [1]);
    const b = liveStream(hub, 'bob', [1, 2]);
    const c = liveStream(hub, 'carol', [2]);
    const pending = subscriber('dave');
    hub.addPending(pending.sub);
    hub.signalRoom(1, 'typing', { room: 'r1', user: alice }, 'alice');
    await nextTick();
    assert.deepEqual(b.sink.events('typing').map((e) => JSON.parse(e.data)), [{ room: 'r1', user: alice }]);
    assert.equal(b.sink.events('typing')[0]!.hasId, false, 'a transient event has no id');
    for (const s of [a1, a2, c, pending]) assert.deepEqual(s.sink.events(), []);
  });

  it('a read marker reaches the user’s live streams only: not their replaying one, not others', async () => {
    const { hub } = newHub();
    const live = liveStream(hub, 'alice', [1]);
    const replaying = subscriber('alice');
    hub.addPending(replaying.sub);
    const b = liveStream(hub, 'bob', [1]);
    hub.signalUser('alice', 'read', { room: 'r1', seq: 7 });
    await nextTick();
    assert.deepEqual(live.sink.events('read').map((e) => JSON.parse(e.data)), [{ room: 'r1', seq: 7 }]);
    assert.deepEqual(replaying.sink.events(), []);
    assert.deepEqual(b.sink.events(), []);
  });

  it('the delivered counter counts the read frames actually queued', () => {
    const { hub, metrics } = newHub();
    liveStream(hub, 'alice', [1]);
    hub.addPending(subscriber('alice').sub);
    metrics.deliveredCounts = [];
    hub.signalUser('alice', 'read', { room: 'r1', seq: 7 });
    assert.deepEqual(metrics.deliveredCounts, [1]);
  });

  it('presence reaches each stream sharing a room once, even when it shares several, and never the user’s own', async () => {
    const { hub } = newHub();
    const a = liveStream(hub, 'alice', [1, 2, 3]);
    const b = liveStream(hub, 'bob', [1, 2, 3]);
    const c = liveStream(hub, 'carol', [3]);
    const d = liveStream(hub, 'dave', [4]);
    hub.signalPeers('alice', [1, 2, 3], 'presence', { user: alice, online: true });
    await nextTick();
    assert.equal(b.sink.events('presence').length, 1);
    assert.equal(c.sink.events('presence').length, 1);
    assert.deepEqual(JSON.parse(b.sink.events('presence')[0]!.data), { user: alice, online: true });
    assert.deepEqual(a.sink.events(), []);
    assert.deepEqual(d.sink.events(), []);
  });

  it('a removed stream gets nothing more, and remove() reports the rooms it was in', async () => {
    const { hub } = newHub();
    const a = liveStream(hub, 'alice', [1, 2]);
    assert.equal(hub.userCount(), 1);
    assert.deepEqual(hub.remove(a.sub).sort(), [1, 2]);
    hub.deliver([ev(1, 1), ev(2, 2)]);
    hub.signalRoom(1, 'typing', { room: 'r1', user: { id: 'bob', username: 'bob' } }, 'bob');
    hub.signalUser('alice', 'read', { room: 'r1', seq: 1 });
    await nextTick();
    assert.deepEqual(a.sink.writes, []);
    assert.equal(hub.streamsOf('alice').size, 0);
    assert.equal(hub.userCount(), 0);
    assert.deepEqual([...hub.all()], []);
  });

  it('a replaying stream gets nothing until it goes live, then what it held, including its own join', async () => {
    const { hub } = newHub();
    const s = subscriber('alice', { hub });
    hub.addPending(s.sub);
    s.sub.replayFrom(2);
    hub.deliver([ev(2, 1), ev(3, 1), ev(4, 9, 'member_joined', 'alice'), ev(5, 9), ev(6, 7)]);
    await nextTick();
    assert.deepEqual(s.sink.writes, [], 'held while replaying');
    const rooms = hub.goLive(s.sub, [1]);
    assert.deepEqual([...(rooms ?? [])].sort(), [1, 9]);
    hub.deliver([ev(7, 9)]);
    await nextTick();
    assert.deepEqual(s.sink.positions(), [3, 4, 5, 7]);
  });

  it('a stream closed as slow while going live stays closed and is not routed', async () => {
    const { hub } = newHub();
    const s = subscriber('alice', { hub, budget: 300 });
    hub.addPending(s.sub);
    s.sink.backlogBytes = 250;
    hub.deliver([ev(1, 1), ev(2, 1)]);
    assert.equal(hub.goLive(s.sub, [1]), null);
    assert.equal(s.sub.closed, true);
    assert.equal(s.sub.wentLive, false);
    assert.deepEqual(s.closes, ['slow']);
    assert.deepEqual([...hub.roomsOfStream(s.sub)], []);
    assert.equal(hub.streamsOf('alice').size, 0);
  });
});
