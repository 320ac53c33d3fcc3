/**
 * Behind a proxy (NATTER_TRUST_PROXY), per-address limits use the client address
 * from X-Forwarded-For, so one proxy does not share one limit among all users;
 * without it, the header is ignored (a client cannot dodge its cap by sending it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newUser } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { openRaw } from '../helpers/sse.ts';

for (const trusted of [true, false]) {
  describe(`NATTER_TRUST_PROXY=${trusted ? '1' : '0'}`, () => {
    const server = useServer({ NATTER_TRUST_PROXY: trusted ? '1' : '0', NATTER_STREAMS_PER_IP: '1', NATTER_STREAMS_PER_USER: '0' });

    it(trusted ? 'caps streams per forwarded client address' : 'ignores X-Forwarded-For', async () => {
      const u = await newUser(server.url, 'tp');
      const open = (xff: string) => openRaw(server.url, '/api/v1/events', { authorization: `Bearer ${u.token}`, 'x-forwarded-for': xff });
      const first = await open('203.0.113.1');
      const other = await open('203.0.113.2');
      const again = await open('203.0.113.1');
      assert.equal(first.status, 200);
      assert.equal(other.status, trusted ? 200 : 429, 'another client address');
      assert.equal(again.status, 429, 'the same client address again');
      for (const s of [first, other, again]) s.close();
    });
  });
}
