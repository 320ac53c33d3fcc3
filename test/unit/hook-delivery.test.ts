/**
 * The pure parts of webhook delivery (src/core/hook-delivery.ts): the Standard Webhooks signature (checked
 * against the scheme's published example), the retry schedule (1 s, 2 s, 4 s … capped at 10 min, up to a
 * quarter of jitter), and the delivery body (the stream's data embedded as encoded).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryBody, retryDelayMs, signWebhook } from '../../src/core/hook-delivery.ts';

describe('webhook delivery', () => {
  it('signs as the Standard Webhooks example does', () => {
    // The example of the Standard Webhooks specification and its reference libraries.
    const sig = signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    assert.equal(sig, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    assert.notEqual(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265331, '{"test": 2432232314}'), sig);
  });

  it('retries after 1 s, 2 s, 4 s … capped at 10 min, each up to a quarter longer', () => {
    const low = (n: number) => retryDelayMs(n, 1000, () => 0);
    const high = (n: number) => retryDelayMs(n, 1000, () => 0.999999);
    assert.deepEqual([1, 2, 3, 4, 10].map(low), [1000, 2000, 4000, 8000, 512_000]);
    assert.deepEqual([11, 12, 40, 1000].map(low), [600_000, 600_000, 600_000, 600_000]);
    assert.equal(high(1), 1250);
    assert.equal(high(50), 750_000);
    for (let n = 1; n < 30; n++) assert.ok(low(n) <= retryDelayMs(n, 1000) && retryDelayMs(n, 1000) <= high(n));
  });

  it("embeds the event's data as the stream encoded it", () => {
    const data = '{"message":{"id":"7","text":"é \\u2028 \\"q\\""}}';
    const body = deliveryBody('3', '12-abc', { pos: 12, roomId: 1, type: 'message', subject: '2', data });
    assert.deepEqual(JSON.parse(body), { hook_id: '3', event: { id: '12-abc', type: 'message', data: JSON.parse(data) } });
    assert.ok(body.includes(data), 'not re-encoded');
  });
});
