/**
 * The hub's recent tail (src/core/tail.ts) and replay turns (src/core/turns.ts), in process: the tail claims
 * a range only when it saw every position of it and the user's rooms did not change in it; turns spread a
 * storm of replays over event-loop iterations, in FIFO order, within the replaysMax cap.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tail } from '../../src/core/tail.ts';
import { Turns } from '../../src/core/turns.ts';
import { ev, nextTick } from '../helpers/core-fakes.ts';

describe('Tail', () => {
  it('covers (after, upTo] only from its first position on, and never past its newest event', () => {
    const t = new Tail();
    for (let pos = 5; pos <= 9; pos++) t.push(ev(pos, 1));
    assert.equal(t.coverage('u', 4, 9), 9);
    assert.equal(t.coverage('u', 6, 8), 8);
    assert.equal(t.coverage('u', 6, 20), 9, 'the rest is read from the store');
    assert.equal(t.coverage('u', 3, 9), 3, 'position 4 was never seen');
    assert.equal(t.at(7)?.pos, 7);
  });

  it('an event that does not follow the newest one (a gap) starts the tail anew', () => {
    const t = new Tail();
    for (let pos = 1; pos <= 5; pos++) t.push(ev(pos, 1));
    t.push(ev(8, 1));
    assert.equal(t.first, 8);
    assert.equal(t.coverage('u', 2, 8), 2, 'positions 6 and 7 are missing: nothing before 8 is claimed');
    assert.equal(t.at(3), undefined);
    assert.equal(t.coverage('u', 7, 8), 8);
  });

  it('a repeated event is ignored: the tail keeps its range', () => {
    const t = new Tail();
    for (let pos = 1; pos <= 5; pos++) t.push(ev(pos, 1));
    t.push(ev(5, 1));
    t.push(ev(3, 1));
    assert.equal(t.first, 1);
    assert.equal(t.coverage('u', 0, 5), 5);
    t.push(ev(6, 1));
    assert.equal(t.last, 6);
  });

  it('a membership change of the user after the cursor leaves the range to the store', () => {
    const t = new Tail();
    t.push(ev(1, 1));
    t.push(ev(2, 1, 'member_joined', 'bob'));
    t.push(ev(3, 1));
    assert.equal(t.coverage('bob', 1, 3), 1);
    assert.equal(t.coverage('bob', 2, 3), 3, 'the change is at or before the cursor');
    assert.equal(t.coverage('alice', 0, 3), 3);
  });

  it('evicts the oldest events past its size, and forgets their membership changes with them', () => {
    const t = new Tail(3);
    t.push(ev(1, 1, 'member_left', 'bob'));
    for (let pos = 2; pos <= 4; pos++) t.push(ev(pos, 1));
    assert.equal(t.first, 2);
    assert.equal(t.coverage('bob', 1, 4), 4);
    assert.equal(t.coverage('bob', 0, 4), 0, 'position 1 is gone');
  });
});

describe('Turns', () => {
  it('a storm of replays is spread over loop iterations: once a slice is spent, the rest wait, in order', async () => {
    const turns = new Turns(0, 0); // a slice of 0 ms: one replay starts per iteration
    const order: number[] = [];
    const iterationOf: number[] = [];
    let iteration = 0;
    let done = false;
    const tick = (): void => {
      iteration++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    await Promise.all([0, 1, 2, 3].map(async (i) => {
      await turns.take();
      order.push(i);
      iterationOf.push(iteration);
      turns.give();
    }));
    done = true;
    assert.deepEqual(order, [0, 1, 2, 3]);
    assert.equal(new Set(iterationOf).size, 4, `each in its own iteration: ${iterationOf}`);
  });

  it('at most `max` turns at once; a given-back turn goes to the first waiter', async () => {
    const turns = new Turns(2, 1000);
    await turns.take();
    await turns.take();
    let third = false;
    const waiting = turns.take().then(() => (third = true));
    await nextTick();
    assert.equal(third, false);
    turns.give();
    await waiting;
    assert.equal(third, true);
  });
});
