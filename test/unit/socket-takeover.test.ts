/**
 * An event stream's socket taken away from node:http (src/http/socket-takeover.ts) and written through
 * SocketSink (src/http/socket-sink.ts), over a real node:http server on 127.0.0.1: the bytes reach the client,
 * the stream learns of the client going away (end or reset) and of socket errors, node:http keeps none of its
 * listeners, and the socket stays a fast-properties object (a dictionary-mode socket costs every idle stream
 * about 1.5 KiB more heap: issue 17 target 5, bench/README.md).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SocketSink } from '../../src/http/socket-sink.ts';
import { detachFromHttp } from '../../src/http/socket-takeover.ts';

interface Taken { socket: Socket; sink: SocketSink; closed: Promise<void> }

describe('socket takeover', () => {
  let server: http.Server;
  let port = 0;
  const taken: Taken[] = [];
  let arrived: (t: Taken) => void = () => {};

  before(async () => {
    server = http.createServer((req, res) => {
      const socket = detachFromHttp(req, res);
      const sink = new SocketSink(socket);
      const closed = new Promise<void>((resolve) => sink.onClose(resolve));
      const t = { socket, sink, closed };
      taken.push(t);
      arrived(t);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    for (const t of taken) t.socket.destroy();
    // node:http's own close (it runs closeIdleConnections() over its connection list): no handed-over parser is left there.
    await new Promise((resolve) => server.close(resolve));
  });

  /** A client that sent its GET, and the server's side of it once taken over. */
  async function stream(): Promise<{ client: Socket; received: () => string; t: Taken }> {
    const got = new Promise<Taken>((resolve) => (arrived = resolve));
    const client = net.connect(port, '127.0.0.1');
    let text = '';
    client.on('data', (b: Buffer) => (text += b.toString()));
    client.on('error', () => {});
    client.write('GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n');
    return { client, received: () => text, t: await got };
  }

  it('keeps the socket in fast mode (V8\'s own %HasFastProperties, in a child with the flag on)', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', 'test/helpers/takeover-shape.ts'], { encoding: 'utf8', timeout: 30_000 });
    assert.deepEqual(JSON.parse(out), { socket: true, sink: true });
  });

  it('node:http forgets the connection: its idle/all-connection sweeps neither throw nor touch a taken-over stream', async () => {
    // The handler above takes the socket over synchronously, inside the parser's execute: the case in which the
    // parser used to put itself back into the server's connection list with no socket (a TypeError from
    // closeIdleConnections, a segmentation fault from closeAllConnections once the parser was closed).
    const { client, received, t } = await stream();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    server.closeIdleConnections();
    server.closeAllConnections();
    t.sink.write(Buffer.from('data: still here\n\n'));
    while (!received().includes('still here')) await once(client, 'data');
    assert.equal(t.socket.destroyed, false, 'the stream is ours to end, not node:http\'s');
    client.destroy();
    await t.closed;
  });

  it('leaves only the stream\'s own listeners on the socket', async () => {
    const { client, t } = await stream();
    assert.deepEqual(t.socket.eventNames().sort(), ['close', 'end', 'error']);
    for (const ev of ['close', 'end', 'error'] as const) assert.equal(t.socket.listenerCount(ev), 1, ev);
    client.destroy();
    await t.closed;
  });

  it('the head and the events reach the client, unframed', async () => {
    const { client, received, t } = await stream();
    t.sink.write(Buffer.from('data: one\n\n'));
    while (!received().includes('data: one\n\n')) await once(client, 'data');
    assert.match(received(), /^HTTP\/1\.1 200 OK\r\n[^]*Content-Type: text\/event-stream[^]*\r\n\r\ndata: one\n\n$/);
    client.destroy();
    await t.closed;
  });

  it('the client ending its side closes the stream (net\'s own end handler is replaced)', async () => {
    const { client, t } = await stream();
    client.end();
    await t.closed;
    assert.equal(t.socket.destroyed, true);
  });

  it('a socket error destroys the socket and closes the stream', async () => {
    const { client, t } = await stream();
    t.socket.emit('error', new Error('boom'));
    await t.closed;
    assert.equal(t.socket.destroyed, true);
    client.destroy();
  });
});
