/**
 * Run as `node --allow-natives-syntax --import tsx test/helpers/takeover-shape.ts` (test/unit/socket-takeover.test.ts
 * does): takes one event stream's socket from node:http as the events route does and prints, as JSON, whether V8
 * keeps the socket (and the sink) in fast mode. The flag must be on the command line: set at run time, it can crash
 * the process on exit.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { SocketSink } from '../../src/http/socket-sink.ts';
import { detachFromHttp } from '../../src/http/socket-takeover.ts';

const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
const server = http.createServer((req, res) => {
  const socket = detachFromHttp(req, res);
  const sink = new SocketSink(socket);
  sink.onClose(() => {});
  process.stdout.write(JSON.stringify({ socket: hasFastProperties(socket), sink: hasFastProperties(sink) }) + '\n');
  socket.destroy();
  server.close();
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
client.on('error', () => {});
client.write('GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n');
