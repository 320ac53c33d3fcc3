/**
 * core/push-decision.ts, the notification decision of API v1.1 §4 as tables: who is notified and why, push now,
 * later or never, which message of a room a subscription gets and its count, when a push is taken back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decidePush, notifyReason, pushExcerpt, roomPush, shouldClose, type MessageFacts, type PushDecision, type RecipientFacts } from '../../src/core/push-decision.ts';

const T0 = 1_000_000;
const DELAY = 10_000;
const msg = (over: Partial<MessageFacts> = {}): MessageFacts => ({ seq: 5, authorId: 'a', roomKind: 'room', deleted: false, committedAt: T0, mention: null, ...over });
const you = (over: Partial<RecipientFacts> = {}): RecipientFacts => ({ userId: 'u', level: 'all', readSeq: 4, seenVisible: false, ...over });

describe('notifyReason: who is notified, and why', () => {
  const cases: [string, Partial<MessageFacts>, Partial<RecipientFacts>, string | null][] = [
    ['level all, no mention, a room', {}, {}, 'all'],
    ['level all, a DM', { roomKind: 'dm' }, {}, 'dm'],
    ['level all, a mention', { mention: 'user' }, {}, 'user'],
    ['level mentions, no mention', {}, { level: 'mentions' }, null],
    ['level mentions, @user', { mention: 'user' }, { level: 'mentions' }, 'user'],
    ['level mentions, a reply to you', { mention: 'reply' }, { level: 'mentions' }, 'reply'],
    ['level mentions, @room', { mention: 'room' }, { level: 'mentions' }, 'room'],
    ['level mentions, @here', { mention: 'here' }, { level: 'mentions' }, 'here'],
    ['level mentions in a DM, a mention: reason dm', { roomKind: 'dm', mention: 'user' }, { level: 'mentions' }, 'dm'],
    ['level mentions in a DM, no mention', { roomKind: 'dm' }, { level: 'mentions' }, null],
    ['level none, even a mention', { mention: 'user' }, { level: 'none' }, null],
    ['level none, a DM', { roomKind: 'dm' }, { level: 'none' }, null],
    ['your own message', { authorId: 'u', mention: 'user' }, {}, null],
  ];
  for (const [name, m, u, want] of cases) it(name, () => assert.equal(notifyReason(msg(m), you(u)), want));
});

describe('decidePush: now, later or never', () => {
  const cases: [string, Partial<MessageFacts>, Partial<RecipientFacts>, number, PushDecision][] = [
    ['after the delay, unread, unseen: push', {}, {}, T0 + DELAY, { push: true, reason: 'all' }],
    ['before the delay: wait until commit + delay', {}, {}, T0 + 1, { push: false, at: T0 + DELAY }],
    ['written to a visible stream: never', {}, { seenVisible: true }, T0 + DELAY, { push: false, never: 'seen' }],
    ['seen beats waiting', {}, { seenVisible: true }, T0, { push: false, never: 'seen' }],
    ['read up to it: never', {}, { readSeq: 5 }, T0 + DELAY, { push: false, never: 'read' }],
    ['read past it: never', {}, { readSeq: 9 }, T0 + DELAY, { push: false, never: 'read' }],
    ['read just below it: push', {}, { readSeq: 4 }, T0 + DELAY, { push: true, reason: 'all' }],
    ['deleted: never', { deleted: true }, {}, T0 + DELAY, { push: false, never: 'deleted' }],
    ['not notified: never', {}, { level: 'none' }, T0 + DELAY, { push: false, never: 'not_notified' }],
    ['a DM to an offline user', { roomKind: 'dm' }, {}, T0 + DELAY + 5, { push: true, reason: 'dm' }],
    ['a delay of 0 pushes at once', {}, {}, T0, { push: true, reason: 'all' }],
  ];
  for (const [name, m, u, now, want] of cases) {
    it(name, () => assert.deepEqual(decidePush(msg(m), you(u), now, name.includes('delay of 0') ? 0 : DELAY), want));
  }
});

describe('roomPush: one push per room and subscription, the newest, with the count pending', () => {
  const push = (seq: number) => ({ seq, decision: { push: true, reason: 'all' } as PushDecision });
  const wait = (seq: number) => ({ seq, decision: { push: false, at: T0 } as PushDecision });
  const never = (seq: number) => ({ seq, decision: { push: false, never: 'read' } as PushDecision });
  it('nothing pending: nothing', () => assert.equal(roomPush([]), null));
  it('only waiting ones: nothing yet', () => assert.equal(roomPush([wait(3), wait(4)]), null));
  it('the newest ready one, counting the ready and the waiting', () => assert.deepEqual(roomPush([push(3), push(5), wait(6), never(7)]), { seq: 5, count: 3 }));
  it('messages that will never notify are not counted', () => assert.deepEqual(roomPush([never(2), push(4)]), { seq: 4, count: 1 }));
});

describe('shouldClose and pushExcerpt', () => {
  it('closes when the read marker reaches the pushed seq, or it was deleted', () => {
    assert.equal(shouldClose(5, 4, false), false);
    assert.equal(shouldClose(5, 5, false), true);
    assert.equal(shouldClose(5, 9, false), true);
    assert.equal(shouldClose(5, 0, true), true);
  });
  it('the excerpt is 120 code points, or empty when excerpts are off', () => {
    assert.equal(pushExcerpt('😀'.repeat(130), true), '😀'.repeat(120));
    assert.equal(pushExcerpt('short', true), 'short');
    assert.equal(pushExcerpt('secret', false), '');
  });
});
