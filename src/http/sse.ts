/**
 * The raw-socket sink of an event stream and the GET /api/v1/events route.
 *
 * The response takes over the socket: we write the head ourselves and then the
 * event bytes with no chunked framing (the body ends when the connection closes,
 * valid HTTP/1.1), so one event costs one buffer write and nothing per client is
 * re-encoded. Errors that can be answered in JSON (401, 429) are sent before the
 * takeover, which stops a browser's EventSource from retrying.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Type } from 'typebox';
import type { Sink } from '../core/subscriber.ts';
import { errors } from './schemas.ts';
import { requireSession, sessionOf } from './session.ts';
import type { RouteDeps } from './server.ts';

const HEAD = Buffer.from(
  'HTTP/1.1 200 OK\r\n' +
  'Content-Type: text/event-stream; charset=utf-8\r\n' +
  'Cache-Control: no-cache\r\n' +
  'X-Accel-Buffering: no\r\n' +
  'X-Content-Type-Options: nosniff\r\n' +
  'Connection: close\r\n\r\n',
);

/** How long an ended stream may take to flush before its socket is destroyed. */
const END_GRACE_MS = 1000;

/** Node's internal HTTP parser, as far as the handover below touches it. */
interface Parser {
  _consumed?: boolean;
  incoming: unknown;
  socket: unknown;
  onIncoming: unknown;
  unconsume(): void;
  finish(): void;
  remove(): void;
  close(): void;
}

/**
 * Take the socket away from node:http, the way Node itself hands a socket over on
 * an HTTP Upgrade (lib/_http_server.js, onParserExecuteCommon): drop the server's
 * socket listeners, release the parser, detach the response. Without this every
 * idle stream keeps an IncomingMessage, a ServerResponse, a parser and Fastify's
 * request/reply alive, about 4 KiB of heap per stream that is never used again.
 * Every step is guarded: on a Node without these internals the stream still works,
 * it just holds more memory.
 */
export function detachFromHttp(req: IncomingMessage, res: ServerResponse): Socket {
  const socket = req.socket as Socket & { parser?: Parser | null };
  for (const ev of ['data', 'end', 'close', 'drain', 'error', 'timeout', 'resume', 'pause']) socket.removeAllListeners(ev);
  // node:http wraps these on the socket instance; the prototype's versions are the plain ones.
  const own = socket as unknown as Record<string, unknown>;
  for (const fn of ['on', 'addListener', 'prependListener', 'setEncoding']) delete own[fn];
  const parser = socket.parser;
  if (parser) {
    if (parser._consumed) parser.unconsume();
    parser.finish();
    parser.incoming = null;
    parser.socket = null;
    parser.onIncoming = null;
    parser.remove();
    socket.parser = null;
    setImmediate(closeParser, parser);
  }
  res.detachSocket(socket);
  // The client sends nothing more; keep reading only to see it go away.
  socket.on('end', destroySocket);
  socket.resume();
  return socket;
}

// Module-level on purpose: a closure created inside detachFromHttp would share its
// scope and keep the parser (and through it the request) alive for the stream's life.
function closeParser(parser: Parser): void {
  parser.close();
}
function destroySocket(this: Socket): void {
  this.destroy();
}

/** A Sink over a taken-over socket. */
export class SocketSink implements Sink {
  private ended = false;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on('error', () => socket.destroy());
    socket.write(HEAD);
  }

  write(chunk: Buffer): void {
    if (!this.ended) this.socket.write(chunk);
  }

  backlog(): number {
    return this.socket.writableLength;
  }

  drained(): Promise<void> {
    return new Promise((resolve) => {
      // 'drain' comes only after a write was refused (above the high-water mark); below it there is nothing to wait for.
      if (this.ended || this.socket.destroyed || !this.socket.writableNeedDrain) return resolve();
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  end(abort: boolean): void {
    if (this.ended) return;
    this.ended = true;
    if (abort || this.socket.destroyed) {
      this.socket.destroy();
      return;
    }
    // Flush what is queued, then close; a client that stopped reading gets END_GRACE_MS, not forever
    // (it would otherwise hold server.close(), and so the shutdown, until TCP gives up).
    this.socket.end(() => this.socket.destroy());
    const deadline = setTimeout(() => this.socket.destroy(), END_GRACE_MS);
    deadline.unref();
    this.socket.once('close', () => clearTimeout(deadline));
  }

  onClose(cb: () => void): void {
    this.socket.once('close', cb);
  }
}

export async function eventRoutes({ app, services }: RouteDeps): Promise<void> {
  app.get('/api/v1/events', {
    schema: {
      tags: ['events'],
      description: 'Server-Sent Events stream of every room the user belongs to (see API.md, "The event stream").',
      // No length limit here: any bad cursor, however long, must get `reset` on the stream, not a 400 that stops EventSource.
      querystring: Type.Object({ last_event_id: Type.Optional(Type.String()) }),
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errors(429) },
    },
    onRequest: requireSession(services.auth),
  }, async (req, reply) => {
    const session = sessionOf(req);
    services.streams.checkCaps(session.user.id, req.ip);
    const header = req.headers['last-event-id'];
    const cursor = typeof header === 'string' ? header : req.query.last_event_id;
    reply.hijack();
    const sink = new SocketSink(detachFromHttp(req.raw, reply.raw));
    await services.streams.open(session, req.ip, sink, cursor).catch((err: unknown) => {
      services.metrics.storeErrors.inc();
      req.log.error({ err }, 'event stream failed while opening');
    });
  });
}
