/** Requests node:http cannot parse still get the contract's JSON error shape, never a framework body. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { useServer } from '../helpers/server.ts';

const server = useServer();

/** Send raw bytes, return the whole response once the server closes the connection. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1');
    let out = '';
    s.on('data', (b) => (out += b.toString()));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.end(bytes);
  });
}

describe('requests node:http cannot parse', () => {
  for (const [what, bytes, status] of [
    ['a garbage request line', 'GARBAGE\r\n\r\n', 400],
    ['headers over the size limit', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ] as const) {
    it(`${what} → ${status} with {"error":{"code","message"}}`, async () => {
      const res = await raw(bytes);
      assert.match(res, new RegExp(`^HTTP/1.1 ${status} `));
      const body = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4));
      assert.equal(body.error.code, 'invalid_request');
      assert.equal(typeof body.error.message, 'string');
    });
  }
});
