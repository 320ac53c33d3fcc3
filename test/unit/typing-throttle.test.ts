/** TypingThrottle (src/core/typing-throttle.ts): at most one `typing` event per user and room per 2 s, on mock time. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { TYPING_INTERVAL_MS, TypingThrottle } from '../../src/core/typing-throttle.ts';

describe('TypingThrottle', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('lets the first through at once and drops further ones within 2 s of the last one sent', () => {
    const t = new TypingThrottle();
    assert.equal(TYPING_INTERVAL_MS, 2000);
    assert.equal(t.allow(1, 'alice'), true);
    assert.equal(t.allow(1, 'alice'), false);
    mock.timers.tick(1999);
    assert.equal(t.allow(1, 'alice'), false, 'dropped: 1999 ms after the one sent');
    mock.timers.tick(1);
    assert.equal(t.allow(1, 'alice'), true, '2 s after the last one sent');
    mock.timers.tick(1500);
    assert.equal(t.allow(1, 'alice'), false, 'measured from the last one sent, not the last one dropped');
    mock.timers.tick(500);
    assert.equal(t.allow(1, 'alice'), true);
  });

  it('counts each user and room apart', () => {
    const t = new TypingThrottle();
    assert.equal(t.allow(1, 'alice'), true);
    assert.equal(t.allow(2, 'alice'), true);
    assert.equal(t.allow(1, 'bob'), true);
    assert.equal(t.allow(1, 'alice'), false);
  });

  it('forgets entries older than the interval, so it does not grow without bound', () => {
    const t = new TypingThrottle();
    for (let u = 0; u < 5000; u++) t.allow(1, `u${u}`);
    mock.timers.tick(TYPING_INTERVAL_MS);
    for (let u = 0; u < 5000; u++) t.allow(2, `u${u}`);
    assert.ok(t.size <= 5000, `size ${t.size}`);
  });
});
