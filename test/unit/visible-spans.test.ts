/**
 * The record of "written to a visible stream" (API v1.1 §4) in process: a Subscriber's visible stretches as its
 * page is shown and hidden, VisibleSpans writing only push users' stretches (and only what changed), and the
 * push backoff (src/core/push-delivery.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, pushTopic } from '../../src/core/push-delivery.ts';
import { Subscriber } from '../../src/core/subscriber.ts';
import { VisibleSpans } from '../../src/core/visible-spans.ts';
import type { VisibleSpan } from '../../src/storage/push-work.ts';
import { encodeData, encodeEvent } from '../../src/core/sse-frame.ts';
import { RecordingSink, subscriber } from '../helpers/core-fakes.ts';

const frame = Buffer.from(encodeEvent('message', encodeData({})));
const write = (sub: Subscriber, ...positions: number[]): void => {
  for (const p of positions) sub.sendStored(p, frame);
};

describe('Subscriber visible stretches', () => {
  it('a visible stream covers what it wrote after its replay start; hiding ends the stretch, showing starts a new one', () => {
    const { sub } = subscriber('u');
    sub.replayFrom(10);
    assert.deepEqual(sub.takeSpans(), [], 'nothing written yet');
    write(sub, 11, 12);
    assert.deepEqual(sub.takeSpans(), [[11, 12]]);
    assert.deepEqual(sub.takeSpans(), [[11, 12]], 'the open stretch is reported again (it grows in place)');
    sub.setVisible(false);
    write(sub, 13, 14);
    sub.setVisible(true);
    write(sub, 15);
    assert.deepEqual(sub.takeSpans(), [[11, 12], [15, 15]], 'positions written while hidden are in no stretch');
    assert.deepEqual(sub.takeSpans(), [[15, 15]], 'an ended stretch is taken once');
  });

  it('a stream opened hidden covers nothing until shown; setting the same state twice changes nothing', () => {
    const sub = new Subscriber({ userId: 'u', username: 'u', sessionId: 's', ip: '', streamId: 'st', visible: false }, new RecordingSink(), 1 << 20, () => {});
    sub.replayFrom(5);
    write(sub, 6);
    assert.equal(sub.visible, false);
    assert.deepEqual(sub.takeSpans(), []);
    sub.setVisible(true);
    sub.setVisible(true);
    write(sub, 7);
    assert.deepEqual(sub.takeSpans(), [[7, 7]]);
    sub.setVisible(false);
    sub.setVisible(false);
    assert.deepEqual(sub.takeSpans(), [[7, 7]]);
    assert.deepEqual(sub.takeSpans(), []);
  });

  it('a page flipping with nobody taking its stretches keeps only the newest 16', () => {
    const { sub } = subscriber('u');
    sub.replayFrom(0);
    for (let p = 1; p <= 40; p++) {
      write(sub, p);
      sub.setVisible(false);
      sub.setVisible(true);
    }
    const spans = sub.takeSpans();
    assert.equal(spans.length, 16);
    assert.deepEqual(spans.at(-1), [40, 40]);
  });
});

describe('VisibleSpans', () => {
  function setup(pushUsers: string[]) {
    const written: VisibleSpan[][] = [];
    const streams = new Map<string, Subscriber[]>();
    let closed: ((sub: Subscriber) => void) | undefined;
    const spans = new VisibleSpans(
      { pushUsers: async () => pushUsers, recordSpans: async (s) => void written.push([...s]) },
      { streamsOf: (u) => streams.get(u) ?? [], onStreamClosed: (cb) => (closed = cb) },
    );
    const open = (userId: string): Subscriber => {
      const streamId = `st-${userId}-${(streams.get(userId) ?? []).length}`;
      const sub: Subscriber = new Subscriber({ userId, username: userId, sessionId: 's', ip: '', streamId }, new RecordingSink(), 1 << 20, () => closed?.(sub));
      streams.set(userId, [...(streams.get(userId) ?? []), sub]);
      sub.replayFrom(0);
      return sub;
    };
    return { spans, written, open, streams };
  }

  it('writes the stretches of push users only, each change once, and a closed stream\'s last stretch', async () => {
    const { spans, written, open, streams } = setup(['bob']);
    const bob = open('bob');
    const carol = open('carol');
    await spans.flush(1);
    assert.deepEqual(written, [[]], 'before the first refresh nobody is known to have subscriptions');
    write(bob, 1, 2);
    write(carol, 1, 2);
    await spans.flush(2);
    assert.deepEqual(written.at(-1), [{ streamId: bob.streamId, userId: 'bob', fromPos: 1, toPos: 2 }]);
    await spans.flush(3);
    assert.deepEqual(written.at(-1), [], 'unchanged: nothing written');
    write(bob, 3);
    bob.setVisible(false);
    write(bob, 4);
    streams.set('bob', []);
    bob.close('client');
    await spans.flush(4);
    assert.deepEqual(written.at(-1), [{ streamId: bob.streamId, userId: 'bob', fromPos: 1, toPos: 3 }]);
  });
});

describe('push backoff and topic', () => {
  it('grows exponentially with jitter, never below Retry-After, capped at ten minutes', () => {
    assert.equal(backoffMs(0, null, () => 0), 500);
    assert.equal(backoffMs(0, null, () => 1), 1000);
    assert.equal(backoffMs(3, null, () => 1), 8000);
    assert.equal(backoffMs(30, null, () => 1), 600_000);
    assert.equal(backoffMs(0, 120_000, () => 0), 120_000);
  });

  it('a Topic per room: at most 32 URL-safe characters, stable', () => {
    assert.match(pushTopic('general'), /^[A-Za-z0-9_-]{32}$/);
    assert.equal(pushTopic('general'), pushTopic('general'));
    assert.notEqual(pushTopic('general'), pushTopic('random'));
  });
});
