/**
 * A request whose body has not fully arrived NATTER_REQUEST_TIMEOUT_MS (default 30 s) after it began gets
 * 408 request_timeout with the JSON error body, and the connection closes; event streams are not affected.
 * The server here runs with 400 ms so the test does not wait 30 s.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { newUser, post, room, type TestUser } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { closeStream, openEvents, waitText } from '../helpers/sse.ts';

const TIMEOUT_MS = 400;
let alice: TestUser;
const server = useServer({ NATTER_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) }, {
  setup: async () => {
    alice = await newUser(server.url, 'rt');
  },
});

/** POST a message whose body trickles in one byte every 50 ms and never completes; resolves with all the server sent once it closes. */
function trickle(roomName: string): Promise<{ text: string; startedAt: number }> {
  const u = new URL(server.url);
  const body = JSON.stringify({ text: 'x'.repeat(200) });
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    const startedAt = Date.now();
    let got = '';
    let sent = 10;
    socket.write(`POST /api/v1/rooms/${roomName}/messages HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${alice.token}\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, sent)}`);
    const timer = setInterval(() => {
      if (sent < body.length - 1 && socket.writable) socket.write(body[sent++]!);
    }, 50);
    socket.on('data', (b: Buffer) => { got += b.toString('utf8'); });
    socket.on('error', () => { /* a reset after the 408 is fine */ });
    socket.on('close', () => {
      clearInterval(timer);
      if (got === '') reject(new Error('closed without a response'));
      else resolve({ text: got, startedAt });
    });
  });
}

describe('request timeout', () => {
  it('a trickled body gets 408 request_timeout (JSON) and the connection closes; an older stream still gets events', { timeout: 15_000 }, async () => {
    const name = await room(alice, 'public');
    const s = await openEvents(server.url, alice.token);
    try {
      const { text, startedAt } = await trickle(name);
      const [head, payload] = text.split('\r\n\r\n') as [string, string];
      assert.match(head, /^HTTP\/1\.1 408 /);
      assert.match(head, /content-type: application\/json/i);
      assert.deepEqual(JSON.parse(payload).error.code, 'request_timeout');
      assert.ok(Date.now() - startedAt >= TIMEOUT_MS, 'not before the timeout');
      // The stream has now been open longer than the timeout, and is still live.
      await post(alice, name, 'after the timeout');
      await waitText(s, name, 'after the timeout');
      assert.equal(s.closed, false);
    } finally {
      await closeStream(s);
    }
  });
});
