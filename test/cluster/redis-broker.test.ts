/** RedisBroker against a dedicated redis-server: delivery, no echo, outages, bad input. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { BrokerMessage } from '../../src/broker/broker.ts';
import { RedisBroker } from '../../src/broker/redis-broker.ts';
import { startRedis, type RedisServer } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';

const connected = (b: RedisBroker) => waitFor(() => b.ping().then(() => true, () => false), 'broker connected');

describe('RedisBroker', () => {
  let redis: RedisServer;
  const brokers: RedisBroker[] = [];
  const make = (channel = 'natter:test'): RedisBroker => {
    const b = new RedisBroker(redis.url, { channel, maxBackoffMs: 200 });
    brokers.push(b);
    return b;
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(brokers.map((b) => b.close()));
    await redis?.stop();
  });

  it('every message kind reaches the other node, stamped with the sender; never the sender itself', async () => {
    const a = make();
    const b = make();
    await Promise.all([connected(a), connected(b)]);
    const gotA: BrokerMessage[] = [];
    const gotB: BrokerMessage[] = [];
    a.onMessage((m) => gotA.push(m));
    b.onMessage((m) => gotB.push(m));
    const user = { id: '7', username: 'ann' };
    a.publish({ kind: 'events', events: [{ pos: 1, roomId: 2, type: 'message', subject: null, data: '{"x":1}' }] });
    a.publish({ kind: 'typing', roomId: 2, room: 'general', user });
    a.publish({ kind: 'presence', user, online: true, roomIds: [2] });
    a.publish({ kind: 'session_end', sessionId: '5', userId: '7' });
    await waitFor(() => gotB.length === 4, 'four messages on B');
    assert.deepEqual(gotB.map((m) => [m.kind, m.node]), [['events', a.nodeId], ['typing', a.nodeId], ['presence', a.nodeId], ['session_end', a.nodeId]]);
    assert.deepEqual(gotB[0], { kind: 'events', node: a.nodeId, events: [{ pos: 1, roomId: 2, type: 'message', subject: null, data: '{"x":1}' }] });
    b.publish({ kind: 'typing', roomId: 2, room: 'general', user });
    await waitFor(() => gotA.length === 1, 'B\'s message on A');
    assert.equal(gotA[0]!.node, b.nodeId);
    assert.equal(gotB.length, 4, 'B never hears itself');
    assert.equal(a.stats.received, 1);
  });

  it('junk on the channel is counted and ignored', async () => {
    const b = make('natter:junk');
    await connected(b);
    const got: BrokerMessage[] = [];
    b.onMessage((m) => got.push(m));
    const raw = new Redis(redis.url);
    try {
      for (const text of ['not json', '42', 'null', '{"kind":"typing"}']) await raw.publish('natter:junk', text);
      await raw.publish('natter:junk', JSON.stringify({ kind: 'presence', node: 'other', user: { id: '1', username: 'x' }, online: false, roomIds: [] }));
    } finally {
      raw.disconnect();
    }
    await waitFor(() => got.length === 1, 'the valid message');
    assert.equal(b.stats.malformed, 4);
  });

  it('while Redis is down: ping rejects, publish drops without throwing; after restart messages flow again', async () => {
    const a = make('natter:outage');
    const b = make('natter:outage');
    await Promise.all([connected(a), connected(b)]);
    const got: BrokerMessage[] = [];
    b.onMessage((m) => got.push(m));
    await redis.stop();
    await waitFor(() => a.ping().then(() => false, () => true), 'ping to reject');
    const dropped = a.stats.dropped;
    assert.doesNotThrow(() => a.publish({ kind: 'presence', user: { id: '1', username: 'x' }, online: true, roomIds: [2] }));
    // Counted at once when the publisher knows it is down, or when the write fails a moment later.
    await waitFor(() => a.stats.dropped === dropped + 1, 'the publish counted as dropped');
    await redis.start();
    await Promise.all([connected(a), connected(b)]);
    // The subscriber re-subscribes on its own schedule: publish until one arrives.
    await waitFor(() => {
      a.publish({ kind: 'presence', user: { id: '1', username: 'x' }, online: true, roomIds: [2] });
      return got.length > 0;
    }, 'a message after the restart', 10_000);
    assert.ok(a.stats.disconnects > 0);
  });

  it('a broker started while Redis is down connects when it comes up; close works in any state, twice', async () => {
    await redis.stop();
    const a = make('natter:late');
    await assert.rejects(a.ping());
    await redis.start();
    await connected(a);
    await a.close();
    await a.close();
    await assert.rejects(a.ping());
    await redis.stop();
    const down = make('natter:late');
    await down.close();
    await redis.start();
  });
});
